"""Checking a caller's arguments before anything is sent.

Every check raises :class:`TypeError` (wrong kind of value) or :class:`ValueError` (right
kind, wrong value) with a message naming the parameter, and returns the value as it goes on
the wire.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "check_bool",
    "check_choice",
    "check_id",
    "check_idempotency_key",
    "check_metadata",
    "check_reason",
    "check_time",
]

MAX_REASON: Final = 255
MAX_ID: Final = 255
_KEY: Final = re.compile(r"^[\x21-\x7e]{1,255}$")


def check_id(value: object, name: str) -> str:
    """A path id: a non-empty string (it is percent-encoded later, whatever it holds)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    if len(value) > MAX_ID:
        raise ValueError(f"{name} is longer than {MAX_ID} characters")
    return value


def check_choice(value: object, choices: type[enum.StrEnum], name: str) -> str | None:
    """One of an enum's values (a member or its string), or ``None`` for "not sent"."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    allowed = [member.value for member in choices]
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return str(value)


def check_bool(value: object, name: str) -> bool | None:
    """A real ``bool``: the string ``"false"`` is refused rather than read as true."""
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"{name} must be True or False, not {value!r}")


def check_reason(value: object, name: str) -> str | None:
    """Free text of 1 to 255 characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not 1 <= len(value) <= MAX_REASON:
        raise ValueError(f"{name} must be 1 to {MAX_REASON} characters long; got {len(value)}")
    return value


def check_time(value: object, name: str) -> str | None:
    """A timezone-aware ``datetime`` → ISO 8601 in UTC, e.g. ``2025-03-01T00:00:00Z``."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (e.g. datetime(2025, 3, 1, tzinfo=UTC)); "
            "a naive datetime is ambiguous"
        )
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_metadata(value: object, name: str) -> dict[str, Any] | None:
    """A mapping of string keys to JSON values."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of strings to JSON values")
    result = dict(value)
    for key in result:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings; got {key!r}")
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold JSON values only: {exc}") from None
    return result


def check_idempotency_key(value: object, name: str) -> str | None:
    """1 to 255 visible ASCII characters (it travels as a header)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not _KEY.match(value):
        raise ValueError(f"{name} must be 1 to 255 visible ASCII characters (no spaces)")
    return value
