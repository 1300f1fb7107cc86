"""Cancelling calls (asyncio task cancel, anyio cancel scopes) leaves nothing stuck, and one
client carries hundreds of concurrent calls, over real loopback against FakeEFundPay.

"Nothing stuck" is shown by capacity: the client's pool has ``POOL`` connections, and after
each round of cancellations ``POOL`` calls that the fake holds at once must all get a
connection within a short connect timeout.  A single connection leaked by a cancelled call
would leave one of them waiting for a slot, and it would fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial

import anyio
import pytest

from efundpay import AiohttpTransport, AsyncEFundPay, Timeout
from efundpay.testing import FakeEFundPay

pytestmark = pytest.mark.anyio

POOL = 5
HELD = 10.0  # far longer than any test: a held call only ends by being cancelled


@pytest.fixture
async def fake() -> AsyncIterator[FakeEFundPay]:
    async with FakeEFundPay(sample_data=False) as server:
        yield server


@pytest.fixture
async def client(fake: FakeEFundPay) -> AsyncIterator[AsyncEFundPay]:
    transport = AiohttpTransport(max_connections=POOL)
    async with AsyncEFundPay(**fake.client_kwargs(), transport=transport, timeout=30) as sdk:
        yield sdk


async def wait_until_held(fake: FakeEFundPay) -> None:
    """Return once every queued fault has fired, i.e. the held requests reached the fake."""
    with anyio.fail_after(10):
        while fake.pending_faults:  # noqa: ASYNC110 - the fake offers no event to await
            await anyio.sleep(0.01)


async def assert_every_connection_is_free(client: AsyncEFundPay, fake: FakeEFundPay) -> None:
    """``POOL`` calls held together by the fake each get a connection without waiting."""
    customers = [fake.add_customer() for _ in range(POOL)]
    # A slot still taken would make a call wait out a whole hold (2 s) for a connection; a
    # free one is had at once.  The margin between the two absorbs a busy machine.
    fake.delay_next(2.0, times=POOL, operation="customers.toggle")
    patient_but_not_for_a_slot = client.with_options(
        timeout=Timeout(total=10, connect=1.0), max_retries=0
    )
    async with anyio.create_task_group() as tasks:
        for customer_id in customers:
            tasks.start_soon(patient_but_not_for_a_slot.customers.toggle, customer_id)
    assert [fake.customer(c).toggle_count for c in customers] == [1] * POOL


async def test_cancelling_dozens_of_in_flight_tasks_leaves_no_connection_stuck(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    customers = [fake.add_customer() for _ in range(40)]
    # POOL of them reach the fake and are held; the rest wait for a connection.
    fake.delay_next(HELD, times=POOL, operation="customers.toggle", apply=False)
    tasks = [asyncio.create_task(client.customers.toggle(c)) for c in customers]
    await wait_until_held(fake)

    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert all(isinstance(result, asyncio.CancelledError) for result in results)
    await assert_every_connection_is_free(client, fake)
    assert sum(fake.customer(c).toggle_count for c in customers) == 0


async def test_anyio_cancel_scopes_around_calls_leave_no_connection_stuck(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    subscriptions = [fake.add_subscription() for _ in range(30)]
    fake.delay_next(HELD, times=POOL, operation="subscriptions.status")
    cancelled: list[bool] = []
    # One deadline for all: with staggered ones, a call whose limit is a moment later could
    # take the connection a cancelled call just gave back, and finish in that moment.
    deadline = anyio.current_time() + 0.3

    async def pause_with_a_time_limit(subscription_id: str) -> None:
        with anyio.CancelScope(deadline=deadline) as scope:
            await client.subscriptions.pause(subscription_id)
        cancelled.append(scope.cancelled_caught)

    async with anyio.create_task_group() as tasks:
        for subscription_id in subscriptions:
            tasks.start_soon(pause_with_a_time_limit, subscription_id)

    assert cancelled == [True] * 30
    await assert_every_connection_is_free(client, fake)


async def test_cancelling_a_whole_task_group_mid_flight_then_carrying_on(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    for _ in range(3):  # round after round, nothing accumulates
        customers = [fake.add_customer() for _ in range(20)]
        fake.delay_next(HELD, times=POOL, operation="customers.toggle")
        async with anyio.create_task_group() as tasks:
            for customer_id in customers:
                tasks.start_soon(client.customers.toggle, customer_id)
            await wait_until_held(fake)
            tasks.cancel_scope.cancel()
        await assert_every_connection_is_free(client, fake)


async def test_a_call_waiting_to_retry_is_cancelled_at_once_with_nothing_applied(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    customer_id = fake.add_customer()
    fake.fail_next(429, retry_after=30, operation="customers.toggle")

    with anyio.move_on_after(0.3) as scope:
        await client.customers.toggle(customer_id)

    assert scope.cancelled_caught
    assert fake.customer(customer_id).toggle_count == 0
    assert (await client.customers.toggle(customer_id)).is_active is False


async def test_a_cancelled_status_change_is_replayed_safely_with_the_callers_key(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    subscription_id = fake.add_subscription()
    fake.delay_next(HELD, operation="subscriptions.status")  # applied, then held
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(
            partial(client.subscriptions.cancel, subscription_id, idempotency_key="order-77-cancel")
        )
        await wait_until_held(fake)  # not a fixed wait: a busy machine may take longer
        tasks.cancel_scope.cancel()
    assert fake.subscription(subscription_id).status == "cancelled"

    sub = await client.subscriptions.cancel(subscription_id, idempotency_key="order-77-cancel")

    assert sub.status == "cancelled"
    assert len(fake.subscription(subscription_id).history) == 1


async def test_five_hundred_concurrent_calls_through_one_client_all_succeed(
    fake: FakeEFundPay,
) -> None:
    customers = [fake.add_customer() for _ in range(250)]
    subscriptions = [fake.add_subscription() for _ in range(250)]
    async with AsyncEFundPay(**fake.client_kwargs()) as client, anyio.create_task_group() as tg:
        for customer_id in customers:
            tg.start_soon(client.customers.toggle, customer_id)
        for subscription_id in subscriptions:
            tg.start_soon(client.subscriptions.pause, subscription_id)

    assert all(fake.customer(c).toggle_count == 1 for c in customers)
    assert all(fake.subscription(s).status == "paused" for s in subscriptions)
    assert len(fake.requests) == 500, "no call needed a retry"


async def test_calls_with_a_deadline_accumulate_nothing_in_the_transport(
    fake: FakeEFundPay,
) -> None:
    # A deadline gives every attempt its own Timeout (what is left of the deadline); the
    # transport's cache of aiohttp timeouts must not keep one per call.
    customer_id = fake.add_customer()
    transport = AiohttpTransport()
    async with AsyncEFundPay(**fake.client_kwargs(), transport=transport, deadline=5) as client:
        for _ in range(100):
            await client.customers.toggle(customer_id)
    assert len(transport._timeouts) <= 16
