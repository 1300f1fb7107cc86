"""What every model shares: the ``extra`` mapping of unknown keys, and masking for ``repr``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["extra_field", "mask_all", "mask_last4", "mask_prefix"]


def _extra_repr(extra: Mapping[str, Any]) -> str:
    # Unknown keys are shown so users discover them, but never their values: a field
    # eFundPay adds tomorrow may well be sensitive.
    return "{" + ", ".join(f"{key!r}: …" for key in extra) + "}"


def extra_field() -> Any:
    """The ``extra`` attribute: keys eFundPay sent that this SDK version does not model.

    They are kept, never dropped, so a newer API field is reachable as
    ``model.extra["new_field"]`` before the SDK learns its name.
    """
    return attrs.field(factory=dict, repr=_extra_repr, kw_only=True, eq=True)


def mask_last4(value: str | None) -> str:
    """``'4111111111111111'`` → ``'************1111'``; short values are masked whole."""
    if value is None:
        return "None"
    text = str(value)
    shown = text[-4:] if len(text) >= 8 else ""
    return repr("*" * (len(text) - len(shown)) + shown)


def mask_all(value: object) -> str:
    """Any value → ``'***'`` (``None`` stays visible: knowing a field is empty is safe)."""
    return "None" if value is None else "'***'"


def mask_prefix(value: str | None) -> str:
    """``'tok_a1b2c3d4'`` → ``'tok_***'``: the kind of id stays visible, not the id."""
    if value is None:
        return "None"
    head, sep, _ = str(value).partition("_")
    return repr(f"{head}{sep}***" if sep else "***")
