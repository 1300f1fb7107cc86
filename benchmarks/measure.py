"""Timing loops: per-call latency of sequential calls, and calls/s under concurrency.

Every client is opened once and kept open for the whole run, and the clients take turns in
rounds (a slice of sequential calls, or one burst at one concurrency level), their order
rotating from one round to the next.  A machine that gets busier or quieter during the run
therefore slows every client alike.  Ratios are paired: computed within each round (where
the clients ran back to back) and then the median of those taken (:func:`paired_ratio`), so
a slow round moves one sample, not a client's whole figure.

Async clients are driven by tasks on the run's event loop; blocking clients by threads
sharing one client (while they run, the loop waits: no async client is in use then).
Before anything is timed, each client warms its pool up at the concurrency it is about to
be measured at, so what is measured is a long-lived client, not connection set-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .clients import AsyncCall, AsyncSubject, SyncCall, SyncSubject

__all__ = ["Figures", "measure_all", "paired_ratio"]


@dataclass
class Figures:
    """One client's figures: sequential latency, and calls/s at each concurrency level."""

    median_us: float = 0.0
    p99_us: float = 0.0
    # the median µs per call of each round's slice of sequential calls, round by round
    rounds_us: list[float] = field(default_factory=list)
    calls_per_second: dict[int, float] = field(default_factory=dict)
    # calls/s of every burst, by level, round by round: the spread shows the machine's noise
    bursts: dict[int, list[float]] = field(default_factory=dict)


def paired_ratio(subject: Sequence[float], reference: Sequence[float]) -> float:
    """The median over rounds of ``subject[r] / reference[r]``: a ratio of two clients
    measured back to back in each round, robust to a round that the machine slowed."""
    return statistics.median(s / r for s, r in zip(subject, reference, strict=True))


# -- one client, either kind -----------------------------------------------------------------


class _Opened:
    """An open client that can run a slice of sequential calls or one burst of concurrent ones."""

    def __init__(self, name: str, call: AsyncCall | SyncCall) -> None:
        self.name = name
        self.call = call

    async def sequential(self, calls: int) -> list[int]:
        """Nanoseconds per call, for ``calls`` calls one after the other."""
        raise NotImplementedError

    async def burst(self, calls: int, concurrency: int) -> float:
        """Seconds for ``calls`` calls made by ``concurrency`` callers."""
        raise NotImplementedError


class _OpenedAsync(_Opened):
    call: AsyncCall

    async def sequential(self, calls: int) -> list[int]:
        samples: list[int] = []
        clock = time.perf_counter_ns
        for _ in range(calls):
            started = clock()
            await self.call()
            samples.append(clock() - started)
        return samples

    async def burst(self, calls: int, concurrency: int) -> float:
        tickets = iter(range(calls))

        async def caller() -> None:
            for _ in tickets:
                await self.call()

        started = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        return time.perf_counter() - started


class _OpenedSync(_Opened):
    call: SyncCall

    async def sequential(self, calls: int) -> list[int]:
        samples: list[int] = []
        clock = time.perf_counter_ns
        for _ in range(calls):
            started = clock()
            self.call()
            samples.append(clock() - started)
        return samples

    async def burst(self, calls: int, concurrency: int) -> float:
        # Taking a ticket from a shared ``itertools.count`` is atomic under the GIL.
        tickets = itertools.count()
        start = threading.Barrier(concurrency + 1)
        failures: list[BaseException] = []

        def caller() -> None:
            start.wait()
            try:
                while next(tickets) < calls:
                    self.call()
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=caller) for _ in range(concurrency)]
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


# -- the run ---------------------------------------------------------------------------------


def _turns(opened: Sequence[_Opened], rounds: int) -> list[list[_Opened]]:
    """``rounds`` turns, each client once per turn, the order rotating turn by turn."""
    return [[*opened[r % len(opened) :], *opened[: r % len(opened)]] for r in range(rounds)]


def _warmup_calls(concurrency: int) -> int:
    return max(200, 4 * concurrency)


async def _measure(
    opened: Sequence[_Opened], *, calls: int, burst: int, rounds: int, levels: Sequence[int]
) -> dict[str, Figures]:
    figures = {client.name: Figures() for client in opened}
    samples: dict[str, list[int]] = {client.name: [] for client in opened}
    slice_calls = calls // rounds if rounds else 0
    if slice_calls:
        for client in opened:
            await client.sequential(_warmup_calls(1))
        for turn in _turns(opened, rounds):
            for client in turn:
                taken = await client.sequential(slice_calls)
                samples[client.name] += taken
                figures[client.name].rounds_us.append(statistics.median(taken) / 1000)
        for name, taken in samples.items():
            figures[name].median_us = statistics.median(taken) / 1000
            figures[name].p99_us = statistics.quantiles(taken, n=100)[98] / 1000
    for level in levels:
        calls_per_burst = max(burst, 4 * level)  # every caller makes a few calls
        for client in opened:
            await client.burst(_warmup_calls(level), level)
        for turn in _turns(opened, rounds):
            for client in turn:
                seconds = await client.burst(calls_per_burst, level)
                figures[client.name].bursts.setdefault(level, []).append(calls_per_burst / seconds)
        for figure in figures.values():
            figure.calls_per_second[level] = statistics.median(figure.bursts[level])
    return figures


async def _open_and_measure(
    subjects: Sequence[AsyncSubject | SyncSubject],
    base_url: str,
    *,
    calls: int,
    burst: int,
    rounds: int,
    levels: Sequence[int],
) -> dict[str, Figures]:
    async with contextlib.AsyncExitStack() as stack:
        opened: list[_Opened] = []
        for subject in subjects:
            if isinstance(subject, AsyncSubject):
                call = await stack.enter_async_context(subject.open(base_url))
                opened.append(_OpenedAsync(subject.name, call))
            else:
                opened.append(
                    _OpenedSync(subject.name, stack.enter_context(subject.open(base_url)))
                )
        return await _measure(opened, calls=calls, burst=burst, rounds=rounds, levels=levels)


def measure_all(
    subjects: Sequence[AsyncSubject | SyncSubject],
    base_url: str,
    *,
    calls: int,
    burst: int,
    rounds: int,
    levels: Sequence[int],
) -> dict[str, Figures]:
    """Figures for every subject, measured in interleaved turns (see the module docstring).

    ``calls`` sequential calls per client, in ``rounds`` slices (none when ``calls`` is 0);
    then, at each level, ``rounds`` bursts of ``burst`` calls per client, of which the median
    rate is reported.
    """
    return asyncio.run(
        _open_and_measure(
            subjects, base_url, calls=calls, burst=burst, rounds=rounds, levels=levels
        )
    )
