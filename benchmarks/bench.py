"""Run the benchmark: ``python -m benchmarks.bench [--quick] [--json results.json]`` (or
``nox -s bench``).

In one run:

- wall clock, against one stub server in its own process: raw aiohttp, ``AsyncEFundPay``,
  ``EFundPay`` and ``requests.Session`` make the same call, warm, taking turns in rounds
  (order rotating); per-call latency of sequential calls and calls/s at 64 callers, as
  ratios paired within each round, median over the rounds (``benchmarks/measure.py``);
- 32 threads sharing one ``EFundPay`` against 32 threads each with a ``requests.Session``;
- instructions per call under callgrind, where valgrind is installed, for raw aiohttp,
  ``AsyncEFundPay``, ``EFundPay`` and the layers between (``benchmarks/instructions.py``);
- the overload scenario (``benchmarks/overload_scenario.py``);
- ``import efundpay`` from bytecode caches, and the parse of one response.

Then it checks the goals.  ``--profile AsyncEFundPay`` runs sequential calls of one subject
under cProfile instead.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import platform
import pstats
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

import efundpay

from . import instructions
from .clients import REQUESTS_PER_THREAD, SUBJECTS, AsyncSubject, SyncSubject, subject_named
from .measure import Figures, measure_all
from .micro import import_times_ms, parse_time_us
from .overload_scenario import OverloadResult, run_overload
from .report import THREADS, Run, goals, render
from .stub_server import running_stub_server

_QUICK = {"calls": 90, "rounds": 3, "burst": 128, "import_runs": 3, "instruction_calls": 64}


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    names = [subject.name for subject in SUBJECTS]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny counts")
    parser.add_argument("--rounds", type=int, default=9, help="rounds (paired ratios' samples)")
    parser.add_argument("--calls", type=int, default=1800, help="sequential calls per client")
    parser.add_argument("--burst", type=int, default=1000, help="calls per burst")
    parser.add_argument(
        "--levels",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[64],
        help="concurrent callers, comma-separated (default 64)",
    )
    parser.add_argument("--only", action="append", choices=names, help="measure these only")
    parser.add_argument("--instruction-calls", type=int, default=320, help="N of N vs 2N")
    parser.add_argument("--no-instructions", action="store_true", help="skip callgrind")
    parser.add_argument("--no-threads", action="store_true", help="skip the threads scenario")
    parser.add_argument("--no-overload", action="store_true", help="skip the overload scenario")
    parser.add_argument("--overload-calls", type=int, default=10_000)
    parser.add_argument("--overload-delay", type=float, default=0.2)
    parser.add_argument("--import-runs", type=int, default=15, help="interpreters to time")
    parser.add_argument("--no-micro", action="store_true", help="skip import and parse timing")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--profile", choices=names, help="cProfile one subject and exit")
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in _QUICK.items():
            setattr(args, name, value)
        args.no_instructions = True  # a minute of valgrind start-ups: not a smoke run
        args.overload_calls, args.overload_delay = 400, 0.05
    return args


def _profile(subject: AsyncSubject | SyncSubject, calls: int) -> None:
    profiler = cProfile.Profile()
    with running_stub_server() as base_url:
        profiler.runcall(
            measure_all, [subject], base_url, calls=calls, burst=0, rounds=1, levels=()
        )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def _commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if shutil.which("git") is None:
        return None  # not a checkout with git at hand: the figures name no commit
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None


def _environment() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "aiohttp": aiohttp.__version__,
        "efundpay": efundpay.__version__,
    }


def _figures_json(fig: Figures) -> dict[str, Any]:
    return {
        "median_us": round(fig.median_us, 1),
        "p99_us": round(fig.p99_us, 1),
        "rounds_us": [round(us, 1) for us in fig.rounds_us],
        "calls_per_second": {str(n): round(rate) for n, rate in fig.calls_per_second.items()},
        "bursts": {str(n): [round(rate) for rate in rates] for n, rates in fig.bursts.items()},
    }


def _measure(args: argparse.Namespace) -> tuple[Run, OverloadResult | None]:
    subjects = [s for s in SUBJECTS if not args.only or s.name in args.only]
    threads: dict[str, Figures] = {}
    counts: dict[str, float] = {}
    with running_stub_server() as base_url:
        figures = measure_all(
            subjects,
            base_url,
            calls=args.calls,
            burst=args.burst,
            rounds=args.rounds,
            levels=args.levels,
        )
        if not args.no_threads and any(s.name == "EFundPay" for s in SUBJECTS):
            pair = [subject_named("EFundPay"), REQUESTS_PER_THREAD]
            threads = measure_all(
                pair, base_url, calls=0, burst=args.burst, rounds=args.rounds, levels=[THREADS]
            )
        if not args.no_instructions:
            if instructions.available():
                names = list(instructions.SUBJECTS)
                counts = instructions.count_all(names, base_url, args.instruction_calls)
            else:
                print("note: valgrind not found; no instruction counts", file=sys.stderr)
    overload = None
    if not args.no_overload:
        overload = run_overload(args.overload_calls, args.overload_delay)
    return Run(
        figures=figures,
        threads=threads,
        instructions=counts,
        import_ms=None if args.no_micro else import_times_ms(args.import_runs),
        parse_us=None if args.no_micro else parse_time_us(),
        overload=None if overload is None else overload.render(),
    ), overload


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status is 0 even when a goal is missed (it is a report)."""
    args = _parse_args(argv)
    if args.profile:
        _profile(subject_named(args.profile), args.calls)
        return 0
    if not any(s.name == "EFundPay" for s in SUBJECTS):
        print("note: efundpay.EFundPay is not available in this checkout; skipped", file=sys.stderr)
    environment = _environment()  # before measuring: the commit the figures belong to
    run, overload = _measure(args)
    found = goals(run)
    print(render(run, found))
    if args.json:
        result = {
            "environment": environment,
            "settings": {
                key: getattr(args, key)
                for key in ("quick", "rounds", "calls", "burst", "levels", "instruction_calls")
            },
            "subjects": {name: _figures_json(fig) for name, fig in run.figures.items()},
            "threads": {name: _figures_json(fig) for name, fig in run.threads.items()},
            "instructions_per_call": {name: round(n) for name, n in run.instructions.items()},
            "overload": None if overload is None else overload.as_json(),
            "import_ms": None
            if run.import_ms is None
            else {"aiohttp": run.import_ms[0], "efundpay_added": run.import_ms[1]},
            "parse_us": run.parse_us,
            "goals": [goal.as_json() for goal in found],
        }
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2)
            file.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
