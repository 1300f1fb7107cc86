"""Checking a caller's arguments before anything is sent.

:func:`check_id`, :func:`check_reason` and :func:`check_idempotency_key` are public as
:mod:`efundpay.validation`.

Every check raises :class:`TypeError` (wrong kind of value) or :class:`ValueError` (right
kind, wrong value) with a message naming the parameter, and returns the value as it goes on
the wire.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from .._tokens import is_header_token
from .._wire_rules import format_time

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
MAX_METADATA_DEPTH: Final = 32
MAX_METADATA_BYTES: Final = 16 * 1024
MAX_IDEMPOTENCY_KEY: Final = 255


def _plain(value: str) -> str:
    """The text of a ``str`` subclass (a caller's ``(str, Enum)`` member) as a plain ``str``.

    ``str()`` of such a member is ``"Class.MEMBER"``, not its value; ``str.__str__`` is the
    characters themselves, whatever the subclass overrides.
    """
    return str.__str__(value)


def check_id(value: object, name: str = "id") -> str:
    """A customer or subscription id: a string of 1 to 255 characters, not all whitespace.

    Returns the id as it is sent (percent-encoded in the path, whatever it holds); raises
    ``TypeError`` or ``ValueError`` naming ``name`` otherwise.

    >>> check_id("  ", "subscription_id")
    Traceback (most recent call last):
      ...
    ValueError: subscription_id must not be empty
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    if len(value) > MAX_ID:
        raise ValueError(f"{name} is longer than {MAX_ID} characters")
    return _plain(value)


def check_choice(value: object, choices: type[enum.StrEnum], name: str) -> str | None:
    """One of an enum's values (a member or its string), or ``None`` for "not sent"."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    allowed = [str(member.value) for member in choices]
    plain = _plain(value)
    if plain not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {plain!r}")
    return plain


def check_bool(value: object, name: str) -> bool | None:
    """A real ``bool``: the string ``"false"`` is refused rather than read as true."""
    if value is None or isinstance(value, bool):
        return value
    raise TypeError(f"{name} must be True or False, not {value!r}")


def check_reason(value: object, name: str = "reason") -> str | None:
    """A status change's ``reason``: free text of 1 to 255 characters, or ``None`` (not sent).

    Returns the text as it is sent; raises ``TypeError`` or ``ValueError`` naming ``name``.

    >>> check_reason("", "--reason")
    Traceback (most recent call last):
      ...
    ValueError: --reason must be 1 to 255 characters long; got 0
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not 1 <= len(value) <= MAX_REASON:
        raise ValueError(f"{name} must be 1 to {MAX_REASON} characters long; got {len(value)}")
    return _plain(value)


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
    try:
        return format_time(value)
    except (OverflowError, ValueError):
        raise ValueError(
            f"{name} falls outside the years 1 to 9999 once converted to UTC"
        ) from None


def check_metadata(value: object, name: str) -> dict[str, Any] | None:
    """A mapping of string keys to JSON values, returned as a copy of plain ``dict`` s,
    ``list`` s and scalars.

    Read without recursion, so no nesting can raise :class:`RecursionError`: at most
    :data:`MAX_METADATA_DEPTH` levels and :data:`MAX_METADATA_BYTES` bytes as compact JSON
    (a structure that contains itself fails the depth rule).  Keys must be strings at every
    level (``{1: "x", "1": "y"}`` would otherwise go out as two ``"1"`` keys); NaN and
    infinity have no JSON form and are refused.
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of strings to JSON values")
    root: dict[str, Any] = {}
    budget = _Budget(name)
    # Containers still to copy: the source, its (empty) copy, where it is, how deep.
    pending: list[tuple[Mapping[Any, Any] | list[Any] | tuple[Any, ...], Any, str, int]] = [
        (value, root, name, 1)
    ]
    while pending:
        source, target, path, depth = pending.pop()
        for index, item in source.items() if isinstance(source, Mapping) else enumerate(source):
            if isinstance(target, dict):
                if not isinstance(index, str):
                    raise TypeError(
                        f"{name} keys must be strings; got a {type(index).__name__} key in {path}"
                    )
                key = _plain(index)
                where = f"{path}[{key!r}]"
                budget.spend(len(key) + 4)
            else:
                where = f"{path}[{index}]"
            copy = _json_scalar(item, where, name, budget)
            if copy is _CONTAINER:
                if depth >= MAX_METADATA_DEPTH:
                    raise ValueError(
                        f"{name} is nested deeper than {MAX_METADATA_DEPTH} levels (at {where})"
                    )
                copy = {} if isinstance(item, Mapping) else []
                pending.append((item, copy, where, depth + 1))
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    size = len(json.dumps(root, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"{name} is larger than {MAX_METADATA_BYTES} bytes as JSON ({size})")
    return root


_CONTAINER: Final = object()


class _Budget:
    """A running lower bound of the JSON size, so a huge or self-repeating value is refused
    before it is encoded."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.left = MAX_METADATA_BYTES

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise ValueError(f"{self.name} is larger than {MAX_METADATA_BYTES} bytes as JSON")


def _json_scalar(item: object, where: str, name: str, budget: _Budget) -> Any:
    """A plain copy of a JSON scalar, or :data:`_CONTAINER` for a mapping, list or tuple."""
    budget.spend(2)
    if item is None or isinstance(item, bool):
        return item
    if isinstance(item, str):
        budget.spend(len(item))
        return str.__str__(item)
    if isinstance(item, int):
        budget.spend(int(item.bit_length() * 0.30103))  # about its number of digits
        return int(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValueError(f"{name} cannot hold {item!r} (at {where}): JSON has no such number")
        return float(item)
    if isinstance(item, Mapping | list | tuple):
        return _CONTAINER
    raise TypeError(
        f"{name} must hold JSON values only (str, int, float, bool, None, lists and "
        f"mappings); got a {type(item).__name__} at {where}"
    )


def check_idempotency_key(value: object, name: str = "idempotency_key") -> str | None:
    """An idempotency key: 1 to 255 visible ASCII characters (it travels as a header), or
    ``None`` (the SDK makes one).

    Returns the key as it is sent; raises ``TypeError`` or ``ValueError`` naming ``name``.

    >>> check_idempotency_key("order 42")
    Traceback (most recent call last):
      ...
    ValueError: idempotency_key must be 1 to 255 visible ASCII characters (no spaces, ...)
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not is_header_token(value, max_length=MAX_IDEMPOTENCY_KEY):
        raise ValueError(
            f"{name} must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters "
            "(no spaces, line breaks or other controls)"
        )
    return _plain(value)
