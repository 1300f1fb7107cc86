"""Testing code that uses efundpay: the pytest fixtures, the fake's faults, and MockTransport.

The ``efundpay`` pytest plugin is installed with the package, so these fixtures need no
import: ``efundpay_fake`` (a running FakeEFundPay), ``efundpay_client`` (a sync client
pointed at it) and ``async_efundpay_client`` (an async one).  Run with ``pytest``.
"""

from __future__ import annotations

from typing import Any

import pytest

import efundpay
from efundpay import AsyncEFundPay, EFundPay, HTTPRequest, HTTPResponse, MockTransport
from efundpay.testing import FakeEFundPay

# -- the application code under test (it would live in your package) -------------------------


def end_subscription(client: EFundPay, subscription_id: str) -> str:
    """Cancel at the end of the period; report what happened in words for the user."""
    try:
        sub = client.subscriptions.cancel(
            subscription_id, at_period_end=True, cancellation_reason="customer_request"
        )
    except efundpay.NotFoundError:
        return "unknown subscription"
    except efundpay.ConflictError:
        return "already ended"
    return f"ends on {sub.ended_at:%Y-%m-%d}"


async def pause_for_holiday(client: AsyncEFundPay, subscription_id: str) -> str:
    """The async side of the application."""
    sub = await client.subscriptions.pause(subscription_id, pause_behavior="void")
    return str(sub.status)


# -- against the fake: real HTTP, the API's rules --------------------------------------------


def test_ending_a_subscription_cancels_it_at_the_period_end(
    efundpay_client: EFundPay, efundpay_fake: FakeEFundPay
) -> None:
    assert end_subscription(efundpay_client, "sub_1234567890abcdef").startswith("ends on ")

    sub = efundpay_fake.subscription("sub_1234567890abcdef")
    assert sub.status == "cancelled"
    assert sub.cancellation_details is not None
    assert sub.cancellation_details.at_period_end is True
    (request,) = efundpay_fake.requests
    assert request.json == {
        "status": "cancelled",
        "at_period_end": True,
        "cancellation_reason": "customer_request",
    }


def test_ending_it_twice_says_it_already_ended(
    efundpay_client: EFundPay, efundpay_fake: FakeEFundPay
) -> None:
    end_subscription(efundpay_client, "sub_1234567890abcdef")
    assert end_subscription(efundpay_client, "sub_1234567890abcdef") == "already ended"
    assert end_subscription(efundpay_client, "sub_nope") == "unknown subscription"


def test_a_lost_response_is_retried_and_applied_once(
    efundpay_client: EFundPay, efundpay_fake: FakeEFundPay
) -> None:
    # The first attempt is applied, then its response is lost to a 503.
    efundpay_fake.fail_next(503, apply=True, operation="subscriptions.status")

    end_subscription(efundpay_client, "sub_1234567890abcdef")

    assert [r.applied for r in efundpay_fake.requests] == [True, False]  # the retry replayed
    assert len(efundpay_fake.subscription("sub_1234567890abcdef").history) == 1


@pytest.mark.efundpay_fake(sample_data=False)
def test_with_your_own_data(efundpay_client: EFundPay, efundpay_fake: FakeEFundPay) -> None:
    efundpay_fake.add_subscription("sub_paused", status="paused")
    efundpay_client.subscriptions.resume("sub_paused")
    assert efundpay_fake.subscription("sub_paused").status == "active"


@pytest.mark.anyio
async def test_the_async_side(
    async_efundpay_client: AsyncEFundPay, efundpay_fake: FakeEFundPay
) -> None:
    assert await pause_for_holiday(async_efundpay_client, "sub_1234567890abcdef") == "paused"
    assert efundpay_fake.subscription("sub_1234567890abcdef").status == "paused"


# -- without a server: MockTransport answers from a function ---------------------------------


def test_unit_test_with_a_mock_transport() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: HTTPRequest) -> HTTPResponse:
        seen.append(request.json())
        return HTTPResponse.from_json(
            200, {"id": "sub_1", "status": "cancelled", "ended_at": "2030-01-31T00:00:00Z"}
        )

    transport = MockTransport(handler)
    with EFundPay(api_key="sk_test_x", merchant_account_id="acct_1", transport=transport) as c:
        assert end_subscription(c, "sub_1") == "ends on 2030-01-31"

    assert seen == [
        {"status": "cancelled", "at_period_end": True, "cancellation_reason": "customer_request"}
    ]
    (request,) = transport.requests
    assert request.url == "https://sandbox.efundpay.com/v4/subscriptions/sub_1/status"
    assert request.headers["x-merchant-account-id"] == "acct_1"


def test_unit_test_of_an_error_answer() -> None:
    def handler(request: HTTPRequest) -> HTTPResponse:
        body = {"error": {"code": "invalid_state_transition", "message": "Already cancelled"}}
        return HTTPResponse.from_json(409, body, headers={"x-request-id": "req_1"})

    transport = MockTransport(handler)
    with EFundPay(api_key="sk_test_x", merchant_account_id="acct_1", transport=transport) as c:
        assert end_subscription(c, "sub_1") == "already ended"
    assert len(transport.requests) == 1  # a 409 is final: not retried
