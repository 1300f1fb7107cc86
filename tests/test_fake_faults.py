"""Injected faults: each kind does what it says, to the operation it targets, ``times`` times,
and the request log says whether the action was applied."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import aiohttp
import anyio
import pytest

from efundpay.testing import FakeEFundPay, RandomFaultKind
from tests.test_fake_support import CUS, SUB, Wire, open_wire

pytestmark = pytest.mark.anyio

PAUSE = {"status": "paused"}


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    async with open_wire() as wire:
        yield wire


# -- fail_next -------------------------------------------------------------------------------


async def test_fail_next_answers_a_v4_error_object_and_applies_nothing(wire: Wire) -> None:
    wire.fake.fail_next(503)

    failed = await wire.status(PAUSE)
    normal = await wire.status(PAUSE)

    assert failed.status == 503
    assert failed.json == {
        "error": {"code": "service_unavailable", "message": "Service Unavailable", "param": None}
    }
    assert "x-request-id" in failed.headers
    assert normal.status == 200
    assert [(r.applied, r.fault) for r in wire.fake.requests] == [
        (False, "status(503, apply=False)"),
        (True, None),
    ]


async def test_fail_next_answers_a_v3_envelope_for_a_toggle(wire: Wire) -> None:
    wire.fake.fail_next(500, code="BOOM", message="down for lunch")

    reply = await wire.toggle()

    assert reply.status == 500
    assert reply.json["item"] is None
    assert reply.json["code"] == "BOOM"
    assert reply.error["code"] == "BOOM"
    assert reply.error["message"] == "down for lunch"
    assert wire.fake.customer(CUS).toggle_count == 0


async def test_exceeded_limit_can_arrive_with_http_200(wire: Wire) -> None:
    wire.fake.fail_next(200, code="EXCEEDED_LIMIT", operation="customers.toggle")

    reply = await wire.toggle()

    assert reply.status == 200
    assert reply.json["code"] == "EXCEEDED_LIMIT"
    assert reply.json["item"] is None
    assert wire.fake.customer(CUS).toggle_count == 0


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        (0, "0"),
        (2, "2"),
        (1.5, "1.5"),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"),
        (datetime(2015, 10, 21, 7, 28, tzinfo=UTC), "Wed, 21 Oct 2015 07:28:00 GMT"),
    ],
)
async def test_retry_after_is_sent_as_given(
    wire: Wire, retry_after: float | str | datetime, header: str
) -> None:
    wire.fake.fail_next(429, retry_after=retry_after)

    reply = await wire.status(PAUSE)

    assert reply.status == 429
    assert reply.headers["Retry-After"] == header
    assert reply.error["code"] == "rate_limited"


@pytest.mark.parametrize(
    ("body", "sent"),
    [(b"<not json>", b"<not json>"), ({"message": "raw"}, b'{"message":"raw"}')],
)
async def test_fail_next_sends_a_raw_body_verbatim(
    wire: Wire, body: bytes | dict[str, str], sent: bytes
) -> None:
    wire.fake.fail_next(502, body=body)

    reply = await wire.status(PAUSE)

    assert (reply.status, reply.body) == (502, sent)


async def test_fail_next_with_apply_makes_the_change_then_fails(wire: Wire) -> None:
    wire.fake.fail_next(500, apply=True)

    reply = await wire.toggle()

    assert reply.status == 500
    assert wire.fake.customer(CUS).is_active is False
    assert wire.fake.requests[-1].applied is True


async def test_a_fault_fires_times_times_then_requests_are_normal(wire: Wire) -> None:
    wire.fake.fail_next(503, times=2)

    statuses = [(await wire.toggle()).status for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert wire.fake.pending_faults == 0


async def test_a_fault_limited_to_an_operation_waits_for_it_in_fifo_order(wire: Wire) -> None:
    wire.fake.fail_next(502, operation="subscriptions.status")
    wire.fake.fail_next(503, operation="customers.toggle")
    wire.fake.fail_next(504)

    toggle = await wire.toggle()
    status = await wire.status(PAUSE)
    other = await wire.toggle()

    assert (toggle.status, status.status, other.status) == (503, 502, 504)


# -- delay_next ------------------------------------------------------------------------------


async def test_delay_applies_at_once_and_holds_the_response(wire: Wire) -> None:
    wire.fake.delay_next(5.0, operation="customers.toggle")
    start = time.monotonic()

    with pytest.raises(TimeoutError):
        await wire.toggle(within=0.1)

    assert time.monotonic() - start < 5.0  # gave up before the delay ended
    assert wire.fake.customer(CUS).is_active is False


async def test_a_delayed_request_does_not_block_other_requests(wire: Wire) -> None:
    wire.fake.delay_next(5.0, operation="customers.toggle")
    finished: list[str] = []

    async def slow() -> None:
        await wire.toggle()
        finished.append("slow")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(slow)
        with anyio.fail_after(10):  # let the slow request reach the fake first
            while wire.fake.in_flight == 0:  # noqa: ASYNC110 - the fake offers no event
                await anyio.sleep(0.01)
        start = time.monotonic()
        assert (await wire.status(PAUSE)).status == 200
        elapsed = time.monotonic() - start
        finished.append("fast")

    assert elapsed < 5.0  # not held behind the slow request
    assert finished == ["fast", "slow"]


async def test_delay_without_apply_never_handles_a_request_whose_client_gave_up(
    wire: Wire,
) -> None:
    wire.fake.delay_next(0.5, apply=False)

    # The client gives up once the fake holds its request (not after a fixed 50 ms, which a
    # busy machine could spend before the request even arrives).
    replies: list[object] = []

    async def toggle() -> None:
        replies.append(await wire.toggle())

    async with anyio.create_task_group() as calls:
        calls.start_soon(toggle)
        with anyio.fail_after(10):
            while not wire.fake.in_flight:  # noqa: ASYNC110 - the count lives in the fake
                await anyio.sleep(0.005)
        calls.cancel_scope.cancel()
    assert replies == []  # the client gave up before any answer
    with anyio.fail_after(10):
        await wire.fake.await_idle()  # the held request ends and is recorded

    assert wire.fake.customer(CUS).toggle_count == 0
    (record,) = wire.fake.requests
    assert (record.applied, record.status) == (False, None)


async def test_delay_without_apply_handles_the_request_for_a_patient_client(wire: Wire) -> None:
    wire.fake.delay_next(0.05, apply=False)

    reply = await wire.toggle()

    assert reply.status == 200
    assert wire.fake.requests[-1].applied is True


async def test_await_idle_waits_until_held_requests_are_recorded(wire: Wire) -> None:
    wire.fake.delay_next(0.2)
    with pytest.raises(TimeoutError):
        await wire.toggle(within=0.05)

    assert (wire.fake.in_flight, wire.fake.requests) == (1, [])
    with anyio.fail_after(2):
        await wire.fake.await_idle()

    assert wire.fake.in_flight == 0
    (record,) = wire.fake.requests
    assert (record.applied, record.fault) == (True, "delay(0.2s, apply=True)")


async def test_sync_wait_idle_refuses_to_block_the_loop_serving_the_fake(wire: Wire) -> None:
    with pytest.raises(RuntimeError, match="await_idle"):
        wire.fake.wait_idle()


# -- drop_next -------------------------------------------------------------------------------


@pytest.mark.parametrize("after_apply", [False, True])
async def test_drop_closes_the_connection_without_a_response(wire: Wire, after_apply: bool) -> None:
    wire.fake.drop_next(after_apply=after_apply, operation="subscriptions.status")

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await wire.status(PAUSE)

    assert wire.fake.subscription(SUB).status == ("paused" if after_apply else "active")
    (record,) = wire.fake.requests
    assert record.status is None
    assert record.applied is after_apply
    assert record.fault == f"drop(after_apply={after_apply})"
    assert (await wire.status({"status": "cancelled"})).status == 200  # the server lives on


# -- malformed_next --------------------------------------------------------------------------


async def test_malformed_html_is_an_error_page_with_an_html_content_type(wire: Wire) -> None:
    wire.fake.malformed_next("html", status=502, apply=False)

    reply = await wire.status(PAUSE)

    assert reply.status == 502
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.body.startswith(b"<!DOCTYPE html>")
    assert b"502 Bad Gateway" in reply.body
    assert wire.fake.requests[-1].applied is False


async def test_malformed_truncated_json_has_a_matching_length_but_cannot_parse(
    wire: Wire,
) -> None:
    wire.fake.malformed_next("truncated_json")

    reply = await wire.status(PAUSE)

    assert reply.status == 200
    assert int(reply.headers["Content-Length"]) == len(reply.body) > 0
    assert reply.body.startswith(b'{"id":"sub_1234567890abcdef"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.body)
    assert wire.fake.requests[-1].applied is True


async def test_malformed_wrong_types_keeps_the_shape_with_wrongly_typed_fields(
    wire: Wire,
) -> None:
    wire.fake.malformed_next("wrong_types", times=2)

    v4 = (await wire.status(PAUSE)).json
    v3 = (await wire.toggle()).json

    assert (v4["status"], v4["id"], v4["livemode"]) == (42, 123, "no")
    assert v4["customer"]["id"] == "cus_abc123"  # the rest still looks right
    assert v3["code"] == "SUCCESS"
    assert v3["item"]["isActive"] == "maybe"
    assert v3["item"]["recurringPayment"]["amount"] == "ten"
    assert v3["item"]["email"] == "jane@example.com"


async def test_malformed_empty_and_not_an_object(wire: Wire) -> None:
    wire.fake.malformed_next("empty", apply=False, status=500)
    wire.fake.malformed_next("not_an_object", apply=False)

    empty = await wire.status(PAUSE)
    listed = await wire.status(PAUSE)

    assert (empty.status, empty.body) == (500, b"")
    assert listed.status == 200
    assert isinstance(listed.json, list)
    assert listed.json[0]["id"] == SUB
    assert wire.fake.subscription(SUB).status == "active"


# -- random_faults and clearing --------------------------------------------------------------


async def fault_labels(seed: int) -> list[str | None]:
    async with open_wire() as wire:
        wire.fake.random_faults(0.5, seed=seed, kinds=["error_before_apply", "rate_limit"])
        for _ in range(20):
            await wire.toggle()
        return [r.fault for r in wire.fake.requests]


async def test_random_faults_are_repeatable_with_a_seed() -> None:
    first, again = await fault_labels(7), await fault_labels(7)

    assert first == again
    assert {None, "status(503, apply=False)", "status(429, apply=False)"} == set(first)


@pytest.mark.parametrize(
    ("kind", "status", "applied"),
    [
        ("error_before_apply", 503, False),
        ("error_after_apply", 500, True),
        ("rate_limit", 429, False),
        ("delay", 200, True),
        ("drop_before_apply", None, False),
        ("drop_after_apply", None, True),
    ],
)
async def test_each_random_fault_kind(
    wire: Wire, kind: RandomFaultKind, status: int | None, applied: bool
) -> None:
    wire.fake.random_faults(1.0, kinds=[kind], delay=0.01)

    try:
        reply_status: int | None = (await wire.toggle()).status
    except aiohttp.ServerDisconnectedError:
        reply_status = None

    record = wire.fake.requests[-1]
    assert (reply_status, record.status, record.applied) == (status, status, applied)
    assert record.fault is not None


async def test_clear_faults_forgets_queued_and_random_faults(wire: Wire) -> None:
    wire.fake.fail_next(503, times=5)
    wire.fake.random_faults(1.0)

    wire.fake.clear_faults()

    assert (await wire.toggle()).status == 200
    assert wire.fake.pending_faults == 0


async def test_random_faults_with_rate_zero_are_off(wire: Wire) -> None:
    wire.fake.random_faults(1.0, kinds=["error_before_apply"])

    wire.fake.random_faults(0)

    assert (await wire.toggle()).status == 200


@pytest.mark.parametrize(
    "call",
    [
        lambda fake: fake.fail_next(42),
        lambda fake: fake.fail_next(503, times=0),
        lambda fake: fake.fail_next(503, operation="customers.delete"),
        lambda fake: fake.fail_next(429, retry_after=-1),
        lambda fake: fake.fail_next(429, retry_after=datetime(2025, 1, 1)),
        lambda fake: fake.delay_next(-1),
        lambda fake: fake.malformed_next("xml"),
        lambda fake: fake.random_faults(1.5),
        lambda fake: fake.random_faults(0.5, kinds=["meteor"]),
        lambda fake: fake.random_faults(0.5, kinds=[]),
    ],
)
def test_fault_arguments_are_checked_when_queued(
    call: Callable[[FakeEFundPay], object],
) -> None:
    fake = FakeEFundPay()

    with pytest.raises(ValueError):  # noqa: PT011 - each call has its own message
        call(fake)

    assert fake.pending_faults == 0
