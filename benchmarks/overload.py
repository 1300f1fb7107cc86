"""Overload: far more concurrent calls than the pool has connections, against a slow server.

Run ``python -m benchmarks.overload`` (defaults: 10,000 calls at once through the default
pool of 100, against a server answering in 0.2 s).  Each call waits for a free pooled
connection; that wait has its own bound (``Timeout(pool=...)``, default none) and is not
part of an attempt, so no call times out "connecting" and no retry storm follows.

The server is the benchmarks' stub (``aiohttp.web`` on 127.0.0.1, in a child process so
that it never competes with the client for this process's event loop); it counts the
requests it received.  It prints
calls, successes, attempts sent (as the server counted them), and wall time; it exits
non-zero unless every call succeeded with exactly one attempt each.

``tests/test_scale.py`` runs a smaller version of the same scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Sequence

import anyio
from aiohttp import ClientSession

from efundpay import AsyncEFundPay, Limits, Timeout

from .stub_server import SUBSCRIPTION_ID, running_stub_server

__all__ = ["OverloadResult", "attempts_counted", "run_overload", "slow_server"]


def slow_server(delay: float) -> contextlib.AbstractContextManager[str]:
    """The benchmarks' stub server answering every request after ``delay`` seconds, in a
    child process; it counts the requests it received (:func:`attempts_counted`)."""
    return running_stub_server(delay)


async def attempts_counted(url: str) -> int:
    """How many API requests the stub server at ``url`` has received."""
    async with ClientSession() as session, session.get(url + "/_stats") as response:
        stats = await response.json()
    return int(stats["requests"])


class OverloadResult:
    """What a run did: calls made, calls that succeeded, the first failure, the wall time."""

    def __init__(self, calls: int) -> None:
        self.calls = calls
        self.successes = 0
        self.failures: list[BaseException] = []
        self.wall = 0.0


async def run_overload(
    url: str, *, calls: int, limits: Limits | None = None, attempt: Timeout | None = None
) -> OverloadResult:
    """``calls`` pauses started at once through one client's pool; ``attempt`` its timeout."""
    result = OverloadResult(calls)
    async with AsyncEFundPay(
        api_key="sk_test_overload",
        merchant_account_id="acct_overload",
        base_url=url,
        limits=limits,
        timeout=attempt,
        trust_env=False,
    ) as client:

        async def one() -> None:
            try:
                await client.subscriptions.pause(SUBSCRIPTION_ID)
            except Exception as exc:
                result.failures.append(exc)
            else:
                result.successes += 1

        started = time.perf_counter()
        async with anyio.create_task_group() as group:
            for _ in range(calls):
                group.start_soon(one)
        result.wall = time.perf_counter() - started
    return result


async def _main(args: argparse.Namespace) -> int:
    limits = Limits(max_connections=args.pool)
    with slow_server(args.delay) as url:
        result = await run_overload(url, calls=args.calls, limits=limits)
        attempts = await attempts_counted(url)
    print(f"calls:         {result.calls}")
    print(f"successes:     {result.successes}")
    print(f"attempts sent: {attempts}")
    print(f"wall time:     {result.wall:.1f} s")
    print(f"pool:          {args.pool} connections, server answering in {args.delay:g} s")
    if result.failures:
        print(f"first failure: {result.failures[0]}")
    return 0 if result.successes == result.calls == attempts else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the overload benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overload", description=__doc__)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=Limits().max_connections)
    parser.add_argument("--delay", type=float, default=0.2, help="server answer time (s)")
    args = parser.parse_args(argv)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
