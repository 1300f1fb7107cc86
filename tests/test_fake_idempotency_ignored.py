"""``FakeEFundPay(honour_idempotency_keys=False)``: an eFundPay that ignores ``idempotency-key``
on ``/status`` (its page does not document the header there), and what the SDK then does.

The SDK retries a status change whose answer was lost, with the same key.  When the server
ignores the key, the retry is a new request: for pause and cancel it sets a state that is
already set, so the change is applied once but the call ends in a ``409`` the caller must
read as "probably done"; a change made by someone else between the attempts is undone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from efundpay import ConflictError, EFundPay, RetryEvent, RetryPolicy
from efundpay.testing import FakeEFundPay
from tests.test_fake_support import SUB, open_wire, post_sync

HEADERS = {
    "Authorization": "Bearer sk_test_fake",
    "x-merchant-account-id": "acct_fake",
    "Content-Type": "application/json",
    "idempotency-key": "key-1",
}


@pytest.fixture
def fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay(honour_idempotency_keys=False) as server:
        yield server


def client_for(
    fake: FakeEFundPay, on_retry: Callable[[RetryEvent], None] | None = None
) -> EFundPay:
    policy = RetryPolicy(initial_backoff=0.0, max_backoff=0.0, on_retry=on_retry)
    return EFundPay(**fake.client_kwargs(), retry=policy)


@pytest.mark.anyio
@pytest.mark.parametrize("honour", [True, False])
async def test_the_same_key_twice_replays_only_when_keys_are_honoured(honour: bool) -> None:
    async with open_wire(honour_idempotency_keys=honour) as wire:
        first = await wire.status({"status": "paused"}, headers=HEADERS)
        second = await wire.status({"status": "paused"}, headers=HEADERS)
        other = await wire.status({"status": "active"}, headers=HEADERS)
        history = wire.fake.subscription(SUB).history

    assert first.status == 200
    if honour:
        assert (second.status, second.headers.get("idempotent-replayed")) == (200, "true")
        assert (other.status, other.error["code"]) == (422, "idempotency_key_reused")
        assert len(history) == 1
    else:
        assert (second.status, second.error["code"]) == (409, "invalid_state_transition")
        assert "idempotent-replayed" not in second.headers
        assert other.status == 200  # the key no longer binds the request
        assert [change.to_status for change in history] == ["paused", "active"]


@pytest.mark.parametrize("action", ["pause", "cancel"])
def test_a_lost_answer_is_retried_applies_once_and_ends_in_a_409(
    fake: FakeEFundPay, action: str
) -> None:
    fake.fail_next(503, apply=True, operation="subscriptions.status")
    with client_for(fake) as client, pytest.raises(ConflictError) as caught:
        getattr(client.subscriptions, action)(SUB)

    error = caught.value
    assert (error.status_code, error.code) == (409, "invalid_state_transition")
    assert (error.outcome_unknown, error.attempts) == (True, 2)
    # Applied exactly once: the retry found the state already set and changed nothing.
    assert len(fake.subscription(SUB).history) == 1
    first, retry = fake.requests
    assert (first.status, first.applied, retry.applied, retry.replayed) == (503, True, False, False)
    assert first.headers["idempotency-key"] == retry.headers["idempotency-key"]


def test_a_change_made_between_the_attempts_is_undone_by_the_retry(fake: FakeEFundPay) -> None:
    # Someone resumes the subscription while the SDK waits to retry its pause.
    def resume_meanwhile(event: RetryEvent) -> None:
        body = json.dumps({"status": "active"}).encode()
        headers = {**HEADERS, "idempotency-key": "someone-else"}
        reply = post_sync(fake, f"/v4/subscriptions/{SUB}/status", headers=headers, body=body)
        assert reply.status == 200

    fake.fail_next(503, apply=True, operation="subscriptions.status")
    with client_for(fake, on_retry=resume_meanwhile) as client:
        sub = client.subscriptions.pause(SUB)

    assert sub.status == "paused"
    changes = [change.to_status for change in fake.subscription(SUB).history]
    assert changes == ["paused", "active", "paused"]  # the resume was silently undone


def test_with_keys_honoured_the_same_race_keeps_the_other_change() -> None:
    with FakeEFundPay() as fake:

        def resume_meanwhile(event: RetryEvent) -> None:
            body = json.dumps({"status": "active"}).encode()
            headers = {**HEADERS, "idempotency-key": "someone-else"}
            post_sync(fake, f"/v4/subscriptions/{SUB}/status", headers=headers, body=body)

        fake.fail_next(503, apply=True, operation="subscriptions.status")
        with client_for(fake, on_retry=resume_meanwhile) as client:
            sub = client.subscriptions.pause(SUB)
        changes = [change.to_status for change in fake.subscription(SUB).history]

    assert sub.status == "paused"  # the stored answer of the first attempt, replayed
    assert changes == ["paused", "active"]
