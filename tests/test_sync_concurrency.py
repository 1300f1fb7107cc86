"""One EFundPay shared by many threads, and EFundPay called inside a running event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from efundpay import AsyncEFundPay, EFundPay, NotFoundError
from efundpay.testing import FakeEFundPay

T = TypeVar("T")

THREADS = 32
CALLS = 20
SUB = "sub_1234567890abcdef"


@pytest.fixture
def fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        yield server


def runner_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("efundpay-sync-")}


def test_32_threads_x_20_calls_on_one_client_apply_every_call_exactly_once(
    fake: FakeEFundPay,
) -> None:
    customers = [fake.add_customer(f"cus_thread_{i}") for i in range(THREADS)]
    subscriptions = [fake.add_subscription(f"sub_thread_{i}") for i in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    before = runner_threads()

    def work(index: int) -> None:
        start.wait()
        try:
            for call in range(CALLS):
                if index % 2:  # half the threads toggle their customer (not idempotent)
                    client.customers.toggle(customers[index])
                elif call % 2:  # the others pause and resume their subscription
                    client.subscriptions.resume(subscriptions[index])
                else:
                    client.subscriptions.pause(subscriptions[index])
        except BaseException as exc:
            errors.append(exc)

    with EFundPay(**fake.client_kwargs()) as client:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(runner_threads() - before) == 1  # one loop serves every thread

    assert errors == []
    requests = fake.requests
    assert len(requests) == THREADS * CALLS
    assert all(r.applied and r.status == 200 for r in requests)
    for index in range(THREADS):
        if index % 2:
            customer = fake.customer(customers[index])
            assert customer.toggle_count == CALLS
            assert customer.is_active is True  # an even number of flips
        else:
            subscription = fake.subscription(subscriptions[index])
            assert len(subscription.history) == CALLS
            assert subscription.status == "active"
    keys = [r.headers["idempotency-key"] for r in requests if "idempotency-key" in r.headers]
    assert len(keys) == len(set(keys)) == THREADS * CALLS // 2  # one key per call, no replays


def in_another_thread(function: Callable[[], T], timeout: float = 30) -> T:
    """Run ``function`` in a thread; fail (instead of hanging the suite) if it deadlocks."""
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(function())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "deadlock: the call inside the event loop never returned"
    if errors:
        raise errors[0]
    return results[0]


def test_calls_inside_asyncio_run_return_and_the_loop_carries_on(fake: FakeEFundPay) -> None:
    async def main() -> tuple[bool | None, str, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        with EFundPay(**fake.client_kwargs()) as client:  # made, used and closed in the loop
            customer = client.customers.toggle("cus_123")
            subscription = client.subscriptions.pause(SUB)
        before = ticks
        await asyncio.sleep(0.01)
        task.cancel()
        return customer.is_active, str(subscription.status), ticks - before

    is_active, status, ticks_after = in_another_thread(lambda: asyncio.run(main()))
    assert (is_active, status) == (False, "paused")
    assert ticks_after > 0  # the caller's loop is not left blocked or broken
    assert fake.customer("cus_123").toggle_count == 1


def test_sync_and_async_clients_side_by_side_in_one_running_loop(fake: FakeEFundPay) -> None:
    sync_client = EFundPay(**fake.client_kwargs())
    sync_client.customers.toggle("cus_123")  # its loop starts outside, then is used inside

    async def main() -> list[bool | None]:
        async with AsyncEFundPay(**fake.client_kwargs()) as async_client:
            first = await async_client.customers.toggle("cus_123")
            second = sync_client.customers.toggle("cus_123")
            third = await async_client.customers.toggle("cus_123")
            with pytest.raises(NotFoundError):
                sync_client.customers.toggle("cus_missing")
            return [first.is_active, second.is_active, third.is_active]

    try:
        assert in_another_thread(lambda: asyncio.run(main())) == [True, False, True]
    finally:
        sync_client.close()
    assert fake.customer("cus_123").toggle_count == 4


def test_a_client_made_inside_one_loop_keeps_working_after_that_loop_is_gone(
    fake: FakeEFundPay,
) -> None:
    async def make() -> EFundPay:
        client = EFundPay(**fake.client_kwargs())
        client.customers.toggle("cus_123")
        return client

    client = asyncio.run(make())
    try:
        assert client.customers.toggle("cus_123").is_active is True
        assert asyncio.run(asyncio.to_thread(client.customers.toggle, "cus_123")).is_active is False
    finally:
        client.close()


def test_close_while_threads_keep_calling_releases_every_caller(fake: FakeEFundPay) -> None:
    client = EFundPay(**fake.client_kwargs())
    client.customers.toggle("cus_123")
    outcomes: list[str] = []
    running = threading.Barrier(9)

    def hammer() -> None:
        running.wait()
        while True:
            try:
                client.subscriptions.pause(SUB, idempotency_key="same-key")  # replays: no state
            except RuntimeError as exc:
                outcomes.append(str(exc))
                return

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    running.wait()
    client.close()  # while calls are being handed over, running, and returning
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads), "a caller was left waiting"
    assert len(outcomes) == 8
    assert all("closed" in outcome for outcome in outcomes)
