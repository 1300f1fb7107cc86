"""Instructions per call, counted by callgrind: the measure that a busy machine cannot move.

Wall-clock figures on a shared machine scatter by more than the 10 % worth judging; the
number of instructions a call executes does not (repeat runs agree to about 1 %).  At 64
concurrent callers the client process is CPU-bound, so its calls/s follow its instructions
per call: ``raw aiohttp's instructions / a client's`` is that client's throughput relative to
raw aiohttp.

Each subject runs in a process of its own under ``valgrind --tool=callgrind
--instr-atstart=no`` (interpreter start-up and imports run uninstrumented, hence fast); the
server is the stub in another process, not counted.  The child warms its client up, switches
instrumentation on, then makes N calls and 2N calls, dumping the counters after each
(``callgrind_control``).  The difference divided by N is the cost of one call, whatever the
fixed costs around the two phases: a differential measurement.

Run one subject by hand: ``python -m benchmarks.instructions "raw aiohttp" --calls 320``
(it starts the stub server and valgrind itself).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .clients import AsyncSubject, SyncSubject, subject_named
from .layers import LAYERS
from .measure import _Opened, _OpenedAsync, _OpenedSync, _warmup_calls
from .stub_server import running_stub_server

__all__ = ["available", "count_instructions", "per_call_instructions"]

_ROOT: Final = Path(__file__).resolve().parent.parent
_TOTALS: Final = re.compile(r"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def available() -> bool:
    """Whether valgrind (with callgrind_control) is on ``PATH``."""
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def _all_subjects() -> dict[str, tuple[AsyncSubject | SyncSubject, int]]:
    found: dict[str, tuple[AsyncSubject | SyncSubject, int]] = {
        name: (subject_named(name), 64) for name in ("raw aiohttp", "AsyncEFundPay")
    }
    found.update({subject.name: (subject, concurrency) for subject, concurrency in LAYERS})
    found.update({name: (subject_named(name), 1) for name in ("EFundPay", "requests.Session")})
    return found


SUBJECTS: Final = _all_subjects()


def _control(*args: str) -> None:
    # callgrind_control talks to this very process through valgrind's gdbserver.
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)


async def _phases(opened: _Opened, calls: int, concurrency: int) -> None:
    async def run(n: int) -> None:
        if concurrency > 1:
            await opened.burst(n, concurrency)
        else:
            await opened.sequential(n)

    await run(_warmup_calls(concurrency))  # uninstrumented: pools, readers, caches warm
    _control("--instr=on")
    _control("--zero")
    await run(calls)
    _control("--dump=n")
    await run(2 * calls)
    _control("--dump=2n")


async def _child(name: str, base_url: str, calls: int) -> None:
    subject, concurrency = SUBJECTS[name]
    async with contextlib.AsyncExitStack() as stack:
        opened: _Opened
        if isinstance(subject, AsyncSubject):
            opened = _OpenedAsync(name, await stack.enter_async_context(subject.open(base_url)))
        else:
            opened = _OpenedSync(name, stack.enter_context(subject.open(base_url)))
        await _phases(opened, calls, concurrency)


def _totals(path: Path) -> int:
    match = _TOTALS.search(path.read_text())
    if match is None:
        raise RuntimeError(f"no totals in callgrind output {path}")
    return int(match.group(1))


def per_call_instructions(dump_n: Path, dump_2n: Path, calls: int) -> float:
    """Instructions per call from the two dumps: ``(I(2N) - I(N)) / N``."""
    return (_totals(dump_2n) - _totals(dump_n)) / calls


def count_instructions(name: str, base_url: str, calls: int) -> float:
    """Instructions per call of subject ``name`` (a key of :data:`SUBJECTS`), measured in a
    child process under callgrind against the server at ``base_url``."""
    with tempfile.TemporaryDirectory(prefix="efundpay-callgrind-") as directory:
        out = Path(directory) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
            sys.executable, "-m", "benchmarks.instructions", name, "--child",
            "--base-url", base_url, "--calls", str(calls),
        ]  # fmt: skip
        done = subprocess.run(command, cwd=_ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"counting {name!r} failed:\n{done.stderr[-3000:]}")
        # callgrind numbers the dumps asked for .1, .2; the one it writes at exit is unnumbered.
        return per_call_instructions(Path(f"{out}.1"), Path(f"{out}.2"), calls)


def count_all(names: Sequence[str], base_url: str, calls: int) -> dict[str, float]:
    """Instructions per call of each subject in ``names``, one child process each."""
    return {name: count_instructions(name, base_url, calls) for name in names}


def main(argv: Sequence[str] | None = None) -> int:
    """Count one subject (or, with ``--child``, be the process that is counted)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__)
    parser.add_argument("subject", choices=list(SUBJECTS))
    parser.add_argument("--calls", type=int, default=320, help="N: the phases make N and 2N")
    parser.add_argument("--base-url", help="the server (default: start the stub)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_child(args.subject, args.base_url, args.calls))
        return 0
    if not available():
        print("valgrind is not installed", file=sys.stderr)
        return 1
    with running_stub_server() as base_url:
        print(f"{args.subject}: {count_instructions(args.subject, base_url, args.calls):,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
