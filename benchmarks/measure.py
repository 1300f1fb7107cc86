"""Timing loops: per-call latency of sequential calls, and calls/s under concurrency.

Async subjects are driven by tasks on one event loop, blocking subjects by threads sharing
one client.  Before each timed run the same number of callers warms the pool up, so that what
is measured is the steady state of a long-lived client, not connection set-up.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .clients import AsyncCall, AsyncSubject, SyncCall, SyncSubject

__all__ = ["Figures", "measure"]


@dataclass(frozen=True)
class Figures:
    """One subject's figures from one round."""

    median_us: float
    p99_us: float
    calls_per_second: dict[int, float]


def _latency_figures(samples_ns: list[int]) -> tuple[float, float]:
    median = statistics.median(samples_ns) / 1000
    p99 = statistics.quantiles(samples_ns, n=100)[98] / 1000
    return median, p99


def _warmup_calls(concurrency: int) -> int:
    return max(200, 2 * concurrency)


# -- async ---------------------------------------------------------------------------------


async def _async_sequential(call: AsyncCall, calls: int) -> list[int]:
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        started = clock()
        await call()
        samples.append(clock() - started)
    return samples


async def _async_burst(call: AsyncCall, calls: int, concurrency: int) -> float:
    """Seconds for ``calls`` calls made by ``concurrency`` tasks."""
    tickets = iter(range(calls))

    async def worker() -> None:
        for _ in tickets:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _measure_async(
    subject: AsyncSubject, base_url: str, calls: int, burst: int, levels: Sequence[int]
) -> Figures:
    async with subject.open(base_url) as call:
        await _async_sequential(call, _warmup_calls(1))
        median, p99 = _latency_figures(await _async_sequential(call, calls))
        rates: dict[int, float] = {}
        for level in levels:
            await _async_burst(call, _warmup_calls(level), level)
            rates[level] = burst / await _async_burst(call, burst, level)
    return Figures(median, p99, rates)


# -- threads -------------------------------------------------------------------------------


def _sync_sequential(call: SyncCall, calls: int) -> list[int]:
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        started = clock()
        call()
        samples.append(clock() - started)
    return samples


def _thread_burst(call: SyncCall, calls: int, concurrency: int) -> float:
    """Seconds for ``calls`` calls made by ``concurrency`` threads."""
    # Taking a ticket from a shared ``itertools.count`` is atomic under the GIL.
    tickets = itertools.count()
    start = threading.Barrier(concurrency + 1)
    failures: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            while next(tickets) < calls:
                call()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return elapsed


def _measure_sync(
    subject: SyncSubject, base_url: str, calls: int, burst: int, levels: Sequence[int]
) -> Figures:
    with subject.open(base_url) as call:
        _sync_sequential(call, _warmup_calls(1))
        median, p99 = _latency_figures(_sync_sequential(call, calls))
        rates: dict[int, float] = {}
        for level in levels:
            _thread_burst(call, _warmup_calls(level), level)
            rates[level] = burst / _thread_burst(call, burst, level)
    return Figures(median, p99, rates)


def measure(
    subject: AsyncSubject | SyncSubject,
    base_url: str,
    *,
    calls: int,
    burst: int,
    levels: Sequence[int],
) -> Figures:
    """One round for one subject: ``calls`` sequential calls, then ``burst`` at each level."""
    if isinstance(subject, AsyncSubject):
        return asyncio.run(_measure_async(subject, base_url, calls, burst, levels))
    return _measure_sync(subject, base_url, calls, burst, levels)
