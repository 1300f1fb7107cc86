"""What every model shares: ``to_dict``/``to_json``, the ``extra`` mapping of unknown keys,
and masking for ``repr``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Self

import attrs

from ._frozen import FrozenDict, frozen_mapping

__all__ = ["Model", "extra_field", "json_field", "mask_all", "mask_last4", "mask_prefix"]

_EMPTY: Any = FrozenDict()


class Model:
    """The base of every model: its JSON form, and back.

    Models are frozen and hashable (usable as dict keys and in sets); the JSON objects they
    hold (``extra``, ``metadata``) are read-only :class:`~efundpay.models.FrozenDict` s.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The model as eFundPay writes it: JSON-ready, with wire names, unknown keys included.

        Times are ISO 8601 in UTC (``2024-01-20T14:22:00Z``), dates ``YYYY-MM-DD``, enums
        their values; v3 models use camelCase keys, v4 models snake_case.  The dict holds
        every field, the card number and security code included: it is the data, not a
        display form, so keep it out of logs.

        >>> from efundpay import Plan
        >>> Plan(name="Basic", amount=1000).to_dict()["amount"]
        1000
        """
        from .._convert import unstructure  # noqa: PLC0415 - models know nothing of the wire

        return unstructure(self)

    def to_json(self, *, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text: compact, or indented by ``indent`` spaces.

        >>> from efundpay import Plan
        >>> Plan(name="Basic", amount=1000).to_json()[:31]
        '{"name":"Basic","currency":null'
        """
        separators = (",", ":") if indent is None else (",", ": ")
        return json.dumps(self.to_dict(), indent=indent, separators=separators, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read a model from its JSON form (what :meth:`to_dict` returns, or a response
        body's object), by the same strict rules as a response; ``ValueError`` if it does
        not fit.  ``Model.from_dict(model.to_dict()) == model``.

        >>> from efundpay import Plan
        >>> Plan.from_dict({"name": "Basic", "amount": 1000}).amount
        1000
        """
        from .._convert import structure  # noqa: PLC0415 - models know nothing of the wire

        return structure(data, cls)


def _extra_repr(extra: Mapping[str, Any]) -> str:
    # Unknown keys are shown so users discover them, but never their values: a field
    # eFundPay adds tomorrow may well be sensitive.
    return "{" + ", ".join(f"{key!r}: …" for key in extra) + "}"


def extra_field() -> Any:
    """The ``extra`` attribute: keys eFundPay sent that this SDK version does not model.

    They are kept, never dropped, so a newer API field is reachable as
    ``model.extra["new_field"]`` before the SDK learns its name.
    """
    return attrs.field(
        default=_EMPTY, converter=frozen_mapping, repr=_extra_repr, kw_only=True, eq=True
    )


def json_field() -> Any:
    """A free-form JSON object attribute (``metadata``): a read-only, hashable mapping."""
    return attrs.field(default=_EMPTY, converter=frozen_mapping)


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
