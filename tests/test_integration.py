"""The async client against FakeEFundPay over real loopback HTTP, end to end."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

import efundpay
from efundpay import AsyncEFundPay, Customer, Subscription, SubscriptionStatus
from efundpay.testing import FakeEFundPay

pytestmark = pytest.mark.anyio

SUB = "sub_1234567890abcdef"


@pytest.fixture
async def client(fake: FakeEFundPay) -> AsyncIterator[AsyncEFundPay]:
    async with AsyncEFundPay(**fake.client_kwargs()) as sdk:
        yield sdk


async def test_toggle_flips_the_customer_and_returns_the_new_state(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    first = await client.customers.toggle("cus_123")
    second = await client.customers.toggle("cus_123")
    assert isinstance(first, Customer)
    assert (first.is_active, second.is_active) == (False, True)
    assert fake.customer("cus_123").toggle_count == 2
    assert first.recurring_payment is not None
    assert first.extra == {}, "every field the fake sends is modelled"


async def test_a_tokenized_customer_toggles_without_recurring_payment(
    client: AsyncEFundPay,
) -> None:
    customer = await client.customers.toggle("cus_tokenized")
    assert customer.recurring_payment is None


async def test_pause_resume_cancel_walk_a_subscription_through_its_states(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    paused = await client.subscriptions.pause(
        SUB,
        pause_behavior="void",
        resume_at=datetime(2030, 3, 1, tzinfo=UTC),
        reason="Customer requested temporary pause",
    )
    assert isinstance(paused, Subscription)
    assert paused.status is SubscriptionStatus.PAUSED
    assert paused.pause_collection is not None
    assert paused.pause_collection.behavior == "void"
    assert paused.pause_collection.resume_at == datetime(2030, 3, 1, tzinfo=UTC)
    assert paused.next_billing_date is None

    resumed = await client.subscriptions.resume(
        SUB, billing_cycle_anchor="now", proration_behavior="none"
    )
    assert resumed.status == "active"
    assert resumed.resumed_at is not None
    assert resumed.next_billing_date is not None

    cancelled = await client.subscriptions.cancel(
        SUB,
        at_period_end=True,
        cancellation_reason="customer_request",
        prorate=False,
        metadata={"cancelled_by": "customer"},
    )
    assert cancelled.status == "cancelled"
    assert cancelled.cancellation_details is not None
    assert cancelled.cancellation_details.at_period_end is True
    assert cancelled.metadata["cancelled_by"] == "customer"
    assert fake.subscription(SUB).status == "cancelled"
    assert [r.applied for r in fake.requests] == [True, True, True]


async def test_the_server_receives_exactly_the_documented_request(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    await client.subscriptions.pause(SUB, pause_behavior="keep_as_draft", idempotency_key="k-1")
    (request,) = fake.requests
    assert request.raw_path == f"/v4/subscriptions/{SUB}/status"
    assert request.json == {"status": "paused", "pause_behavior": "keep_as_draft"}
    assert request.headers["Authorization"] == f"Bearer {fake.api_key}"
    assert request.headers["x-merchant-account-id"] == fake.merchant_account_id
    assert request.headers["idempotency-key"] == "k-1"
    assert request.headers["User-Agent"].startswith(f"efundpay/{efundpay.__version__} ")


@pytest.mark.parametrize("hostile", ["../cus_123", "cus_123/toggle", "..", "cus 123?x#y", "ü/%2F"])
async def test_hostile_ids_arrive_intact_and_cannot_reach_another_object(
    fake: FakeEFundPay, client: AsyncEFundPay, hostile: str
) -> None:
    with pytest.raises(efundpay.NotFoundError):
        await client.customers.toggle(hostile)
    (request,) = fake.requests
    assert request.path_params == {"customer_id": hostile}
    assert fake.customer("cus_123").toggle_count == 0


async def test_server_side_rules_surface_as_typed_errors(client: AsyncEFundPay) -> None:
    with pytest.raises(efundpay.NotFoundError) as missing:
        await client.subscriptions.pause("sub_missing")
    assert missing.value.request_id is not None
    assert missing.value.request_id.startswith("req_")
    await client.subscriptions.cancel(SUB)
    with pytest.raises(efundpay.APIStatusError) as conflict:
        await client.subscriptions.resume(SUB)
    assert conflict.value.status_code in (409, 422)
    assert conflict.value.code


async def test_a_wrong_key_is_an_authentication_error_without_the_key_in_it(
    fake: FakeEFundPay,
) -> None:
    options = fake.client_kwargs()
    options["api_key"] = "sk_test_wrong_secret_value"
    async with AsyncEFundPay(**options) as client:
        with pytest.raises(efundpay.AuthenticationError) as raised:
            await client.subscriptions.pause(SUB)
    assert "sk_test_wrong_secret_value" not in str(raised.value)


async def test_legacy_string_booleans_and_numeric_targets_read_correctly() -> None:
    async with (
        FakeEFundPay(legacy_v3=True) as fake,
        AsyncEFundPay(**fake.client_kwargs()) as client,
    ):
        customer = await client.customers.toggle("cus_123")
    assert customer.is_active is False
    assert customer.recurring_payment is not None
    assert isinstance(customer.recurring_payment.recurring_target, str)


async def test_a_retried_status_change_is_applied_once(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    fake.fail_next(503, apply=True, operation="subscriptions.status")
    sub = await client.with_options(
        retry=efundpay.RetryPolicy(initial_backoff=0)
    ).subscriptions.pause(SUB)
    assert sub.status == "paused"
    assert [r.applied for r in fake.requests] == [True, False]
    assert len(fake.subscription(SUB).history) == 1


async def test_the_session_is_created_lazily_inside_the_running_loop(fake: FakeEFundPay) -> None:
    client = AsyncEFundPay(**fake.client_kwargs())
    transport = client._transport
    assert isinstance(transport, efundpay.AiohttpTransport)
    sessions = [transport._session]
    await client.customers.toggle("cus_123")
    sessions.append(transport._session)
    assert sessions[0] is None
    assert sessions[1] is not None
    await client.aclose()
    await client.aclose()  # idempotent


def test_a_client_used_from_a_second_event_loop_raises_instead_of_hanging() -> None:
    with FakeEFundPay() as fake:
        client = AsyncEFundPay(**fake.client_kwargs())

        async def toggle() -> None:
            await client.customers.toggle("cus_123")

        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(toggle())
            errors: list[BaseException] = []

            def other_loop() -> None:
                try:
                    asyncio.run(asyncio.wait_for(toggle(), 5))
                except BaseException as exc:  # collected for the assertion below
                    errors.append(exc)

            thread = threading.Thread(target=other_loop)
            thread.start()
            thread.join(10)
            assert not thread.is_alive()
            assert len(errors) == 1
            assert isinstance(errors[0], RuntimeError)
            assert "another event loop" in str(errors[0])
        finally:
            loop.run_until_complete(client.aclose())
            loop.close()


async def test_no_resource_warning_after_a_normal_session(fake: FakeEFundPay) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.customers.toggle("cus_123")
            await client.subscriptions.pause(SUB)
        del client
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_connection_refused_is_an_api_connection_error_with_nothing_sent() -> None:
    async with FakeEFundPay() as fake:
        options = fake.client_kwargs()
    async with AsyncEFundPay(**options, max_retries=1) as client:
        with pytest.raises(efundpay.APIConnectionError) as raised:
            await client.customers.toggle("cus_123")
    assert raised.value.request_sent is False
    assert raised.value.outcome_unknown is False
    assert raised.value.attempts == 2
