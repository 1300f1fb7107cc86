"""Arguments built to slip past a check: trailing newlines, foreign enums, deep or ambiguous
metadata, datetimes at the edge of the calendar.  Each is sent correctly or refused with an
error naming the parameter, and a refused call sends nothing.
"""

from __future__ import annotations

import enum
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from efundpay import AsyncEFundPay, ConfigurationError
from efundpay.resources._validation import MAX_METADATA_BYTES, MAX_METADATA_DEPTH
from tests.helpers import API_KEY, MERCHANT, body_of, mock_client, ok_subscription

pytestmark = pytest.mark.anyio


class ForeignPauseBehavior(str, enum.Enum):  # noqa: UP042 - the old spelling is the point
    """A caller's own enum (not the SDK's) whose value happens to be a valid choice."""

    VOID = "void"


class ForeignReason(enum.StrEnum):
    DOWNGRADE = "downgrade"


def _deep(depth: int) -> dict[str, Any]:
    nested: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        nested = {"k": nested}
    return nested


async def _send(method: str, **options: Any) -> list[Any]:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        await getattr(client.subscriptions, method)("sub_1", **options)
    return [body_of(request) for request in transport.requests]


async def _refused(error: type[Exception], fragment: str, method: str, **options: Any) -> None:
    client, transport = mock_client(lambda request: ok_subscription())
    async with client:
        with pytest.raises(error, match=re.escape(fragment)):
            await getattr(client.subscriptions, method)("sub_1", **options)
    assert transport.requests == []


@pytest.mark.parametrize(
    ("method", "options", "field", "wire"),
    [
        ("pause", {"pause_behavior": ForeignPauseBehavior.VOID}, "pause_behavior", "void"),
        ("cancel", {"cancellation_reason": ForeignReason.DOWNGRADE}, "cancellation_reason",
         "downgrade"),
    ],
)  # fmt: skip
async def test_a_foreign_str_enum_member_is_sent_as_its_value(
    method: str, options: dict[str, Any], field: str, wire: str
) -> None:
    (body,) = await _send(method, **options)
    assert body[field] == wire
    assert type(body[field]) is str


async def test_an_idempotency_key_ending_in_a_newline_is_refused_before_sending() -> None:
    await _refused(ValueError, "idempotency_key", "pause", idempotency_key="key-1\n")


@pytest.mark.parametrize("field", ["api_key", "merchant_account_id"])
def test_a_credential_ending_in_a_newline_is_refused_before_any_io(field: str) -> None:
    settings = {"api_key": API_KEY, "merchant_account_id": MERCHANT}
    settings[field] += "\n"
    with pytest.raises(ConfigurationError, match=field):
        AsyncEFundPay(**settings)  # type: ignore[arg-type]


async def test_metadata_nested_past_the_limit_is_refused_without_recursion() -> None:
    # Far deeper than Python's recursion limit: the check must not recurse.
    await _refused(ValueError, "metadata", "cancel", metadata=_deep(5_000))
    await _refused(ValueError, "metadata", "cancel", metadata=_deep(MAX_METADATA_DEPTH + 1))


async def test_metadata_at_the_depth_limit_is_sent() -> None:
    (body,) = await _send("cancel", metadata=_deep(MAX_METADATA_DEPTH))
    assert body["metadata"] == _deep(MAX_METADATA_DEPTH)


@pytest.mark.parametrize(
    "metadata",
    [
        {"outer": {1: "x", "1": "y"}},  # would be sent as two "1" keys
        {"outer": [{2: "x"}]},
        {"outer": {None: "x"}},
    ],
)
async def test_nested_metadata_keys_must_be_strings(metadata: dict[str, Any]) -> None:
    await _refused(TypeError, "metadata", "cancel", metadata=metadata)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
async def test_metadata_refuses_nan_and_infinity_at_any_depth(value: float) -> None:
    await _refused(ValueError, "metadata", "cancel", metadata={"a": [{"b": value}]})


async def test_metadata_refuses_values_json_cannot_hold() -> None:
    await _refused(TypeError, "metadata", "cancel", metadata={"a": {"b": {1, 2}}})
    await _refused(TypeError, "metadata", "cancel", metadata={"a": b"bytes"})


async def test_metadata_larger_than_the_limit_is_refused() -> None:
    await _refused(ValueError, "metadata", "cancel", metadata={"a": "x" * MAX_METADATA_BYTES})


async def test_metadata_shared_between_branches_is_sent() -> None:
    shared = {"x": [1, 2.5, True, None, "s"], "t": (1, 2)}
    (body,) = await _send("cancel", metadata={"a": shared, "b": shared})
    as_json = {"x": [1, 2.5, True, None, "s"], "t": [1, 2]}
    assert body["metadata"] == {"a": as_json, "b": as_json}


async def test_metadata_that_contains_itself_is_refused() -> None:
    cyclic: dict[str, Any] = {}
    cyclic["self"] = cyclic
    await _refused(ValueError, "metadata", "cancel", metadata=cyclic)


@pytest.mark.parametrize(
    "when",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
async def test_a_resume_at_outside_the_utc_calendar_is_a_value_error(when: datetime) -> None:
    await _refused(ValueError, "resume_at", "pause", resume_at=when)
