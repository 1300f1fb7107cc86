"""The converters: wire JSON ⇄ models.

Everything about the wire format of models is decided here and in :mod:`efundpay._wire_rules`
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

How a response is read: cattrs' own generated structure function per model
(``cattrs.gen.make_dict_structure_fn``), with a per-attribute ``override`` for each wire name
and each field whose rule differs from its type's (strict ids and ``status``), and the hooks of
:mod:`efundpay._wire_rules` for the types.  Around it, one small function per model applies the
rules of a whole object (is it one, its aliases, its unknown keys into ``extra``); an
instance is only ever made by the model's ``__init__``.  Two converters are configured here
with the same hooks: the fast one (cattrs without detailed validation) reads every response;
only when it fails does the detailed one read the same data again, to say why.  Both are
built on first use, not at import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from . import models as m
from .models._frozen import thaw

if TYPE_CHECKING:
    import cattrs

__all__ = ["ConversionError", "structure", "unstructure"]

T = TypeVar("T")


class ConversionError(ValueError):
    """A JSON value did not fit a model; ``problems`` lists each one by wire path.

    A ``ValueError``: what ``Model.from_dict`` raises for data that does not fit.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# -- the converters ------------------------------------------------------------------------
#
# Two converters, both made by ``_build`` so that their hooks are the same.  The fast one
# (cattrs' generated functions without detailed validation) reads every response and writes
# models back to JSON.  The detailed one (detailed validation, which collects every problem
# with its path) runs only after the fast one failed, to say why.  Each is built on first use
# rather than at import: importing cattrs and generating the functions is most of what
# ``import efundpay`` would otherwise cost.


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


def _equal_to(expected: Any) -> Callable[[Any], bool]:
    """The predicate ``type == expected``: how cattrs is given the hook of a union type."""
    return lambda type_: bool(type_ == expected)


