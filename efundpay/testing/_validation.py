"""Reading request bodies the way eFundPay does: strict JSON, then the v4 status-change rules.

The fake is meant to catch a client that sends something the real API would refuse, so it
is strict on purpose: a string ``"true"`` is not a boolean, ``null`` is not "leave it out",
an option that belongs to another target status is an error, and so is an unknown key.
Every failure is a ``400 invalid_request`` :class:`~._state.Rejection` naming the offending
field in ``param``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from ._records import Rejection, StatusRequest

__all__ = ["STATUS_OPTIONS", "parse_json_object", "parse_status_request"]


def _invalid(message: str, param: str | None = None) -> Rejection:
    return Rejection(400, "invalid_request", message, param=param)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _invalid(f"Duplicate key {key!r} in the JSON body", key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and eFundPay) does not.
    raise _invalid(f"{name} is not valid JSON")


def parse_json_object(body: bytes, content_type: str) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 :class:`Rejection` saying why not."""
    if content_type != "application/json":
        raise _invalid(f"Content-Type must be application/json, not {content_type or 'absent'!r}")
    if not body.strip():
        raise _invalid("The request body is empty; a JSON object is required")
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise _invalid(f"The request body must be a JSON object, not {type(value).__name__}")
    return value


# -- one checker per value type: return the typed value or raise ------------------------------

Checker = Callable[[str, Any], Any]


def _enum(*allowed: str) -> Checker:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            raise _invalid(f"{name} must be one of {', '.join(allowed)}; got {value!r}", name)
        return value

    return check


def _boolean(name: str, value: Any) -> Any:
    if not isinstance(value, bool):
        raise _invalid(f"{name} must be a JSON boolean (true or false); got {value!r}", name)
    return value


def _reason(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise _invalid(f"{name} must be a string of 1 to 255 characters", name)
    return value


def _object(name: str, value: Any) -> Any:
    if not isinstance(value, dict):
        raise _invalid(f"{name} must be a JSON object; got {type(value).__name__}", name)
    return value


def _timestamp(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        raise _invalid(f"{name} must be an ISO 8601 timestamp string; got {value!r}", name)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{name} is not an ISO 8601 timestamp: {value!r}", name) from None
    if moment.tzinfo is None:
        raise _invalid(f"{name} must include a timezone (e.g. 'Z'): {value!r}", name)
    return moment


#: For each target status, the options it accepts (besides ``status``, ``reason``, ``metadata``).
STATUS_OPTIONS: Final[Mapping[str, Mapping[str, Checker]]] = {
    "paused": {
        "pause_behavior": _enum("mark_uncollectible", "keep_as_draft", "void"),
        "resume_at": _timestamp,
    },
    "active": {
        "billing_cycle_anchor": _enum("unchanged", "now"),
        "proration_behavior": _enum("create_prorations", "none"),
    },
    "cancelled": {
        "at_period_end": _boolean,
        "cancellation_reason": _enum(
            "customer_request", "payment_failed", "service_discontinued", "downgrade", "other"
        ),
        "prorate": _boolean,
    },
}

_ANY_STATUS: Final[Mapping[str, Checker]] = {"reason": _reason, "metadata": _object}

_OWNER: Final = {option: status for status, table in STATUS_OPTIONS.items() for option in table}


def parse_status_request(body: Mapping[str, Any]) -> StatusRequest:
    """Validate a v4 status-change body and return it typed; 400 :class:`Rejection` if not.

    >>> parse_status_request({"status": "paused", "pause_behavior": "void"}).options
    mappingproxy({'pause_behavior': 'void'})
    """
    if "status" not in body:
        raise _invalid("status is required", "status")
    status = _enum(*STATUS_OPTIONS)("status", body["status"])
    allowed = {**STATUS_OPTIONS[status], **_ANY_STATUS}
    options: dict[str, Any] = {}
    for name, value in body.items():
        if name == "status":
            continue
        check = allowed.get(name)
        if check is None:
            owner = _OWNER.get(name)
            if owner is None:
                raise _invalid(f"Unknown parameter: {name}", name)
            raise _invalid(f"{name} is only valid when status is {owner!r}", name)
        options[name] = check(name, value)
    return StatusRequest(status=status, options=options)
