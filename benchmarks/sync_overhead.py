"""What the blocking facade costs per call: ``EFundPay`` against ``AsyncEFundPay``.

Run it from the project root::

    python -m benchmarks.sync_overhead [--calls 1000] [--rounds 7]

Both clients make the same sequential ``customers.toggle`` calls to a FakeEFundPay running in
a process of its own (so that the server never competes for this process's interpreter
lock), over loopback.  Rounds alternate async, sync, async, sync… and each figure is the
median over rounds, so machine noise hits both alike.  It also times the bare hop onto the
runner's loop and back (awaiting a coroutine that does nothing), the facade's cost without
any HTTP.  It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from efundpay import AsyncEFundPay, EFundPay

ROOT = Path(__file__).resolve().parent.parent
SERVE = (
    "from efundpay.testing import FakeEFundPay\n"
    "FakeEFundPay().serve_forever(lambda fake: print(fake.url, flush=True))\n"
)


@contextmanager
def fake_server() -> Iterator[dict[str, Any]]:
    """A FakeEFundPay in a subprocess; yields the client keyword arguments for it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url:
            raise RuntimeError("the fake server did not start")
        yield {"api_key": "sk_test_fake", "merchant_account_id": "acct_fake", "base_url": url}
    finally:
        process.send_signal(signal.SIGINT)  # serve_forever returns on Ctrl-C
        process.wait(10)


def per_call(calls: int, run: Callable[[], None]) -> float:
    """Seconds per call of ``calls`` sequential calls made by ``run``."""
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) / calls


async def _nothing() -> None:
    return None


def measure(kwargs: dict[str, Any], calls: int, rounds: int) -> dict[str, list[float]]:
    """Per-call seconds of each subject, one figure per round."""
    figures: dict[str, list[float]] = {"async": [], "sync": [], "async hop": [], "sync hop": []}
    with EFundPay(**kwargs) as client:
        runner = client._runner  # the facade's own hop, measured without HTTP

        async def async_round() -> None:
            async with AsyncEFundPay(**kwargs) as async_client:
                for _ in range(calls // 10):  # warm the pool
                    await async_client.customers.toggle("cus_123")
                started = time.perf_counter()
                for _ in range(calls):
                    await async_client.customers.toggle("cus_123")
                figures["async"].append((time.perf_counter() - started) / calls)
                started = time.perf_counter()
                for _ in range(calls):
                    await _nothing()
                figures["async hop"].append((time.perf_counter() - started) / calls)

        def sync_calls() -> None:
            for _ in range(calls):
                client.customers.toggle("cus_123")

        def sync_hops() -> None:
            for _ in range(calls):
                runner.run(_nothing)

        sync_calls()  # start the runner, warm the pool
        for _ in range(rounds):
            asyncio.run(async_round())
            figures["sync"].append(per_call(calls, sync_calls))
            figures["sync hop"].append(per_call(calls, sync_hops))
    return figures


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=1000, help="sequential calls per round")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per subject")
    options = parser.parse_args(argv)
    with fake_server() as kwargs:
        figures = measure(kwargs, options.calls, options.rounds)
    median = {name: statistics.median(values) * 1e6 for name, values in figures.items()}
    print(
        f"{options.rounds} rounds x {options.calls} sequential customers.toggle calls, "
        f"FakeEFundPay in another process, loopback; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; median per call:"
    )
    print(f"  AsyncEFundPay (await)         {median['async']:8.1f} µs")
    print(f"  EFundPay (blocking facade)    {median['sync']:8.1f} µs")
    overhead = median["sync"] - median["async"]
    print(f"  facade overhead               {overhead:8.1f} µs ({overhead / median['async']:+.0%})")
    hop = median["sync hop"] - median["async hop"]
    print(f"  bare hop onto the loop, back  {hop:8.1f} µs (no HTTP: the facade alone)")


if __name__ == "__main__":
    main()
