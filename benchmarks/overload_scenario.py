"""Overload: 10,000 calls at once through one default ``AsyncEFundPay``, a slow server.

The server (the stub, in its own process) holds every answer 0.2 s, as a loaded eFundPay
would.  With the default pool of 100 connections, 10,000 concurrent calls need at least
10,000 / 100 × 0.2 s = 20 s; a call that waits for a connection longer than its timeout
fails, and a retry adds attempts the server must answer.  The scenario reports how many
calls succeeded, how they failed, the attempts the server really received (its own count,
``GET /_stats``) and the wall time.  It is a report, not a pass/fail check.

Where ``benchmarks/overload.py`` exists (the pool's own overload benchmark, with its own slow
server), :func:`run_overload` drives that harness and only reports its result here, so the
two can never disagree; this module's own server and driver are the fallback.

Run it alone with ``python -m benchmarks.overload_scenario [--calls 10000] [--delay 0.2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any

import efundpay

from .clients import API_KEY, MERCHANT
from .stub_server import SUBSCRIPTION_ID, running_stub_server

__all__ = ["OverloadResult", "run_overload"]


@dataclass
class OverloadResult:
    """What became of the calls, and what the server saw."""

    calls: int
    delay_s: float
    succeeded: int
    failed: dict[str, int] = field(default_factory=dict)
    attempts_received: int = 0
    wall_s: float = 0.0

    def as_json(self) -> dict[str, object]:
        """The result as plain JSON."""
        return asdict(self)

    def render(self) -> str:
        """One paragraph for the report."""
        failed = ", ".join(f"{n} {kind}" for kind, n in sorted(self.failed.items())) or "none"
        return (
            f"overload: {self.calls:,} concurrent calls, default client, server answering in "
            f"{self.delay_s:g} s: {self.succeeded:,} succeeded, failed: {failed}; "
            f"{self.attempts_received:,} attempts reached the server; {self.wall_s:.1f} s"
        )


def _server_count(base_url: str) -> int:
    with urllib.request.urlopen(base_url + "/_stats", timeout=10) as response:  # noqa: S310
        count: int = json.load(response)["requests"]
        return count


async def _drive(base_url: str, calls: int) -> tuple[Counter[str], float]:
    outcomes: Counter[str] = Counter()
    # The defaults a user gets: pool, timeout, retries; only the server is ours.
    async with efundpay.AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, base_url=base_url
    ) as client:

        async def one() -> None:
            try:
                await client.subscriptions.pause(SUBSCRIPTION_ID)
            except efundpay.APIError as exc:
                outcomes[type(exc).__name__] += 1
            else:
                outcomes["ok"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(calls)))
        return outcomes, time.perf_counter() - started


def _pool_harness() -> ModuleType | None:
    try:
        return importlib.import_module("benchmarks.overload")
    except ModuleNotFoundError:
        return None


def _with_pool_harness(harness: Any, calls: int, delay: float) -> OverloadResult:
    async def run() -> tuple[Any, int]:
        with harness.slow_server(delay) as url:
            result = await harness.run_overload(url, calls=calls)
            return result, await harness.attempts_counted(url)

    result, attempts = asyncio.run(run())
    failed = Counter(type(exc).__name__ for exc in result.failures)
    return OverloadResult(calls, delay, result.successes, dict(failed), attempts, result.wall)


def run_overload(calls: int = 10_000, delay: float = 0.2) -> OverloadResult:
    """Run the scenario against a slow server of its own (``benchmarks/overload.py``'s when
    that module exists, else the stub with a delay)."""
    harness = _pool_harness()
    if harness is not None:
        return _with_pool_harness(harness, calls, delay)
    with running_stub_server(delay=delay) as base_url:
        before = _server_count(base_url)
        outcomes, wall = asyncio.run(_drive(base_url, calls))
        received = _server_count(base_url) - before
    succeeded = outcomes.pop("ok", 0)
    return OverloadResult(calls, delay, succeeded, dict(outcomes), received, wall)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenario and print its result."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.overload_scenario", description=__doc__
    )
    parser.add_argument("--calls", type=int, default=10_000, help="concurrent calls")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per answer")
    args = parser.parse_args(argv)
    print(run_overload(args.calls, args.delay).render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
