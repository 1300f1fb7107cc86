"""The one rule for a setting given in seconds, used by every setting that takes one.

A number of seconds is an ``int`` or a ``float`` (never a ``bool``), finite, and greater
than zero (or zero too, where ``allow_zero`` says so).  Timeouts, the deadline, pool and
keep-alive settings, retry backoffs and the command line's ``--timeout`` all check here.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

__all__ = ["check_seconds", "non_negative_seconds", "optional_positive_seconds"]


def check_seconds(value: object, name: str, *, allow_zero: bool = False) -> float:
    """``value`` as a float of seconds; ``TypeError``/``ValueError`` naming ``name`` if not."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "0 or more" if allow_zero else "greater than 0"
        raise ValueError(f"{name} must be a finite number of seconds, {bound}, not {value!r}")
    return float(value)


def optional_positive_seconds(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """attrs validator: ``None``, or a positive number of seconds."""
    if value is not None:
        check_seconds(value, attribute.name)


def non_negative_seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """attrs validator: a number of seconds, zero allowed."""
    check_seconds(value, attribute.name, allow_zero=True)
