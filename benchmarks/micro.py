"""Micro-benchmarks: what ``import efundpay`` adds, and what reading a response costs.

Import time is measured in fresh interpreters (an import happens once per process), timing
``import aiohttp`` and then ``import efundpay`` in the same process, so the second figure is
exactly what the SDK adds on top of its HTTP library.  ``python -X importtime -c "import
efundpay"`` shows where that time goes.

Parsing is timed on the function the client runs for every success: a 200 response with the
seed subscription (bytes) in, a :class:`~efundpay.Subscription` out.  As :mod:`timeit`
advises, the figure is the fastest of several repeats: slower repeats measure the machine's
other work, not the code.  Both count the process's CPU time, which other processes on a
busy machine do not inflate the way they inflate the wall clock.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import timeit
from typing import Final

from .layers import parse_once

__all__ = ["import_times_ms", "parse_time_us"]

# CPU time, not wall time: an import is CPU-bound, and on a shared machine the wall clock
# also counts the time other processes held the CPU.
_IMPORT_PROBE: Final = (
    "import time; c = time.process_time; t0 = c(); import aiohttp; t1 = c(); "
    "import efundpay; t2 = c(); print((t1 - t0) * 1e3, (t2 - t1) * 1e3)"
)


def import_times_ms(runs: int) -> tuple[float, float]:
    """Median ``(import aiohttp, what import efundpay adds)`` in ms over ``runs`` processes."""
    aiohttp_ms: list[float] = []
    added_ms: list[float] = []
    # As an installed package is imported: from bytecode caches (pip writes them when it
    # installs), not compiled from source on every start.  So the caches may be written
    # even where PYTHONDONTWRITEBYTECODE is set, as in some containers and CI images.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    for run in range(runs + 1):
        output = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        if run == 0:
            continue  # the first run may still be writing bytecode caches
        first, second = map(float, output.split())
        aiohttp_ms.append(first)
        added_ms.append(second)
    return statistics.median(aiohttp_ms), statistics.median(added_ms)


def parse_time_us(repeats: int = 15, number: int = 2000) -> float:
    """µs to turn a 200 response carrying the seed subscription into the model."""
    parse = parse_once()
    parse()  # the first call may build what later calls reuse
    # CPU time of this process, for the same reason as the import's.
    timings = timeit.repeat(parse, repeat=repeats, number=number, timer=time.process_time)
    return min(timings) / number * 1e6
