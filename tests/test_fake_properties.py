"""Properties of the fake that must hold for any input: no body crashes it, status changes
follow the documented state machine, and faults never make it apply a keyed change twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efundpay.testing import FakeEFundPay, RecordedRequest
from tests.test_fake_support import Reply, open_wire, post_sync

OPTION_NAMES = [
    "status", "pause_behavior", "resume_at", "billing_cycle_anchor", "proration_behavior",
    "at_period_end", "cancellation_reason", "prorate", "reason", "metadata", "extra",
]  # fmt: skip
VALUES = [
    "paused", "active", "cancelled", "void", "now", "none", "other", "true",
    "2025-03-01T00:00:00Z", "2025-03-01T00:00:00", "",
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(VALUES) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)
bodies = st.dictionaries(st.sampled_from(OPTION_NAMES), json_values, max_size=4)

# Target statuses reachable from each status (the docs' state machine, as the brief states it).
ALLOWED = {
    "paused": {"active", "past_due"},
    "active": {"paused"},
    "cancelled": {"active", "paused", "past_due", "failed"},
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeEFundPay]:
    # Module scope: Hypothesis runs many examples per test; each makes its own subscription.
    with FakeEFundPay(sample_data=False) as fake:
        yield fake


def change(fake: FakeEFundPay, subscription_id: str, body: Any) -> Reply:
    headers = {
        "Authorization": f"Bearer {fake.api_key}",
        "x-merchant-account-id": fake.merchant_account_id,
        "Content-Type": "application/json",
    }
    path = f"/v4/subscriptions/{subscription_id}/status"
    return post_sync(fake, path, headers=headers, body=json.dumps(body).encode())


@settings(max_examples=150, deadline=None)
@given(body=bodies)
def test_any_json_body_gets_a_documented_answer_and_never_a_crash(
    fake: FakeEFundPay, body: dict[str, Any]
) -> None:
    subscription_id = fake.add_subscription()

    reply = change(fake, subscription_id, body)

    assert reply.status in {200, 400, 409}
    if reply.status == 200:
        assert reply.json["status"] == body["status"]
    else:
        assert set(reply.json) == {"error"}
        assert set(reply.error) == {"code", "message", "param"}
        assert fake.subscription(subscription_id).status == "active"  # refused: unchanged


@settings(max_examples=60, deadline=None)
@given(
    start=st.sampled_from(["active", "paused", "cancelled", "past_due", "failed"]),
    targets=st.lists(st.sampled_from(["paused", "active", "cancelled"]), max_size=6),
)
def test_status_changes_follow_the_state_machine(
    fake: FakeEFundPay, start: str, targets: list[str]
) -> None:
    subscription_id = fake.add_subscription(status=start)
    model = start

    for target in targets:
        reply = change(fake, subscription_id, {"status": target})
        if target == model:
            assert reply.status == 409
        elif model == "cancelled":
            assert reply.status == 422
        elif model in ALLOWED[target]:
            assert reply.status == 200
            model = target
        else:
            assert reply.status == 409

    sub = fake.subscription(subscription_id)
    assert sub.status == model
    assert (sub.next_billing_date is None) == (model in {"paused", "cancelled"})


async def pause_through_faults(seed: int) -> list[RecordedRequest]:
    """Retry one keyed pause through random faults until an answer; return the log."""
    async with open_wire() as wire:
        wire.fake.random_faults(0.6, seed=seed, delay=0.01)
        headers = {**wire.auth(), "idempotency-key": f"soak-{seed}"}
        for _ in range(30):
            try:
                reply = await wire.status({"status": "paused"}, headers=headers)
            except aiohttp.ServerDisconnectedError:
                continue
            if reply.status < 500 and reply.status != 429:
                assert (reply.status, reply.json["status"]) == (200, "paused")
                break
        else:
            pytest.fail("no answer after 30 attempts")
        assert len(wire.fake.subscription("sub_1234567890abcdef").history) == 1
        return wire.fake.requests


@pytest.mark.anyio
async def test_a_keyed_change_retried_through_random_faults_is_applied_once() -> None:
    logs = [await pause_through_faults(seed) for seed in range(12)]

    assert all(sum(record.applied for record in log) == 1 for log in logs)
    # The seeds really exercised the hard case: applied, yet the client saw a failure.
    assert any(
        record.applied and record.fault is not None and "delay" not in record.fault
        for log in logs
        for record in log
    )
