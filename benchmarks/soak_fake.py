"""The soak test's FakeEFundPay, in a process of its own.

Running the fake in a child process keeps its memory (request log, idempotency store) and
its server-side sockets out of the figures the soak reports for the SDK's process.  The
parent talks to it over a :mod:`multiprocessing` pipe with three commands: ``"stats"`` (what
was injected since the last call), ``"state"`` (toggle counts and applied status changes per
object) and ``"stop"``.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, Final

import attrs

from efundpay.testing import ClientKwargs, FakeEFundPay

__all__ = ["FakeHandle", "running_fake"]

_START_TIMEOUT: Final = 60.0


@attrs.frozen
class FakeHandle:
    """How the parent reaches the child's fake."""

    client_kwargs: ClientKwargs
    customers: list[str]
    subscriptions: list[str]
    _conn: Connection

    def stats(self) -> Counter[str]:
        """Faults injected (by kind) and requests served since the last call."""
        self._conn.send("stats")
        result: Counter[str] = self._conn.recv()
        return result

    def state(self) -> tuple[dict[str, int], dict[str, int]]:
        """``(toggle count per customer, applied status changes per subscription)``."""
        self._conn.send("state")
        result: tuple[dict[str, int], dict[str, int]] = self._conn.recv()
        return result


def _serve(conn: Connection, objects: int, rate: float, seed: int, hold: float) -> None:
    fake = FakeEFundPay(sample_data=False)
    customers = [fake.add_customer() for _ in range(objects)]
    subscriptions = [fake.add_subscription() for _ in range(objects)]
    fake.random_faults(rate, seed=seed, delay=hold)
    with fake:
        conn.send((fake.client_kwargs(), customers, subscriptions))
        while (command := conn.recv()) != "stop":
            reply: Any
            if command == "stats":
                records = fake.requests
                fake.clear_requests()  # bounded memory however long the soak runs
                reply = Counter((r.fault or "none").split("(")[0] for r in records)
                reply["requests"] = len(records)
            else:
                reply = (
                    {c: fake.customer(c).toggle_count for c in customers},
                    {s: len(fake.subscription(s).history) for s in subscriptions},
                )
            conn.send(reply)
    conn.send("stopped")


@contextmanager
def running_fake(objects: int, rate: float, seed: int, hold: float) -> Iterator[FakeHandle]:
    """A fake with ``objects`` customers and subscriptions and random faults at ``rate``."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=_serve, args=(child, objects, rate, seed, hold), name="efundpay-soak-fake"
    )
    process.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not parent.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the soak's fake did not start (see its traceback above)")
        kwargs, customers, subscriptions = parent.recv()
        yield FakeHandle(kwargs, customers, subscriptions, parent)
        parent.send("stop")
        parent.recv()
    finally:
        process.join(_START_TIMEOUT)
        if process.is_alive():
            process.kill()
        parent.close()
        child.close()
