"""The fake's ``idempotency-key``: replay without reapplying, refuse a reused key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.test_fake_support import SUB, Wire, open_wire

pytestmark = pytest.mark.anyio

PAUSE = {"status": "paused", "pause_behavior": "void", "reason": "holiday"}


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    async with open_wire() as wire:
        yield wire


def keyed(wire: Wire, key: str) -> dict[str, str]:
    return {**wire.auth(), "idempotency-key": key}


async def test_same_key_and_body_replays_the_stored_response_without_applying(
    wire: Wire,
) -> None:
    first = await wire.status(PAUSE, headers=keyed(wire, "k1"))
    replay = await wire.status(PAUSE, headers=keyed(wire, "k1"))

    assert (first.status, replay.status) == (200, 200)
    assert replay.json == first.json
    assert replay.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert replay.headers["x-request-id"] != first.headers["x-request-id"]
    assert len(wire.fake.subscription(SUB).history) == 1
    assert [(r.applied, r.replayed) for r in wire.fake.requests] == [(True, False), (False, True)]


async def test_key_order_and_whitespace_do_not_make_a_different_request(wire: Wire) -> None:
    headers = {**keyed(wire, "k1"), "Content-Type": "application/json"}
    path = f"/v4/subscriptions/{SUB}/status"

    await wire.post(path, headers=headers, data=b'{"status":"paused","reason":"r"}')
    replay = await wire.post(path, headers=headers, data=b'{ "reason": "r",\n "status": "paused" }')

    assert replay.status == 200
    assert replay.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize(
    ("second_body", "second_sub"),
    [({**PAUSE, "reason": "other"}, SUB), (PAUSE, "sub_other")],
    ids=["different body", "different subscription"],
)
async def test_same_key_for_a_different_request_is_422_idempotency_key_reused(
    wire: Wire, second_body: dict[str, Any], second_sub: str
) -> None:
    wire.fake.add_subscription("sub_other")
    await wire.status(PAUSE, headers=keyed(wire, "k1"))

    reply = await wire.status(second_body, second_sub, headers=keyed(wire, "k1"))

    assert reply.status == 422
    assert reply.error["code"] == "idempotency_key_reused"
    assert reply.error["param"] == "idempotency-key"
    assert wire.fake.subscription("sub_other").status == "active"
    assert wire.fake.requests[-1].applied is False


async def test_a_refused_transition_is_stored_and_replayed_too(wire: Wire) -> None:
    wire.fake.add_subscription("sub_paused", status="paused")

    first = await wire.status({"status": "paused"}, "sub_paused", headers=keyed(wire, "k1"))
    replay = await wire.status({"status": "paused"}, "sub_paused", headers=keyed(wire, "k1"))

    assert (first.status, replay.status) == (409, 409)
    assert replay.json == first.json
    assert replay.headers["idempotent-replayed"] == "true"


async def test_a_400_is_not_stored_so_a_corrected_body_may_reuse_the_key(wire: Wire) -> None:
    bad = await wire.status({"status": "paused", "reason": ""}, headers=keyed(wire, "k1"))
    good = await wire.status(PAUSE, headers=keyed(wire, "k1"))

    assert (bad.status, good.status) == (400, 200)
    assert wire.fake.requests[-1].applied is True


async def test_requests_without_a_key_are_processed_every_time(wire: Wire) -> None:
    first = await wire.status(PAUSE)
    second = await wire.status(PAUSE)

    assert (first.status, second.status) == (200, 409)
    assert "idempotent-replayed" not in second.headers


async def test_keys_are_independent_of_each_other(wire: Wire) -> None:
    await wire.status(PAUSE, headers=keyed(wire, "k1"))

    reply = await wire.status({"status": "active"}, headers=keyed(wire, "k2"))

    assert reply.status == 200
    assert wire.fake.subscription(SUB).status == "active"


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_an_empty_or_overlong_key_is_400(wire: Wire, key: str) -> None:
    reply = await wire.status(PAUSE, headers=keyed(wire, key))

    assert reply.status == 400
    assert reply.error["param"] == "idempotency-key"


async def test_a_retry_after_a_5xx_that_applied_replays_the_success_once(wire: Wire) -> None:
    wire.fake.fail_next(503, apply=True, operation="subscriptions.status")

    failed = await wire.status(PAUSE, headers=keyed(wire, "k1"))
    retried = await wire.status(PAUSE, headers=keyed(wire, "k1"))

    assert (failed.status, retried.status) == (503, 200)
    assert retried.headers["idempotent-replayed"] == "true"
    assert retried.json["status"] == "paused"
    assert len(wire.fake.subscription(SUB).history) == 1
    assert sum(r.applied for r in wire.fake.requests) == 1
