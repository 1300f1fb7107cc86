"""Run the benchmark: ``python -m benchmarks.bench [--json results.json]`` (or ``nox -s bench``).

In one run, against one stub server in its own process, it measures raw aiohttp,
``AsyncEFundPay``, ``EFundPay`` and ``requests.Session`` making the same call: the per-call
median and p99 of sequential calls, and calls/s at 1, 16, 64 and 256 concurrent callers.
The clients take turns in short slices (see ``benchmarks/measure.py``), so a noisy neighbour
on the machine slows every client alike instead of one.  Then it times ``import efundpay``
and the parsing of one response, and checks the goals.

``--profile AsyncEFundPay`` runs sequential calls of one subject under cProfile instead.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import platform
import pstats
import sys
from collections.abc import Sequence
from typing import Any

import aiohttp

import efundpay

from .clients import SUBJECTS, AsyncSubject, SyncSubject
from .measure import Figures, measure_all
from .micro import import_times_ms, parse_time_us
from .report import goals, render
from .stub_server import running_stub_server


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    names = [subject.name for subject in SUBJECTS]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__)
    parser.add_argument("--calls", type=int, default=2000, help="sequential calls per client")
    parser.add_argument("--rounds", type=int, default=5, help="bursts per client and level")
    parser.add_argument("--burst", type=int, default=1500, help="calls per burst")
    parser.add_argument(
        "--levels",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 16, 64, 256],
        help="concurrent callers, comma-separated (default 1,16,64,256)",
    )
    parser.add_argument("--only", action="append", choices=names, help="measure these only")
    parser.add_argument("--import-runs", type=int, default=15, help="interpreters to time")
    parser.add_argument("--no-micro", action="store_true", help="skip import and parse timing")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--profile", choices=names, help="cProfile one subject and exit")
    return parser.parse_args(argv)


def _profile(subject: AsyncSubject | SyncSubject, calls: int) -> None:
    profiler = cProfile.Profile()
    with running_stub_server() as base_url:
        profiler.runcall(
            measure_all, [subject], base_url, calls=calls, burst=0, rounds=0, levels=()
        )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def _environment() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
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
        "calls_per_second": {str(n): round(rate) for n, rate in fig.calls_per_second.items()},
        "bursts": {str(n): [round(rate) for rate in rates] for n, rates in fig.bursts.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit status is 0 even when a goal is missed (it is a report)."""
    args = _parse_args(argv)
    subjects = [s for s in SUBJECTS if not args.only or s.name in args.only]
    if args.profile:
        _profile(next(s for s in SUBJECTS if s.name == args.profile), args.calls)
        return 0
    if not any(s.name == "EFundPay" for s in SUBJECTS):
        print("note: efundpay.EFundPay is not available in this checkout; skipped", file=sys.stderr)
    with running_stub_server() as base_url:
        combined = measure_all(
            subjects,
            base_url,
            calls=args.calls,
            burst=args.burst,
            rounds=args.rounds,
            levels=args.levels,
        )
    import_ms = None if args.no_micro else import_times_ms(args.import_runs)
    parse_us = None if args.no_micro else parse_time_us()
    found = goals(combined, None if import_ms is None else import_ms[1], parse_us)
    print(render(combined, found, import_ms=import_ms, parse_us=parse_us))
    if args.json:
        result = {
            "environment": _environment(),
            "settings": {
                "rounds": args.rounds,
                "calls": args.calls,
                "burst": args.burst,
                "levels": args.levels,
            },
            "subjects": {name: _figures_json(fig) for name, fig in combined.items()},
            "import_ms": None
            if import_ms is None
            else {"aiohttp": import_ms[0], "efundpay_added": import_ms[1]},
            "parse_us": parse_us,
            "goals": [goal.as_json() for goal in found],
        }
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(result, file, indent=2)
            file.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
