"""The converters: wire JSON ⇄ models.

Everything about the wire format of models is decided here and in :mod:`efundpay._wire`
(the rules, one function each), and nowhere else:

- **Naming**: v3 objects are camelCase on the wire, v4 objects snake_case; attributes are
  always snake_case.
- **Strict where meaning depends on it**: ``"false"`` never becomes ``True``.  Booleans
  accept JSON booleans and the strings ``"true"``/``"false"`` that older docs show;
  integers (amounts) reject booleans, strings and fractions; ids and a subscription's
  ``status`` must be strings.
- **Readable elsewhere**: a descriptive text field (a name, ``phone_number``, an option
  such as ``pause_collection.behavior``) that arrives as another JSON value is kept as its
  JSON text, with a logged warning, so that a successful call is never reported as failed
  for a value nothing depends on (``recurringTarget`` is documented to arrive as a number).
- **Open enums**: a value the SDK does not know comes back as the plain string.
- **Forward compatible**: unknown keys are kept in each model's ``extra`` mapping.
- **Times**: ISO 8601 (``Z`` or an offset) or epoch seconds → aware ``datetime``; a time
  without an offset is taken as UTC.  ``next_billing_date`` → ``date``.  The literal string
  ``"null"``, which the docs show for empty times, reads as ``None``.

Failures raise :class:`ConversionError` listing every problem by its wire path, e.g.
``item.isActive: expected a boolean, got 'maybe'``.

How a response is read: a *reader* generated per model (:mod:`efundpay._readers`) reads
every response, with the common values handled inline and everything else handed to the
same hooks the converters use.  Only when it fails does cattrs' detailed converter read the
same data again, to say why.  Both are built on first use, not at import.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from . import models as m

if TYPE_CHECKING:
    import cattrs

__all__ = ["ConversionError", "structure", "unstructure"]

T = TypeVar("T")


class ConversionError(Exception):
    """A JSON value did not fit a model; ``problems`` lists each one by wire path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# -- the converters ------------------------------------------------------------------------
#
# Two converters, both made by ``_build`` so that their hooks are the same.  The fast one
# reads every response, through the generated readers it has as model hooks (see
# ``efundpay._readers``), and writes models back to JSON.  The detailed one (cattrs' detailed
# validation, which collects every problem with its path) runs only after the fast one
# failed, to say why.  Each is built on first use rather than at import: importing cattrs and
# generating the hooks is most of what ``import efundpay`` would otherwise cost.


