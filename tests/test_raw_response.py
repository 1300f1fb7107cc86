"""``with_raw_response``: the HTTP exchange of a call, and its model on demand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from efundpay import (
    APIResponse,
    APIResponseValidationError,
    APIStatusError,
    AsyncEFundPay,
    Customer,
    EFundPay,
    Headers,
    HTTPRequest,
    HTTPResponse,
    MockTransport,
    NotFoundError,
    RetryPolicy,
    Subscription,
)
from efundpay.testing import FakeEFundPay
from tests.helpers import API_KEY, MERCHANT, NO_WAIT

pytestmark = pytest.mark.anyio


@pytest.fixture
def threaded_fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        yield server


async def test_a_raw_pause_shows_the_exchange_and_parses_to_the_model(fake: FakeEFundPay) -> None:
    fake.fail_next(503)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT) as client:
        response = await client.subscriptions.with_raw_response.pause(
            "sub_123", idempotency_key="key-raw-1", extra_headers={"X-Trace": "t"}
        )
    assert isinstance(response, APIResponse)
    assert response.status_code == 200
    assert response.attempts == 2
    assert response.idempotency_key == "key-raw-1"
    last = fake.requests[-1]
    assert response.request_id is not None
    assert (
        response.request_id == response.headers["X-REQUEST-ID"] == response.headers["x-request-id"]
    )
    assert isinstance(response.headers, Headers)
    assert isinstance(response.elapsed, timedelta)
    assert response.elapsed > timedelta(0)
    assert response.json()["id"] == "sub_123" == response.parse().id
    assert response.text.startswith("{") and response.content.startswith(b"{")
    assert last.headers["X-Trace"] == "t"
    sub = response.parse()
    assert isinstance(sub, Subscription)
    assert sub.status == "paused"
    assert response.parse() is sub  # parsed once, kept
    assert "request_id=" in repr(response) and "subscriptions.pause" in repr(response)


async def test_every_operation_has_a_raw_form(fake: FakeEFundPay) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        raw = client.subscriptions.with_raw_response
        paused = await raw.pause("sub_123")
        resumed = await raw.resume("sub_123")
        cancelled = await raw.cancel("sub_456")
        updated = await raw.update_status("sub_123", status="paused")
        toggled = await client.customers.with_raw_response.toggle("cus_123")
    assert [r.parse().status for r in (paused, resumed, cancelled, updated)] == [
        "paused", "active", "cancelled", "paused",
    ]  # fmt: skip
    assert isinstance(toggled.parse(), Customer)
    assert toggled.idempotency_key is None  # the toggle carries none
    assert toggled.attempts == 1


async def test_a_raw_call_still_raises_for_a_refusal(fake: FakeEFundPay) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with pytest.raises(NotFoundError):
            await client.subscriptions.with_raw_response.pause("sub_missing")


async def test_the_plain_call_is_unchanged_by_the_raw_one(fake: FakeEFundPay) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        client.subscriptions.with_raw_response  # noqa: B018 - made, then the plain one used
        assert isinstance(await client.subscriptions.pause("sub_123"), Subscription)


async def test_a_body_that_does_not_read_as_the_model_fails_the_raw_call_like_the_plain_one() -> (
    None
):
    sent: list[str] = []

    def handler(request: HTTPRequest) -> HTTPResponse:
        sent.append(request.url)
        return HTTPResponse(200, {"Content-Type": "text/plain"}, b"not json")

    async with AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        transport=MockTransport(handler),
        max_retries=0,
    ) as client:
        with pytest.raises(APIResponseValidationError) as raised:
            await client.subscriptions.with_raw_response.pause("sub_123")
    # An answer that may have been applied: the same stamp as the plain call's error.
    assert raised.value.outcome_unknown is True
    assert raised.value.attempts == 1
    assert raised.value.idempotency_key is not None
    assert len(sent) == 1


@pytest.mark.parametrize(("code", "sent"), [("TOKEN_EXPIRED", 1), ("EXCEEDED_LIMIT", 3)])
async def test_a_v3_envelope_error_with_http_200_fails_the_raw_call_like_the_plain_one(
    code: str, sent: int
) -> None:
    requests: list[str] = []

    def handler(request: HTTPRequest) -> HTTPResponse:
        requests.append(request.url)
        return HTTPResponse.from_json(200, {"code": code, "error": {"code": code}})

    async with AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        transport=MockTransport(handler),
        retry=RetryPolicy(initial_backoff=0, max_backoff=0),
    ) as client:
        with pytest.raises(APIStatusError, match=code) as raised:
            await client.customers.with_raw_response.toggle("cus_123")
    # A rate limit is retried (nothing was applied); a bearer key has no new credentials.
    assert len(requests) == sent
    assert raised.value.outcome_unknown is False


def test_the_blocking_client_has_raw_responses_too(threaded_fake: FakeEFundPay) -> None:
    with EFundPay(**threaded_fake.client_kwargs()) as client:
        response = client.subscriptions.with_raw_response.cancel("sub_123", at_period_end=True)
        toggled = client.customers.with_raw_response.toggle("cus_123")
        with pytest.raises(NotFoundError):
            client.subscriptions.with_raw_response.resume("sub_missing")
    assert isinstance(response, APIResponse)
    assert response.status_code == 200
    assert isinstance(response.parse(), Subscription)
    assert response.idempotency_key == threaded_fake.requests[0].headers["idempotency-key"]
    assert isinstance(toggled.parse(), Customer)
