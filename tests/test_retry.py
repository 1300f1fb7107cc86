"""Retries: what is retried, how often, how long it waits, and toggle safety."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import pytest

import efundpay
from efundpay import HTTPRequest, HTTPResponse, RetryEvent, RetryPolicy, TransportError
from efundpay._retry import parse_retry_after
from tests.helpers import NO_WAIT, mock_client, ok_customer, ok_subscription, scripted

pytestmark = pytest.mark.anyio

REFUSED = TransportError("cannot connect: refused", request_sent=False)
RESET = TransportError("connection reset after sending", request_sent=True)


def _503() -> HTTPResponse:
    return HTTPResponse.from_json(503, {"message": "unavailable"})


async def test_status_changes_are_retried_with_the_same_idempotency_key() -> None:
    client, transport = mock_client(scripted(_503(), RESET, ok_subscription()))
    async with client:
        await client.subscriptions.pause("sub_1")
    keys = {request.headers["idempotency-key"] for request in transport.requests}
    assert len(transport.requests) == 3
    assert len(keys) == 1


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried_for_status_changes(status: int) -> None:
    client, transport = mock_client(scripted(HTTPResponse.from_json(status, {}), ok_subscription()))
    async with client:
        await client.subscriptions.cancel("sub_1")
    assert len(transport.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
async def test_client_errors_are_never_retried(status: int) -> None:
    client, transport = mock_client(scripted(HTTPResponse.from_json(status, {})))
    async with client:
        with pytest.raises(efundpay.APIStatusError):
            await client.subscriptions.cancel("sub_1")
    assert len(transport.requests) == 1


async def test_retries_stop_after_max_retries_and_the_error_says_how_many_attempts() -> None:
    client, transport = mock_client(scripted(_503(), _503(), _503(), _503()), max_retries=3)
    async with client:
        with pytest.raises(efundpay.InternalServerError) as raised:
            await client.subscriptions.pause("sub_1")
    assert len(transport.requests) == 4
    assert raised.value.attempts == 4
    assert raised.value.outcome_unknown is True
    assert "idempotency_key=" in str(raised.value)


async def test_max_retries_zero_makes_one_attempt() -> None:
    client, transport = mock_client(scripted(_503()), max_retries=0)
    async with client:
        with pytest.raises(efundpay.InternalServerError):
            await client.subscriptions.pause("sub_1")
    assert len(transport.requests) == 1


async def test_toggle_is_retried_when_the_connection_was_refused() -> None:
    client, transport = mock_client(scripted(REFUSED, ok_customer(isActive=True)))
    async with client:
        customer = await client.customers.toggle("cus_1")
    assert customer.is_active is True
    assert len(transport.requests) == 2


async def test_toggle_is_retried_after_a_429_or_exceeded_limit() -> None:
    exceeded = HTTPResponse.from_json(
        200, {"item": None, "code": "EXCEEDED_LIMIT", "error": {"code": "EXCEEDED_LIMIT"}}
    )
    client, transport = mock_client(
        scripted(HTTPResponse.from_json(429, {}), exceeded, ok_customer())
    )
    async with client:
        await client.customers.toggle("cus_1")
    assert len(transport.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [
        _503(),
        HTTPResponse.from_json(500, {}),
        HTTPResponse.from_json(408, {}),
        RESET,
        efundpay.TransportTimeoutError("read timed out", request_sent=True),
    ],
)
async def test_toggle_is_not_retried_when_it_may_have_been_applied(
    failure: HTTPResponse | Exception,
) -> None:
    client, transport = mock_client(scripted(failure))
    async with client:
        with pytest.raises(efundpay.APIError) as raised:
            await client.customers.toggle("cus_1")
    assert len(transport.requests) == 1
    assert raised.value.outcome_unknown is True
    assert "outcome is unknown" in str(raised.value)
    assert "check the customer" in str(raised.value)


async def test_a_read_timeout_is_an_api_timeout_error_and_a_connection_error() -> None:
    client, _ = mock_client(
        scripted(efundpay.TransportTimeoutError("read timed out", request_sent=True)),
        max_retries=0,
    )
    async with client:
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.customers.toggle("cus_1")
    assert isinstance(raised.value, efundpay.APIConnectionError)
    assert raised.value.request_sent is True


async def test_a_refused_connection_after_retries_is_a_connection_error_with_nothing_applied() -> (
    None
):
    client, transport = mock_client(scripted(REFUSED, REFUSED, REFUSED))
    async with client:
        with pytest.raises(efundpay.APIConnectionError) as raised:
            await client.customers.toggle("cus_1")
    assert len(transport.requests) == 3
    assert raised.value.outcome_unknown is False
    assert raised.value.request_sent is False


async def test_retry_after_is_honoured() -> None:
    events: list[RetryEvent] = []
    client, _ = mock_client(
        scripted(
            HTTPResponse.from_json(429, {}, headers={"Retry-After": "0.3"}), ok_subscription()
        ),
        retry=RetryPolicy(on_retry=events.append),
    )
    started = time.monotonic()
    async with client:
        await client.subscriptions.pause("sub_1")
    assert [event.delay for event in events] == [0.3]
    assert time.monotonic() - started >= 0.3  # a lower bound: a busy machine only adds to it


async def test_a_retry_after_beyond_the_cap_is_raised_at_once_with_its_value() -> None:
    policy = RetryPolicy(max_retry_after=5)
    client, transport = mock_client(
        scripted(HTTPResponse.from_json(429, {}, headers={"Retry-After": "120"})), retry=policy
    )
    async with client:
        with pytest.raises(efundpay.RateLimitError) as raised:
            await client.subscriptions.pause("sub_1")
    assert raised.value.retry_after == 120
    assert len(transport.requests) == 1


async def test_the_on_retry_hook_sees_every_retry() -> None:
    events: list[RetryEvent] = []
    policy = RetryPolicy(initial_backoff=0, max_backoff=0, on_retry=events.append)
    client, _ = mock_client(scripted(_503(), RESET, ok_subscription()), retry=policy)
    async with client:
        await client.subscriptions.pause("sub_1", idempotency_key="k-7")
    assert [(e.operation, e.attempt, type(e.error)) for e in events] == [
        ("subscriptions.pause", 1, efundpay.InternalServerError),
        ("subscriptions.pause", 2, efundpay.APIConnectionError),
    ]
    assert all(e.idempotency_key == "k-7" for e in events)


async def test_with_options_changes_retries_for_the_copy_only() -> None:
    client, transport = mock_client(scripted(_503(), _503(), _503(), _503(), _503()))
    async with client:
        with pytest.raises(efundpay.InternalServerError):
            await client.with_options(max_retries=0).subscriptions.pause("sub_1")
        assert len(transport.requests) == 1
        with pytest.raises(efundpay.InternalServerError):
            await client.subscriptions.pause("sub_1")
        assert len(transport.requests) == 4


async def test_the_deadline_bounds_all_attempts_and_waits() -> None:
    async def slow(request: HTTPRequest) -> HTTPResponse:
        await anyio.sleep(10)
        raise AssertionError("unreachable")

    # The attempt timeout is far beyond the bound below, so only the deadline can end the
    # call in time, and a slow machine cannot push it past the bound.
    client, transport = mock_client(slow, timeout=120, deadline=0.3)
    started = time.monotonic()
    async with client:
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.subscriptions.pause("sub_1")
    assert time.monotonic() - started < 60
    assert "deadline" in str(raised.value)
    assert len(transport.requests) == 1


async def test_the_per_attempt_timeout_applies_to_each_attempt() -> None:
    async def slow(request: HTTPRequest) -> HTTPResponse:
        await anyio.sleep(10)
        raise AssertionError("unreachable")

    client, transport = mock_client(slow, timeout=0.1, max_retries=2)
    async with client:
        with pytest.raises(efundpay.APITimeoutError):
            await client.subscriptions.pause("sub_1")
    assert len(transport.requests) == 3


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap() -> None:
    policy = RetryPolicy(initial_backoff=1, max_backoff=4)
    for retry_number, ceiling in [(1, 1), (2, 2), (3, 4), (4, 4), (9, 4)]:
        delays = [policy.delay(retry_number, None) for _ in range(200)]
        assert all(d is not None and 0 <= d <= ceiling for d in delays)
        assert max(d for d in delays if d is not None) > ceiling / 2


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    now = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": later}, now=now.timestamp()) == 30.0
    earlier = format_datetime(now - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": earlier}, now=now.timestamp()) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({"Retry-After": "-5"}) == 0.0
    assert parse_retry_after({}) is None


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    with pytest.raises(TypeError):
        RetryPolicy(max_retries=True)
    with pytest.raises(ValueError, match="max_backoff"):
        RetryPolicy(max_backoff=float("inf"))


def test_no_wait_policy_is_used_by_these_tests() -> None:
    assert NO_WAIT.delay(5, None) == 0


async def test_the_jitter_is_injectable_so_a_wait_can_be_pinned() -> None:
    draws: list[float] = []

    def jitter(ceiling: float) -> float:
        draws.append(ceiling)
        return ceiling / 2

    policy = RetryPolicy(initial_backoff=1, max_backoff=3, jitter=jitter)
    assert [policy.delay(n, None) for n in (1, 2, 3)] == [0.5, 1.0, 1.5]
    assert draws == [1, 2, 3]
    assert policy.delay(1, retry_after=7) == 7  # a Retry-After is not jittered
    assert policy.with_max_retries(5).jitter is jitter


async def test_a_deadline_that_leaves_no_time_to_retry_raises_a_timeout_caused_by_the_error() -> (
    None
):
    # The wait is pinned to its ceiling (5 s): a random draw under 1 s would fit the deadline.
    events: list[RetryEvent] = []
    policy = RetryPolicy(
        initial_backoff=5, max_backoff=5, jitter=lambda ceiling: ceiling, on_retry=events.append
    )
    client, transport = mock_client(scripted(_503(), _503()), retry=policy, deadline=1)
    async with client:
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.subscriptions.pause("sub_1")
    # Raised after the first attempt, not after sleeping into (or past) the deadline.
    assert len(transport.requests) == 1
    assert events == [], "raised at once: no wait was scheduled"
    assert isinstance(raised.value.__cause__, efundpay.InternalServerError)
    assert "deadline of 1s leaves no time to retry" in str(raised.value)
    assert raised.value.outcome_unknown is True
    assert raised.value.idempotency_key is not None
    assert len(transport.requests) == 1


async def test_without_a_deadline_the_same_failure_raises_the_error_itself() -> None:
    client, _ = mock_client(scripted(_503()), max_retries=0)
    async with client:
        with pytest.raises(efundpay.InternalServerError):
            await client.subscriptions.pause("sub_1")