def _is_optional(type_: Any) -> bool:
    args = typing.get_args(type_)
    return (
        typing.get_origin(type_) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _structure_optional(type_: Any, converter: cattrs.Converter) -> Callable[[object, object], Any]:
    """``X | None``, with the hook of ``X`` looked up once here rather than on every value."""
    (inner,) = (arg for arg in typing.get_args(type_) if arg is not type(None))
    hook = converter.get_structure_hook(inner)

    def structure(value: object, _: object) -> Any:
        return None if value is None else hook(value, inner)

    return structure


def _equal_to(expected: Any) -> Callable[[Any], bool]:
    """The predicate ``type == expected``: how cattrs is given the hook of a union type."""
    return lambda type_: bool(type_ == expected)


# The identifying and money fields of notifications: a number or object there is refused.
_CHARGE_IDS: Final = (
    "order_id",
    "transaction_id",
    "customer_id",
    "merchant_id",
    "store_id",
    "reference_id",
    "currency",
    "currency_type",
)
_EVENT_IDS: Final = ("id", "type", "merchant_transaction_id", "original_transaction_id")


def _build(*, detailed: bool) -> cattrs.Converter:
    """The converter, configured: primitives, then the models (see ``_register``)."""
    import cattrs  # noqa: PLC0415 - deferred from import time to first use, see above

    from . import _wire as w  # noqa: PLC0415 - only the converters need the rules

    converter = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    # Registered first so that the more specific hooks below take precedence over it.
    converter.register_structure_hook_factory(_is_optional, _structure_optional)
    converter.register_structure_hook(bool, w.structure_bool)
    converter.register_structure_hook(int, w.structure_int)
    converter.register_structure_hook(str, w.structure_text)
    converter.register_structure_hook(datetime, w.structure_datetime)
    converter.register_structure_hook(date, w.structure_date)
    # (by predicate: cattrs keeps hooks registered for a union type below every factory)
    for nullable_type, hook in w.NULLABLE.items():
        converter.register_structure_hook_func(_equal_to(nullable_type), w.nullable(hook))
    converter.register_structure_hook_func(_equal_to(Mapping[str, Any]), w.structure_object)
    converter.register_structure_hook_factory(
        lambda t: w.open_enum(t) is not None, w.structure_open_enum
    )
    converter.register_unstructure_hook(datetime, w.unstructure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    # Inner models first: a model's hook resolves the hooks of its fields when it is made.
    register = functools.partial(_register, converter, detailed=detailed)
    register(
        m.RecurringPayment, camel_case=True, hooks={"recurring_target": w.structure_str_or_number}
    )
    register(m.Customer, camel_case=True, hooks={"id": w.structure_str})
    register(m.Card)
    register(m.PaymentMethod)
    register(m.SubscriptionCustomer)
    register(m.Plan)
    register(m.PauseCollection)
    register(m.CancellationDetails)
    register(
        m.Subscription,
        aliases={"cancelled_at": "canceled_at"},
        hooks={
            "id": w.structure_str,
            "status": w.structure_strict_enum(m.SubscriptionStatus | str),
            "metadata": w.structure_object,
        },
    )
    # What eFundPay sends: v3 notifications (camelCase) and v4 webhooks (snake_case).
    # Strict where money is concerned: ids, currencies and statuses are never kept as text.
    text = w.nullable(w.structure_str)
    register(m.ChargeOrder, camel_case=True, hooks=dict.fromkeys(("id", "currency_type"), text))
    register(
        m.RecurringCharge,
        camel_case=True,
        hooks={
            **dict.fromkeys(_CHARGE_IDS, text),
            "status": w.structure_strict_enum(m.ChargeStatus | str | None),
        },
    )
    register(
        m.RecurringPaymentNotification,
        camel_case=True,
        hooks={"event_type": w.structure_strict_enum(m.NotificationEventType | str | None)},
    )
    register(m.WebhookEventData)
    register(m.WebhookEvent, hooks=dict.fromkeys(_EVENT_IDS, text))
    return converter


@functools.cache
def _fast() -> cattrs.Converter:
    return _build(detailed=False)


@functools.cache
def _detailed() -> cattrs.Converter:
    return _build(detailed=True)


# attribute name → wire name, per model; also used to name fields in error messages.
_WIRE_NAMES: dict[type, dict[str, str]] = {}


def _register(
    converter: cattrs.Converter,
    cls: type[Any],
    *,
    detailed: bool,
    camel_case: bool = False,
    aliases: Mapping[str, str] | None = None,
    hooks: Mapping[str, Callable[[Any, Any], Any]] | None = None,
) -> None:
    """Make and register the structure/unstructure hooks of one model class.

    The structure hook is a generated reader for the fast converter, cattrs' generated
    function (wrapped for aliases and unknown keys) for the detailed one.
    """
    from cattrs.gen import make_dict_unstructure_fn, override  # noqa: PLC0415 - see _build

    from ._wire import camel  # noqa: PLC0415 - see _build

    aliases = dict(aliases or {})
    hooks = dict(hooks or {})
    names = {
        field.name: camel(field.name) if camel_case else field.name
        for field in attrs.fields(cls)
        if field.name != "extra"
    }
    _WIRE_NAMES[cls] = names
    if detailed:
        structure_model = _detailed_structure_hook(converter, cls, names, aliases, hooks)
    else:
        from ._readers import make_reader  # noqa: PLC0415 - see _build

        structure_model = make_reader(
            cls, converter, wire_names=names, aliases=aliases, hooks=hooks
        )
    renames: dict[str, Any] = {name: override(rename=wire) for name, wire in names.items()}
    unstructure_fn = make_dict_unstructure_fn(cls, converter, extra=override(omit=True), **renames)

    def unstructure_model(instance: Any) -> dict[str, Any]:
        wire = unstructure_fn(instance)
        wire.update(instance.extra)
        return wire

    converter.register_structure_hook(cls, structure_model)
    converter.register_unstructure_hook(cls, unstructure_model)


def _detailed_structure_hook(
    converter: cattrs.Converter,
    cls: type[Any],
    names: Mapping[str, str],
    aliases: Mapping[str, str],
    hooks: Mapping[str, Callable[[Any, Any], Any]],
) -> Callable[[object, object], Any]:
    """cattrs' function for ``cls``, with the object-level rules of ``_wire`` around it."""
    from cattrs.gen import make_dict_structure_fn, override  # noqa: PLC0415 - see _build

    from ._wire import json_object, unknown_keys, with_aliases  # noqa: PLC0415 - see _build

    known = frozenset(names.values()) | aliases.keys()
    overrides: dict[str, Any] = {
        name: override(rename=wire, struct_hook=hooks.get(name)) for name, wire in names.items()
    }
    structure_fn = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, extra=override(omit=True), **overrides
    )

    def structure_model(data: object, _: object) -> Any:
        data = with_aliases(json_object(data), aliases)
        instance = structure_fn(data, cls)
        if not data.keys() <= known:
            # The one sanctioned way to set a field of a frozen attrs instance.
            object.__setattr__(instance, "extra", unknown_keys(data, known))
        return instance

    return structure_model


# -- the boundary --------------------------------------------------------------------------


def _problems(exc: BaseException, path: str) -> list[str]:
    from cattrs.errors import (  # noqa: PLC0415 - see _build
        ClassValidationError,
        IterableValidationError,
    )

    if isinstance(exc, ClassValidationError):
        names = _WIRE_NAMES.get(exc.cl, {})
        with_notes, others = exc.group_exceptions()
        found: list[str] = []
        for sub, note in with_notes:
            found += _problems(sub, f"{path}.{names.get(note.name, note.name)}")
        for sub in others:
            found += _problems(sub, path)
        return found
    if isinstance(exc, IterableValidationError):
        return [problem for sub in exc.exceptions for problem in _problems(sub, path)]
    if isinstance(exc, KeyError):
        return [f"{path}: required field missing"]
    return [f"{path}: {exc}"]


# model class → the fast converter's hook for it (the model's reader), so that reading a
# response skips cattrs' dispatch.
_FAST_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {}


def structure(data: Any, cls: type[T], *, path: str = "$") -> T:
    """Build a ``cls`` from decoded JSON, or raise :class:`ConversionError`."""
    try:
        hook = _FAST_HOOKS.get(cls)
        if hook is None:  # the first read of a cls (and, the very first, builds the converter)
            hook = _FAST_HOOKS[cls] = _fast().get_structure_hook(cls)
        result: T = hook(data, cls)
        return result
    except Exception:  # noqa: S110 - explained below, by the converter that can
        pass
    try:
        return _detailed().structure(data, cls)
    except Exception as exc:  # every failure becomes one readable error
        raise ConversionError(_problems(exc, path)) from exc


def unstructure(instance: Any) -> dict[str, Any]:
    """The wire JSON of a model, unknown keys included; inverse of :func:`structure`."""
    result: dict[str, Any] = _fast().unstructure(instance)
    return result
