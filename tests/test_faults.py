"""The fault table of issue 4, row by row, over real loopback HTTP against FakeEFundPay.

Each test injects one fault and asserts the exact outcome: the exception class, how many
attempts reached the server (the fake's request log), and how many actions were applied (the
fake's state: a customer's ``toggle_count``, a subscription's ``history``).

| fault                              | status change               | toggle                      |
|------------------------------------|-----------------------------|-----------------------------|
| 503 / 502 / 500 then OK            | retried, succeeds, one key  | raised, not retried         |
| 429 + Retry-After                  | waits, succeeds             | waits, retries              |
| connection dropped before applying | retried                     | raised, outcome unknown     |
| connection dropped after applying  | retried, succeeds           | raised, applied once        |
| slow past timeout                  | APITimeoutError             | APITimeoutError, unknown    |
| HTML / truncated JSON              | APIResponseValidationError  | same                        |
| port closed                        | retried, APIConnectionError | retried, then raised        |
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest

import efundpay
from efundpay import (
    AiohttpTransport,
    AsyncEFundPay,
    RetryEvent,
    RetryPolicy,
)
from efundpay.testing import FakeEFundPay
from tests.helpers import CUS, NO_WAIT, STATUS, SUB, TOGGLE, refusing_url

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(fake: FakeEFundPay) -> AsyncIterator[AsyncEFundPay]:
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT, timeout=5) as sdk:
        yield sdk


def toggles(fake: FakeEFundPay) -> int:
    """How many times the sample customer was really flipped."""
    return fake.customer(CUS).toggle_count


def changes(fake: FakeEFundPay) -> int:
    """How many status changes were really applied to the sample subscription."""
    return len(fake.subscription(SUB).history)


def keys(fake: FakeEFundPay) -> set[str | None]:
    return {request.headers.get("idempotency-key") for request in fake.requests}


# -- 503 / 502 / 500 then OK ------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("apply", [False, True], ids=["before-apply", "after-apply"])
async def test_a_status_change_after_a_5xx_is_retried_with_one_key_and_applied_once(
    fake: FakeEFundPay, client: AsyncEFundPay, status: int, apply: bool
) -> None:
    fake.fail_next(status, operation=STATUS, apply=apply)

    sub = await client.subscriptions.pause(SUB)

    assert sub.status == "paused"
    assert [r.status for r in fake.requests] == [status, 200]
    assert [r.applied for r in fake.requests] == ([True, False] if apply else [False, True])
    assert len(keys(fake)) == 1 and None not in keys(fake)
    assert changes(fake) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("apply", [False, True], ids=["before-apply", "after-apply"])
async def test_a_toggle_after_a_5xx_is_raised_with_an_unknown_outcome_and_not_retried(
    fake: FakeEFundPay, client: AsyncEFundPay, status: int, apply: bool
) -> None:
    fake.fail_next(status, operation=TOGGLE, apply=apply)

    with pytest.raises(efundpay.InternalServerError) as raised:
        await client.customers.toggle(CUS)

    assert raised.value.status_code == status
    assert raised.value.attempts == 1
    assert raised.value.outcome_unknown is True
    assert "outcome is unknown" in str(raised.value)
    assert "check the customer's current state" in str(raised.value)
    assert len(fake.requests) == 1
    assert toggles(fake) == (1 if apply else 0)


async def test_an_html_502_from_a_gateway_is_a_5xx_retried_only_for_status_changes(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    fake.malformed_next("html", status=502, apply=False)
    sub = await client.subscriptions.cancel(SUB)
    fake.malformed_next("html", status=502, apply=False)
    with pytest.raises(efundpay.InternalServerError) as raised:
        await client.customers.toggle(CUS)

    assert sub.status == "cancelled"
    assert changes(fake) == 1
    assert raised.value.outcome_unknown is True
    assert "<html" not in str(raised.value)
    assert toggles(fake) == 0
    assert len(fake.requests) == 3


# -- 429 + Retry-After ------------------------------------------------------------------------


async def test_a_status_change_waits_for_retry_after_then_succeeds(fake: FakeEFundPay) -> None:
    events: list[RetryEvent] = []
    fake.fail_next(429, retry_after=1, operation=STATUS)
    async with AsyncEFundPay(
        **fake.client_kwargs(), retry=RetryPolicy(on_retry=events.append)
    ) as client:
        started = time.monotonic()
        sub = await client.subscriptions.pause(SUB)
        waited = time.monotonic() - started

    assert sub.status == "paused"
    assert [(e.attempt, e.delay, type(e.error)) for e in events] == [
        (1, 1.0, efundpay.RateLimitError)
    ]
    assert waited >= 1.0
    assert [r.applied for r in fake.requests] == [False, True]
    assert len(keys(fake)) == 1


@pytest.mark.parametrize("rejection", ["429 + HTTP-date", "EXCEEDED_LIMIT with HTTP 200"])
async def test_a_toggle_waits_and_retries_after_a_rate_limit_because_nothing_was_applied(
    fake: FakeEFundPay, rejection: str
) -> None:
    events: list[RetryEvent] = []
    if rejection.startswith("429"):
        when = datetime.now(UTC) + timedelta(seconds=2)
        fake.fail_next(429, retry_after=when, operation=TOGGLE)
    else:
        fake.fail_next(200, code="EXCEEDED_LIMIT", retry_after=1, operation=TOGGLE)
    async with AsyncEFundPay(
        **fake.client_kwargs(), retry=RetryPolicy(on_retry=events.append)
    ) as client:
        customer = await client.customers.toggle(CUS)

    assert customer.is_active is False
    assert [type(e.error) for e in events] == [efundpay.RateLimitError]
    assert 0 < events[0].delay <= 2
    assert [r.applied for r in fake.requests] == [False, True]
    assert toggles(fake) == 1


# -- connection dropped -----------------------------------------------------------------------


@pytest.mark.parametrize("after_apply", [False, True], ids=["before-apply", "after-apply"])
async def test_a_status_change_whose_connection_dropped_is_retried_and_applied_once(
    fake: FakeEFundPay, client: AsyncEFundPay, after_apply: bool
) -> None:
    fake.drop_next(after_apply=after_apply, operation=STATUS)

    sub = await client.subscriptions.pause(SUB)

    assert sub.status == "paused"
    assert [r.status for r in fake.requests] == [None, 200]
    assert [r.replayed for r in fake.requests] == [False, after_apply]
    assert len(keys(fake)) == 1
    assert changes(fake) == 1


@pytest.mark.parametrize("after_apply", [False, True], ids=["before-apply", "after-apply"])
async def test_a_toggle_whose_connection_dropped_is_raised_with_an_unknown_outcome(
    fake: FakeEFundPay, client: AsyncEFundPay, after_apply: bool
) -> None:
    fake.drop_next(after_apply=after_apply, operation=TOGGLE)

    with pytest.raises(efundpay.APIConnectionError) as raised:
        await client.customers.toggle(CUS)

    assert type(raised.value) is efundpay.APIConnectionError
    assert raised.value.request_sent is True
    assert raised.value.outcome_unknown is True
    assert raised.value.attempts == 1
    assert "outcome is unknown" in str(raised.value)
    assert len(fake.requests) == 1
    assert toggles(fake) == (1 if after_apply else 0), "applied at most once, never twice"


# -- slow past the timeout --------------------------------------------------------------------


async def test_a_slow_status_change_times_out_on_every_attempt_and_is_applied_once(
    fake: FakeEFundPay,
) -> None:
    fake.delay_next(2.0, times=3, operation=STATUS)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT, timeout=0.25) as client:
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.subscriptions.pause(SUB)

    assert raised.value.attempts == 3
    assert raised.value.outcome_unknown is True
    assert raised.value.idempotency_key is not None
    assert f"idempotency_key={raised.value.idempotency_key!r}" in str(raised.value)
    assert changes(fake) == 1
    await fake.astop()  # cuts the held responses short, so every request is logged
    assert [r.applied for r in fake.requests] == [True, False, False]
    assert keys(fake) == {raised.value.idempotency_key}


async def test_a_slow_toggle_is_a_timeout_with_an_unknown_outcome_and_not_retried(
    fake: FakeEFundPay,
) -> None:
    fake.delay_next(2.0, operation=TOGGLE)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT, timeout=0.25) as client:
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.customers.toggle(CUS)

    assert raised.value.attempts == 1
    assert raised.value.request_sent is True
    assert raised.value.outcome_unknown is True
    assert "outcome is unknown" in str(raised.value)
    assert toggles(fake) == 1, "the fake applied it: exactly the case the error warns about"


# -- HTML / truncated JSON --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["html", "truncated_json"])
async def test_an_unreadable_success_is_a_validation_error_for_status_changes(
    fake: FakeEFundPay, client: AsyncEFundPay, kind: Literal["html", "truncated_json"]
) -> None:
    fake.malformed_next(kind, operation=STATUS)

    with pytest.raises(efundpay.APIResponseValidationError) as raised:
        await client.subscriptions.pause(SUB)

    assert raised.value.status_code == 200
    assert raised.value.attempts == 1
    assert raised.value.outcome_unknown is True, "a 2xx was probably applied"
    assert raised.value.idempotency_key == fake.requests[0].headers["idempotency-key"]
    assert changes(fake) == 1


@pytest.mark.parametrize("kind", ["html", "truncated_json"])
async def test_an_unreadable_success_is_a_validation_error_for_toggles(
    fake: FakeEFundPay, client: AsyncEFundPay, kind: Literal["html", "truncated_json"]
) -> None:
    fake.malformed_next(kind, operation=TOGGLE)

    with pytest.raises(efundpay.APIResponseValidationError) as raised:
        await client.customers.toggle(CUS)

    assert raised.value.attempts == 1
    assert raised.value.outcome_unknown is True
    assert "outcome is unknown" in str(raised.value)
    assert len(fake.requests) == 1
    assert toggles(fake) == 1


async def test_a_response_over_the_size_cap_is_refused_and_may_have_been_applied(
    fake: FakeEFundPay,
) -> None:
    transport = AiohttpTransport(max_response_bytes=200)
    async with AsyncEFundPay(**fake.client_kwargs(), transport=transport) as client:
        with pytest.raises(efundpay.APIResponseValidationError) as raised:
            await client.customers.toggle(CUS)
    assert "200-byte cap" in str(raised.value)
    assert raised.value.outcome_unknown is True
    assert toggles(fake) == 1


# -- port closed ------------------------------------------------------------------------------


async def test_a_closed_port_is_retried_then_raised_with_nothing_applied() -> None:
    events: list[RetryEvent] = []
    policy = RetryPolicy(initial_backoff=0, max_backoff=0, on_retry=events.append)
    with refusing_url() as url:
        client = AsyncEFundPay(
            api_key="sk_test_fake", merchant_account_id="acct_fake", base_url=url, retry=policy
        )
        async with client:
            with pytest.raises(efundpay.APIConnectionError) as status_error:
                await client.subscriptions.pause(SUB)
            with pytest.raises(efundpay.APIConnectionError) as toggle_error:
                await client.customers.toggle(CUS)

    for raised in (status_error, toggle_error):
        assert type(raised.value) is efundpay.APIConnectionError
        assert raised.value.attempts == 3
        assert raised.value.request_sent is False
        assert raised.value.outcome_unknown is False
        assert "outcome is unknown" not in str(raised.value)
    assert [e.operation for e in events] == ["subscriptions.pause"] * 2 + ["customers.toggle"] * 2


# -- replaying after a failure ----------------------------------------------------------------


async def test_the_key_on_the_exception_replays_a_failed_status_change_safely(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    fake.fail_next(500, times=3, apply=True, operation=STATUS)
    with pytest.raises(efundpay.InternalServerError) as raised:
        await client.subscriptions.pause(SUB, reason="card expired")
    key = raised.value.idempotency_key
    assert key is not None and raised.value.outcome_unknown is True

    sub = await client.subscriptions.pause(SUB, reason="card expired", idempotency_key=key)

    assert sub.status == "paused"
    assert changes(fake) == 1, "the replay returned the first result instead of applying again"
    assert fake.requests[-1].replayed is True
    assert keys(fake) == {key}
