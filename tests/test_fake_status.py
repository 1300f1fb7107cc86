"""The fake's v4 status change: transitions, what each change does, and header checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from efundpay.testing import FakeEFundPay
from tests.test_fake_support import SUB, Wire, open_wire

pytestmark = pytest.mark.anyio

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
SUBSCRIPTION_FIELDS = {
    "id", "object", "status", "pause_collection", "paused_at", "resumed_at", "canceled_at",
    "cancellation_details", "ended_at", "next_billing_date", "customer", "plan",
    "payment_method", "current_period_start", "current_period_end", "metadata", "livemode",
}  # fmt: skip


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    # A fixed clock: the effects of a change on times and periods become exact.
    async with open_wire(clock=lambda: NOW) as wire:
        yield wire


async def test_pause_answers_the_seed_shaped_subscription_with_server_defaults(
    wire: Wire,
) -> None:
    reply = await wire.status({"status": "paused"})

    assert reply.status == 200
    body = reply.json
    assert set(body) == SUBSCRIPTION_FIELDS
    assert (body["id"], body["object"], body["status"]) == (SUB, "subscription", "paused")
    assert body["pause_collection"] == {"behavior": "mark_uncollectible", "resume_at": None}
    assert body["paused_at"] == "2025-06-10T12:00:00Z"
    assert body["next_billing_date"] is None
    assert body["livemode"] is False
    assert body["payment_method"]["card"] == {
        "number": "4111111111111111",
        "expiration_date": "12/27",
        "security_code": "123",
    }
    assert body["customer"]["display_name"] == "John Doe"
    assert body["plan"]["amount"] == 1000


async def test_pause_options_are_kept_and_resume_at_is_rendered_in_utc(wire: Wire) -> None:
    reply = await wire.status(
        {"status": "paused", "pause_behavior": "void", "resume_at": "2025-07-01T02:00:00+02:00"}
    )

    assert reply.json["pause_collection"] == {
        "behavior": "void",
        "resume_at": "2025-07-01T00:00:00Z",
    }
    assert wire.fake.subscription(SUB).pause_collection is not None


async def test_resume_keeps_the_billing_anchor_and_rolls_the_period_forward(wire: Wire) -> None:
    await wire.status({"status": "paused"})

    body = (await wire.status({"status": "active"})).json

    assert body["status"] == "active"
    assert body["pause_collection"] is None
    assert body["resumed_at"] == "2025-06-10T12:00:00Z"
    # The seed's period runs from the 15th, 10:30; on June 10th the current one is May 15th.
    assert body["current_period_start"] == "2025-05-15T10:30:00Z"
    assert body["current_period_end"] == "2025-06-15T10:30:00Z"
    assert body["next_billing_date"] == "2025-06-15"
    assert wire.fake.subscription(SUB).next_billing_date == date(2025, 6, 15)


async def test_resume_with_billing_cycle_anchor_now_restarts_the_period_now(wire: Wire) -> None:
    await wire.status({"status": "paused"})

    body = (await wire.status({"status": "active", "billing_cycle_anchor": "now"})).json

    assert body["current_period_start"] == "2025-06-10T12:00:00Z"
    assert body["current_period_end"] == "2025-07-10T12:00:00Z"
    assert body["next_billing_date"] == "2025-07-10"


@pytest.mark.parametrize(
    ("at_period_end", "ended_at"),
    [(True, "2024-02-15T10:30:00Z"), (False, "2025-06-10T12:00:00Z")],
)
async def test_cancel_ends_now_or_at_period_end(
    wire: Wire, at_period_end: bool, ended_at: str
) -> None:
    body = (
        await wire.status(
            {
                "status": "cancelled",
                "at_period_end": at_period_end,
                "cancellation_reason": "customer_request",
                "prorate": True,
                "reason": "Customer request",
            }
        )
    ).json

    assert body["status"] == "cancelled"
    assert body["canceled_at"] == "2025-06-10T12:00:00Z"
    assert body["ended_at"] == ended_at
    assert body["next_billing_date"] is None
    assert body["cancellation_details"] == {
        "reason": "customer_request",
        "comment": "Customer request",
        "at_period_end": at_period_end,
        "prorate": True,
    }


async def test_cancel_without_options_uses_the_server_defaults(wire: Wire) -> None:
    body = (await wire.status({"status": "cancelled"})).json

    assert body["cancellation_details"] == {
        "reason": None,
        "comment": None,
        "at_period_end": False,
        "prorate": False,
    }


async def test_request_metadata_merges_into_the_subscription_metadata(wire: Wire) -> None:
    sub_id = wire.fake.add_subscription(metadata={"plan": "gold", "by": "system"})

    body = (await wire.status({"status": "paused", "metadata": {"by": "customer"}}, sub_id)).json

    assert body["metadata"] == {"plan": "gold", "by": "customer"}
    assert wire.fake.subscription(sub_id).metadata == {"plan": "gold", "by": "customer"}


# (current status, target status) -> HTTP status of the answer
TRANSITIONS = {
    ("active", "paused"): 200,
    ("past_due", "paused"): 200,
    ("paused", "paused"): 409,
    ("failed", "paused"): 409,
    ("cancelled", "paused"): 422,
    ("paused", "active"): 200,
    ("active", "active"): 409,
    ("past_due", "active"): 409,
    ("failed", "active"): 409,
    ("cancelled", "active"): 422,
    ("active", "cancelled"): 200,
    ("paused", "cancelled"): 200,
    ("past_due", "cancelled"): 200,
    ("failed", "cancelled"): 200,
    ("cancelled", "cancelled"): 409,
}


@pytest.mark.parametrize(("current", "target"), list(TRANSITIONS))
async def test_status_transitions_follow_the_api_rules(
    wire: Wire, current: str, target: str
) -> None:
    sub_id = wire.fake.add_subscription(status=current)

    reply = await wire.status({"status": target}, sub_id)

    expected = TRANSITIONS[current, target]
    assert reply.status == expected
    sub = wire.fake.subscription(sub_id)
    if expected == 200:
        assert (reply.json["status"], sub.status) == (target, target)
        assert [(c.from_status, c.to_status) for c in sub.history] == [(current, target)]
    else:
        assert reply.error["code"] == "invalid_state_transition"
        assert reply.error["param"] == "status"
        assert (sub.status, sub.history) == (current, ())


async def test_history_records_each_applied_change_with_its_options_and_request_id(
    wire: Wire,
) -> None:
    paused = await wire.status({"status": "paused", "pause_behavior": "void"})
    await wire.status({"status": "paused"})  # refused: already paused
    await wire.status({"status": "active", "proration_behavior": "none"})

    history = wire.fake.subscription(SUB).history
    assert [(c.from_status, c.to_status) for c in history] == [
        ("active", "paused"),
        ("paused", "active"),
    ]
    assert history[0].options == {"pause_behavior": "void"}
    assert history[0].request_id == paused.headers["x-request-id"]
    assert history[0].at == NOW
    assert history[1].options == {"proration_behavior": "none"}


async def test_unknown_subscription_is_404_not_found(wire: Wire) -> None:
    reply = await wire.status({"status": "paused"}, "sub_nobody")

    assert reply.status == 404
    assert reply.error["code"] == "not_found"


@pytest.mark.parametrize(
    ("headers", "status", "code", "param"),
    [
        ({}, 401, "unauthorized", None),
        ({"Authorization": "Bearer sk_test_wrong"}, 401, "unauthorized", None),
        ({"Authorization": "Bearer sk_test_fake"}, 400, "invalid_request", "x-merchant-account-id"),
        (
            {"Authorization": "Bearer sk_test_fake", "x-merchant-account-id": "acct_other"},
            403,
            "forbidden",
            "x-merchant-account-id",
        ),
    ],
)
async def test_auth_and_merchant_header_errors(
    wire: Wire, headers: dict[str, str], status: int, code: str, param: str | None
) -> None:
    reply = await wire.status({"status": "paused"}, headers=headers)

    assert reply.status == status
    assert reply.json == {
        "error": {"code": code, "message": reply.error["message"], "param": param}
    }
    assert wire.fake.subscription(SUB).status == "active"


def test_add_subscription_implies_the_fields_of_its_status() -> None:
    fake = FakeEFundPay(sample_data=False, clock=lambda: NOW)

    paused = fake.subscription(fake.add_subscription(status="paused"))
    cancelled = fake.subscription(fake.add_subscription(status="cancelled"))

    assert paused.pause_collection is not None
    assert (paused.paused_at, paused.next_billing_date) == (NOW, None)
    assert (cancelled.canceled_at, cancelled.ended_at) == (NOW, NOW)
    with pytest.raises(ValueError, match="status must be one of"):
        fake.add_subscription(status="trialing")


def test_snapshots_are_read_only() -> None:
    fake = FakeEFundPay()
    sub = fake.subscription(SUB)

    with pytest.raises(TypeError):
        sub.metadata["x"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        sub.status = "paused"  # type: ignore[misc]
