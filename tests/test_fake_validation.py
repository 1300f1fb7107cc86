"""The fake refuses every v4 body the real API would refuse, naming the offending field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.test_fake_support import SUB, Wire, open_wire

pytestmark = pytest.mark.anyio


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    async with open_wire() as wire:
        yield wire


def case(rule: str, param: str, body: dict[str, Any]) -> Any:
    """One invalid body: the rule it breaks (the test id) and the param the error names."""
    return pytest.param(body, param, id=rule)


INVALID_BODIES = [
    case("status is required", "status", {}),
    case("status is required even with options", "status", {"reason": "x"}),
    case("status must be a known value", "status", {"status": "canceled"}),
    case("status must be a string", "status", {"status": 1}),
    case("status must not be null", "status", {"status": None}),
    case(
        "pause_behavior must be known",
        "pause_behavior",
        {"status": "paused", "pause_behavior": "later"},
    ),
    case(
        "pause_behavior must not be null",
        "pause_behavior",
        {"status": "paused", "pause_behavior": None},
    ),
    case(
        "resume_at must have a timezone",
        "resume_at",
        {"status": "paused", "resume_at": "2025-03-01T00:00:00"},
    ),
    case(
        "resume_at must be ISO 8601", "resume_at", {"status": "paused", "resume_at": "next tuesday"}
    ),
    case("resume_at must be a string", "resume_at", {"status": "paused", "resume_at": 1740787200}),
    case(
        "billing_cycle_anchor must be known",
        "billing_cycle_anchor",
        {"status": "active", "billing_cycle_anchor": "later"},
    ),
    case(
        "proration_behavior must be known",
        "proration_behavior",
        {"status": "active", "proration_behavior": "always"},
    ),
    case(
        "at_period_end must be a JSON bool, not a string",
        "at_period_end",
        {"status": "cancelled", "at_period_end": "true"},
    ),
    case(
        "at_period_end must be a JSON bool, not a number",
        "at_period_end",
        {"status": "cancelled", "at_period_end": 1},
    ),
    case("prorate must be a JSON bool", "prorate", {"status": "cancelled", "prorate": "false"}),
    case(
        "cancellation_reason must be known",
        "cancellation_reason",
        {"status": "cancelled", "cancellation_reason": "bored"},
    ),
    case("reason must not be empty", "reason", {"status": "paused", "reason": ""}),
    case(
        "reason must be at most 255 characters", "reason", {"status": "paused", "reason": "x" * 256}
    ),
    case("reason must be a string", "reason", {"status": "paused", "reason": 5}),
    case(
        "metadata must be an object, not a string",
        "metadata",
        {"status": "paused", "metadata": "{}"},
    ),
    case(
        "metadata must be an object, not a list", "metadata", {"status": "paused", "metadata": []}
    ),
    case(
        "a cancel option does not belong to a pause",
        "at_period_end",
        {"status": "paused", "at_period_end": True},
    ),
    case(
        "a resume option does not belong to a pause",
        "proration_behavior",
        {"status": "paused", "proration_behavior": "none"},
    ),
    case(
        "a pause option does not belong to a resume",
        "pause_behavior",
        {"status": "active", "pause_behavior": "void"},
    ),
    case(
        "a cancel option does not belong to a resume",
        "prorate",
        {"status": "active", "prorate": False},
    ),
    case(
        "a resume option does not belong to a cancel",
        "billing_cycle_anchor",
        {"status": "cancelled", "billing_cycle_anchor": "now"},
    ),
    case(
        "a pause option does not belong to a cancel",
        "resume_at",
        {"status": "cancelled", "resume_at": "2025-03-01T00:00:00Z"},
    ),
    case(
        "unknown keys are refused",
        "pause_behaviour",
        {"status": "paused", "pause_behaviour": "void"},
    ),
]


@pytest.mark.parametrize(("body", "param"), INVALID_BODIES)
async def test_invalid_body_is_400_invalid_request_naming_the_field(
    wire: Wire, body: dict[str, Any], param: str
) -> None:
    reply = await wire.status(body)

    assert reply.status == 400
    assert reply.error["code"] == "invalid_request"
    assert reply.error["param"] == param
    assert reply.error["message"]
    assert wire.fake.subscription(SUB).status == "active"
    assert wire.fake.requests[-1].applied is False


INVALID_PAYLOADS: list[tuple[str, bytes, str | None]] = [
    # (rule, raw body, Content-Type)
    ("the body must be JSON", b"status=paused", "application/json"),
    ("the body must be a JSON object", b'["paused"]', "application/json"),
    ("the body must not be empty", b"", "application/json"),
    ("NaN is not JSON", b'{"status": "paused", "reason": NaN}', "application/json"),
    ("duplicate keys are refused", b'{"status": "paused", "status": "active"}', "application/json"),
    ("the body must be UTF-8", b'{"status": "paused", "reason": "\xff"}', "application/json"),
    ("the Content-Type must be JSON", b'{"status": "paused"}', "text/plain"),
    ("the Content-Type is required", b'{"status": "paused"}', None),
]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [pytest.param(data, content_type, id=rule) for rule, data, content_type in INVALID_PAYLOADS],
)
async def test_unreadable_body_is_400_invalid_request(
    wire: Wire, data: bytes, content_type: str | None
) -> None:
    headers = wire.auth()
    if content_type is not None:
        headers["Content-Type"] = content_type

    reply = await wire.post(f"/v4/subscriptions/{SUB}/status", headers=headers, data=data)

    assert reply.status == 400
    assert reply.error["code"] == "invalid_request"
    assert wire.fake.subscription(SUB).status == "active"


async def test_content_type_parameters_are_accepted(wire: Wire) -> None:
    headers = {**wire.auth(), "Content-Type": "application/json; charset=utf-8"}

    reply = await wire.post(
        f"/v4/subscriptions/{SUB}/status", headers=headers, data=b'{"status": "paused"}'
    )

    assert reply.status == 200


@pytest.mark.parametrize(
    "body",
    [
        {
            "status": "paused",
            "pause_behavior": "keep_as_draft",
            "resume_at": "2025-03-01T00:00:00.123456-05:00",
            "reason": "x",
            "metadata": {},
        },
        {
            "status": "cancelled",
            "at_period_end": False,
            "cancellation_reason": "other",
            "prorate": False,
            "reason": "y" * 255,
            "metadata": {"nested": {"ok": [1, 2]}},
        },
    ],
    ids=["every pause option", "every cancel option, longest reason"],
)
async def test_every_option_of_a_status_is_accepted_together(
    wire: Wire, body: dict[str, Any]
) -> None:
    reply = await wire.status(body)

    assert reply.status == 200
    assert reply.json["status"] == body["status"]


async def test_every_resume_option_is_accepted_together(wire: Wire) -> None:
    await wire.status({"status": "paused"})

    reply = await wire.status(
        {
            "status": "active",
            "billing_cycle_anchor": "unchanged",
            "proration_behavior": "create_prorations",
            "reason": "back",
        }
    )

    assert reply.status == 200
