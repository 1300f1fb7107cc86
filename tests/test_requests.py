"""What goes on the wire: exact JSON bodies, headers, encoded paths; bad input sends nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from efundpay import CancellationReason, PauseBehavior, __version__
from tests.helpers import API_KEY, MERCHANT, body_of, mock_client, ok_customer, ok_subscription

pytestmark = pytest.mark.anyio


async def _one_body(method: str, **options: Any) -> dict[str, Any]:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        await getattr(client.subscriptions, method)("sub_1", **options)
    (request,) = transport.requests
    result: dict[str, Any] = body_of(request)
    return result


@pytest.mark.parametrize(
    ("method", "options", "expected"),
    [
        ("pause", {}, {"status": "paused"}),
        (
            "pause",
            {
                "pause_behavior": "void",
                "resume_at": datetime(2025, 3, 1, tzinfo=UTC),
                "reason": "Customer requested temporary pause",
                "metadata": {"source": "support"},
            },
            {
                "status": "paused",
                "pause_behavior": "void",
                "resume_at": "2025-03-01T00:00:00Z",
                "reason": "Customer requested temporary pause",
                "metadata": {"source": "support"},
            },
        ),
        (
            "pause",
            {"pause_behavior": PauseBehavior.KEEP_AS_DRAFT},
            {"status": "paused", "pause_behavior": "keep_as_draft"},
        ),
        ("resume", {}, {"status": "active"}),
        (
            "resume",
            {"billing_cycle_anchor": "now", "proration_behavior": "none", "reason": "back"},
            {
                "status": "active",
                "billing_cycle_anchor": "now",
                "proration_behavior": "none",
                "reason": "back",
            },
        ),
        ("cancel", {}, {"status": "cancelled"}),
        (
            "cancel",
            {
                "at_period_end": True,
                "cancellation_reason": "customer_request",
                "prorate": False,
                "metadata": {"cancelled_by": "customer", "feedback": "switching_to_competitor"},
            },
            {
                "status": "cancelled",
                "at_period_end": True,
                "cancellation_reason": "customer_request",
                "prorate": False,
                "metadata": {"cancelled_by": "customer", "feedback": "switching_to_competitor"},
            },
        ),
        (
            "cancel",
            {"at_period_end": False, "cancellation_reason": CancellationReason.DOWNGRADE},
            {"status": "cancelled", "at_period_end": False, "cancellation_reason": "downgrade"},
        ),
    ],
)
async def test_each_option_is_sent_exactly_and_unpassed_ones_are_left_out(
    method: str, options: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert await _one_body(method, **options) == expected


async def test_update_status_sends_the_same_body_as_the_named_method() -> None:
    named = await _one_body("cancel", at_period_end=True, prorate=True, reason="r")
    general = await _one_body(
        "update_status", status="cancelled", at_period_end=True, prorate=True, reason="r"
    )
    assert named == general


async def test_resume_at_in_another_zone_is_sent_in_utc() -> None:
    tz = timezone(timedelta(hours=-5))
    body = await _one_body("pause", resume_at=datetime(2025, 3, 1, 7, 30, 15, 250000, tzinfo=tz))
    assert body["resume_at"] == "2025-03-01T12:30:15.250000Z"


async def test_v4_headers_carry_auth_merchant_json_user_agent_and_a_fresh_key() -> None:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        await client.subscriptions.pause("sub_1")
        await client.subscriptions.pause("sub_1")
    first, second = transport.requests
    headers = first.headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["x-merchant-account-id"] == MERCHANT
    assert headers["Content-Type"] == "application/json"
    assert re.fullmatch(
        rf"efundpay/{re.escape(__version__)} python/\d+\.\d+\.\d+\S* aiohttp/\S+",
        headers["User-Agent"],
    )
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["idempotency-key"])
    assert second.headers["idempotency-key"] != headers["idempotency-key"]


async def test_a_caller_idempotency_key_is_sent_as_given() -> None:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        await client.subscriptions.cancel("sub_1", idempotency_key="order-42-cancel")
    assert transport.requests[0].headers["idempotency-key"] == "order-42-cancel"


async def test_toggle_is_a_bodiless_post_to_the_v3_path() -> None:
    client, transport = mock_client(lambda request: ok_customer())
    async with client:
        customer = await client.customers.toggle("cus_123")
    (request,) = transport.requests
    assert request.method == "POST"
    assert request.url == "https://sandbox.efundpay.com/v3/recurring-payment/cus_123/toggle"
    assert request.content is None
    assert "idempotency-key" not in request.headers
    assert customer.is_active is False


@pytest.mark.parametrize(
    ("hostile", "encoded"),
    [
        (
            "../../v3/recurring-payment/cus_1/toggle",
            "%2E%2E%2F%2E%2E%2Fv3%2Frecurring-payment%2Fcus_1%2Ftoggle",
        ),
        ("..", "%2E%2E"),
        ("sub 1?x=1#frag", "sub%201%3Fx%3D1%23frag"),
        ("sub%2F1", "sub%252F1"),
        ("süb\r\n", "s%C3%BCb%0D%0A"),
    ],
)
async def test_hostile_ids_cannot_change_the_route(hostile: str, encoded: str) -> None:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        await client.subscriptions.pause(hostile)
    assert transport.requests[0].url == (
        f"https://sandbox.efundpay.com/v4/subscriptions/{encoded}/status"
    )


@pytest.mark.parametrize(
    ("method", "options", "error", "fragment"),
    [
        ("update_status", {"status": "trialing"}, ValueError, "status must be one of"),
        ("update_status", {"status": 1}, TypeError, "status must be a string"),
        ("pause", {"pause_behavior": "pause"}, ValueError, "pause_behavior must be one of"),
        ("resume", {"billing_cycle_anchor": "later"}, ValueError, "billing_cycle_anchor"),
        ("resume", {"proration_behavior": "always"}, ValueError, "proration_behavior"),
        ("cancel", {"cancellation_reason": "bored"}, ValueError, "cancellation_reason"),
        ("pause", {"reason": ""}, ValueError, "1 to 255"),
        ("pause", {"reason": "x" * 256}, ValueError, "1 to 255"),
        ("pause", {"reason": 5}, TypeError, "reason must be a string"),
        ("pause", {"resume_at": datetime(2025, 3, 1)}, ValueError, "timezone-aware"),
        ("pause", {"resume_at": "2025-03-01T00:00:00Z"}, TypeError, "must be a datetime"),
        ("cancel", {"at_period_end": "false"}, TypeError, "True or False"),
        ("cancel", {"prorate": 1}, TypeError, "True or False"),
        ("cancel", {"metadata": {"k": object()}}, TypeError, "JSON values"),
        ("cancel", {"metadata": {1: "v"}}, TypeError, "keys must be strings"),
        ("cancel", {"metadata": ["k"]}, TypeError, "mapping"),
        ("cancel", {"idempotency_key": "has space"}, ValueError, "idempotency_key"),
        ("cancel", {"idempotency_key": ""}, ValueError, "idempotency_key"),
        (
            "update_status",
            {"status": "cancelled", "pause_behavior": "void"},
            ValueError,
            "pause_behavior applies only when status='paused'",
        ),
        (
            "update_status",
            {"status": "paused", "prorate": True},
            ValueError,
            "prorate applies only when status='cancelled'",
        ),
        (
            "update_status",
            {"status": "active", "resume_at": datetime(2025, 1, 1, tzinfo=UTC)},
            ValueError,
            "resume_at applies only",
        ),
    ],
)
async def test_bad_input_raises_a_clear_error_and_sends_nothing(
    method: str, options: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        with pytest.raises(error, match=re.escape(fragment)):
            await getattr(client.subscriptions, method)("sub_1", **options)
    assert transport.requests == []


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", ValueError),
        ("   ", ValueError),
        (None, TypeError),
        (123, TypeError),
        ("x" * 256, ValueError),
    ],
)
async def test_bad_ids_are_refused_before_sending(value: object, error: type[Exception]) -> None:
    client, transport = mock_client(lambda request: ok_customer())
    async with client:
        with pytest.raises(error, match="customer_id"):
            await client.customers.toggle(value)  # type: ignore[arg-type]
        with pytest.raises(error, match="subscription_id"):
            await client.subscriptions.pause(value)  # type: ignore[arg-type]
    assert transport.requests == []


async def test_a_reason_of_exactly_255_characters_is_accepted() -> None:
    assert (await _one_body("pause", reason="x" * 255))["reason"] == "x" * 255
