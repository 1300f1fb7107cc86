"""Routing on the raw path (no id can change the route), request ids, and the request log."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest

from tests.test_fake_support import CUS, SUB, Wire, open_wire

pytestmark = pytest.mark.anyio


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    async with open_wire() as wire:
        yield wire


HOSTILE_IDS = [
    # (raw id segment as sent, id the fake decodes)
    ("sub%2F..%2Fx", "sub/../x"),
    ("%2E%2E", ".."),
    ("..", ".."),
    (".", "."),
    ("", ""),
    (f"{SUB}%2F..%2F..%2F..%2Fv3%2Frecurring-payment%2F{CUS}%2Ftoggle", None),
    (f"{SUB}%3Fx%3D1", f"{SUB}?x=1"),
    (f"{SUB}%23frag", f"{SUB}#frag"),
    (f"{SUB}%00", f"{SUB}\x00"),
    (f"{SUB}%20", f"{SUB} "),
]


@pytest.mark.parametrize(("raw_id", "decoded"), HOSTILE_IDS)
async def test_an_encoded_id_is_one_opaque_segment_and_unknown_ids_are_404(
    wire: Wire, raw_id: str, decoded: str | None
) -> None:
    path = f"/v4/subscriptions/{raw_id}/status"

    reply = await wire.post(path, json_body={"status": "paused"})

    assert reply.status == 404
    assert reply.error["code"] == "not_found"
    (record,) = wire.fake.requests
    assert record.raw_path == path  # nothing on the way normalised it
    assert record.operation == "subscriptions.status"
    if decoded is not None:
        assert record.path_params == {"subscription_id": decoded}
    assert wire.fake.subscription(SUB).status == "active"
    assert wire.fake.customer(CUS).toggle_count == 0


async def test_percent_decoding_of_an_id_finds_the_object_it_names(wire: Wire) -> None:
    customer_id = wire.fake.add_customer("cus/1 ü")

    reply = await wire.toggle("cus%2F1%20%C3%BC")
    encoded_letter = await wire.status({"status": "paused"}, SUB[:-1] + "%66")  # %66 == "f"

    assert reply.json["item"]["id"] == customer_id
    assert wire.fake.customer(customer_id).toggle_count == 1
    assert encoded_letter.status == 200


@pytest.mark.parametrize(
    "path",
    [
        f"/v4/subscriptions/{SUB}",
        f"/v4/subscriptions/{SUB}/status/",
        f"/v4/subscriptions/{SUB}/status/extra",
        f"/v4%2Fsubscriptions/{SUB}/status",
        f"/v4/subscriptions/{SUB}%2Fstatus",
        f"/v5/subscriptions/{SUB}/status",
        f"//v4/subscriptions/{SUB}/status",
        "/",
    ],
)
async def test_a_path_that_is_not_exactly_an_operation_is_404_v4_style(
    wire: Wire, path: str
) -> None:
    reply = await wire.post(path, json_body={"status": "paused"})

    assert reply.status == 404
    assert reply.error["code"] == "not_found"
    assert wire.fake.requests[-1].operation is None
    assert wire.fake.subscription(SUB).status == "active"


async def test_an_unknown_v3_path_is_404_in_the_v3_envelope(wire: Wire) -> None:
    reply = await wire.post(f"/v3/recurring-payment/{CUS}/toggle/now")

    assert reply.status == 404
    assert reply.json["item"] is None
    assert reply.json["code"] == "NOT_FOUND"


async def test_a_query_string_does_not_change_the_route(wire: Wire) -> None:
    reply = await wire.post(f"/v3/recurring-payment/{CUS}/toggle?dry_run=true")

    assert reply.status == 200
    assert wire.fake.requests[-1].path_params == {"customer_id": CUS}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_other_methods_are_405_with_allow_post(wire: Wire, method: str) -> None:
    reply = await wire.post(f"/v3/recurring-payment/{CUS}/toggle", method=method)

    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
    assert wire.fake.customer(CUS).toggle_count == 0


async def test_every_response_carries_its_own_request_id(wire: Wire) -> None:
    wire.fake.fail_next(503, times=1)
    wire.fake.malformed_next("html", apply=False)
    replies = [
        await wire.toggle(),  # injected 503
        await wire.toggle(),  # injected HTML
        await wire.toggle(),  # success
        await wire.toggle("cus_nobody"),  # 404
        await wire.status({"status": "paused"}, headers={}),  # 401
        await wire.post("/nowhere"),  # unknown route
    ]

    ids = [reply.headers["x-request-id"] for reply in replies]
    assert all(re.fullmatch(r"req_[0-9a-f]{24}", request_id) for request_id in ids)
    assert len(set(ids)) == len(ids)
    assert [record.request_id for record in wire.fake.requests] == ids


async def test_the_request_log_records_what_was_sent_and_what_happened(wire: Wire) -> None:
    headers = {**wire.auth(), "idempotency-key": "k1", "X-Custom": "yes"}
    await wire.status({"status": "paused", "reason": "r"}, headers=headers)
    await wire.toggle("cus_nobody")

    paused, missing = wire.fake.requests
    assert paused.method == "POST"
    assert paused.raw_path == f"/v4/subscriptions/{SUB}/status"
    assert paused.path_params == {"subscription_id": SUB}
    assert paused.operation == "subscriptions.status"
    assert paused.headers["x-custom"] == "yes"  # case-insensitive
    assert paused.headers["Idempotency-Key"] == "k1"
    assert paused.body == b'{"status": "paused", "reason": "r"}'
    assert paused.json == {"status": "paused", "reason": "r"}
    assert (paused.status, paused.applied, paused.fault, paused.replayed) == (
        200,
        True,
        None,
        False,
    )
    assert (missing.operation, missing.status, missing.applied) == ("customers.toggle", 404, False)
    assert (missing.body, missing.json) == (b"", None)


async def test_a_body_that_is_not_json_is_logged_raw_with_json_none(wire: Wire) -> None:
    await wire.post(f"/v3/recurring-payment/{CUS}/toggle", data=b"\x00not json")

    (record,) = wire.fake.requests
    assert (record.body, record.json, record.status) == (b"\x00not json", None, 200)


async def test_clear_requests_empties_the_log_and_requests_is_a_copy(wire: Wire) -> None:
    await wire.toggle()
    snapshot = wire.fake.requests

    wire.fake.clear_requests()

    assert wire.fake.requests == []
    assert len(snapshot) == 1


async def test_each_request_is_logged_with_its_decoded_id(
    wire: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="efundpay.testing"):
        await wire.post("/v4/subscriptions/sub%2F..%2Fx/status", json_body={"status": "paused"})

    (message,) = [r.getMessage() for r in caplog.records if r.name == "efundpay.testing"]
    assert "subscriptions.status 'sub/../x' -> 404" in message
    assert wire.fake.api_key not in message
