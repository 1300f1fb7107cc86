"""Turning command-line strings into the SDK's argument types, with messages argparse shows.

Each function is an argparse ``type=``: it raises :class:`argparse.ArgumentTypeError` with a
message that says what a valid value looks like.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .. import Timeout

__all__ = [
    "aware_datetime",
    "concurrency",
    "merge_metadata",
    "metadata_item",
    "non_negative_int",
    "port",
    "positive_seconds",
]

MAX_CONCURRENCY = 64


def aware_datetime(text: str) -> datetime:
    """ISO 8601 with a UTC offset: ``2025-03-01T00:00:00Z`` or ``2025-03-01T09:00:00+09:00``."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time; use e.g. 2025-03-01T00:00:00Z"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset, so it is ambiguous; add Z or +HH:MM, "
            "e.g. 2025-03-01T00:00:00Z"
        )
    return value


def metadata_item(text: str) -> dict[str, Any]:
    """``KEY=VALUE`` (the value is a string) or a JSON object ``'{"k": 1}'``."""
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"--metadata is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError("--metadata JSON must be an object")
        return value
    key, sep, value_text = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"--metadata {text!r}: use KEY=VALUE (repeatable) or a JSON object"
        )
    return {key.strip(): value_text}


def merge_metadata(items: Sequence[dict[str, Any]] | None) -> dict[str, Any] | None:
    """Every ``--metadata`` in order, later keys winning; ``None`` when none was given."""
    if not items:
        return None
    merged: dict[str, Any] = {}
    for item in items:
        merged.update(item)
    return merged


def positive_seconds(text: str) -> float:
    """A finite number of seconds greater than zero: the SDK's one rule for seconds, as
    :class:`efundpay.Timeout` applies it."""
    try:
        return Timeout(total=float(text)).total
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds") from None


def _int(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what} ({low} to {high})")
    return value


def non_negative_int(text: str) -> int:
    """0 or more (a retry count)."""
    return _int(text, 0, 100, "a retry count")


def concurrency(text: str) -> int:
    """How many calls may be in flight at once, 1 to :data:`MAX_CONCURRENCY`."""
    return _int(text, 1, MAX_CONCURRENCY, "a concurrency")


def lifetime(text: str) -> int:
    """A token lifetime in whole seconds, 1 second to a year."""
    return _int(text, 1, 366 * 24 * 3600, "a lifetime in seconds")


def port(text: str) -> int:
    """A TCP port; 0 picks a free one."""
    return _int(text, 0, 65535, "a TCP port")


def record_count(text: str) -> int:
    """How many generated records a fake starts with, 0 to 100,000."""
    return _int(text, 0, 100_000, "a number of records")