def _build(*, detailed: bool) -> cattrs.Converter:
    """The converter, configured: primitives, then the models (see ``_register``)."""
    import cattrs  # noqa: PLC0415 - deferred from import time to first use, see above

    from . import _wire_rules as w  # noqa: PLC0415 - only the converters need the rules

    converter = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    # The hook of each type, and of the same type or None: one function each (see _wire_rules).
    primitives: list[tuple[Any, Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = [
        (str, w.structure_text, w.optional(w.structure_text, exact=str)),
        (int, w.structure_int, w.optional(w.structure_int, exact=int)),
        (bool, w.structure_bool, w.optional(w.structure_bool, exact=bool)),
        (datetime, w.structure_datetime, w.structure_optional_datetime),
        (date, w.structure_date, w.structure_optional_date),
    ]
    for type_, hook, optional_hook in primitives:
        converter.register_structure_hook(type_, hook)
        # (by predicate: cattrs keeps hooks registered for a union type below every factory)
        converter.register_structure_hook_func(_equal_to(type_ | None), optional_hook)
    converter.register_structure_hook_func(_equal_to(Mapping[str, Any]), w.structure_object)
    converter.register_structure_hook_factory(
        lambda t: w.open_enum(t) is not None, w.structure_open_enum
    )
    converter.register_unstructure_hook_func(
        lambda t: w.open_enum(t) is not None, w.unstructure_open_enum
    )
    converter.register_unstructure_hook(datetime, w.format_time)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook_func(_equal_to(Mapping[str, Any]), thaw)
    # Inner models first: a model's function resolves the hooks of its fields when made.
    strict = w.optional(w.structure_str, exact=str, null_string=True)
    register = functools.partial(_register, converter)
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
        },
    )
    # What eFundPay sends: v3 notifications (camelCase) and v4 webhooks (snake_case).
    # Strict where money is concerned: ids, currencies and statuses are never kept as text.
    register(m.ChargeOrder, camel_case=True, hooks=dict.fromkeys(("id", "currency_type"), strict))
    register(
        m.RecurringCharge,
        camel_case=True,
        hooks={
            **dict.fromkeys(_CHARGE_IDS, strict),
            "status": w.structure_strict_enum(m.ChargeStatus | str | None),
        },
    )
    register(
        m.RecurringPaymentNotification,
        camel_case=True,
        hooks={"event_type": w.structure_strict_enum(m.NotificationEventType | str | None)},
    )
    register(m.WebhookEventData)
    register(m.WebhookEvent, hooks=dict.fromkeys(_EVENT_IDS, strict))
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
    camel_case: bool = False,
    aliases: Mapping[str, str] | None = None,
    hooks: Mapping[str, Callable[[Any, Any], Any]] | None = None,
) -> None:
    """Make and register the structure/unstructure hooks of one model class.

    cattrs generates the function that reads the fields (one ``override`` per attribute:
    its wire name, and its hook when ``hooks`` has one); the function registered around it
    (:func:`_model_hook`) applies the rules of a whole object.  It is registered for
    ``cls`` and for ``cls | None``, so that an optional nested model costs no extra call.
    """
    from cattrs.gen import (  # noqa: PLC0415 - see _build
        make_dict_structure_fn,
        make_dict_unstructure_fn,
        override,
    )

    from ._wire_rules import camel  # noqa: PLC0415 - see _build

    names = {
        field.name: camel(field.name) if camel_case else field.name
        for field in attrs.fields(cls)
        if field.name != "extra"
    }
    _WIRE_NAMES[cls] = names
    hooks = hooks or {}
    overrides: dict[str, Any] = {
        name: override(rename=wire, struct_hook=hooks.get(name)) for name, wire in names.items()
    }
    read_fields = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, extra=override(omit=True), **overrides
    )
    rules = functools.partial(_model_hook, cls, read_fields, frozenset(names.values()), aliases)
    converter.register_structure_hook(cls, rules(nullable=False))
    converter.register_structure_hook_func(_equal_to(cls | None), rules(nullable=True))

    renames: dict[str, Any] = {name: override(rename=wire) for name, wire in names.items()}
    unstructure_fn = make_dict_unstructure_fn(cls, converter, extra=override(omit=True), **renames)

    def unstructure_model(instance: Any) -> dict[str, Any]:
        wire: dict[str, Any] = unstructure_fn(instance)
        for key, value in instance.extra.items():
            wire.setdefault(key, thaw(value))  # a modelled field wins over an unknown key
        return wire

    converter.register_unstructure_hook(cls, unstructure_model)


def _model_hook(
    cls: type[Any],
    read_fields: Callable[[Mapping[str, Any], Any], Any],
    wire_names: frozenset[str],
    aliases: Mapping[str, str] | None,
    *,
    nullable: bool,
) -> Callable[[object, object], Any]:
    """The rules of a whole object around cattrs' function: ``None`` (when ``nullable``:
    the hook of ``cls | None``), is it a JSON object, its aliases, its unknown keys.

    The usual object (a ``dict`` holding only the wire names the model has) takes one test
    and goes straight to cattrs' function; anything else (``None``, another mapping, an
    alias, a key this SDK does not model) takes the general path.  Unknown keys are rare (an
    API newer than the SDK): the instance cattrs made is then made once more by
    ``attrs.evolve``, through ``__init__``, with them in ``extra``.
    """
    from ._wire_rules import json_object, unknown_keys, with_aliases  # noqa: PLC0415

    aliases = aliases or {}
    known = wire_names | aliases.keys()

    def structure_any_object(data: Any) -> Any:
        if data is None and nullable:
            return None
        data = json_object(data)
        if not data.keys().isdisjoint(aliases):
            data = with_aliases(data, aliases)
        instance = read_fields(data, cls)
        if data.keys() <= known:
            return instance
        return attrs.evolve(instance, extra=unknown_keys(data, known))

    def structure_model(data: Any, _: object) -> Any:
        if type(data) is dict and data.keys() <= wire_names:
            return read_fields(data, cls)
        return structure_any_object(data)

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


# model class → the fast converter's hook for it (its whole-object rules around cattrs'
# generated function), so that reading a response skips cattrs' dispatch.
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
