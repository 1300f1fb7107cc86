"""The one cattrs converter: wire JSON ⇄ models.

Everything about the wire format of models lives here, and nowhere else:

- **Naming**: v3 objects are camelCase on the wire, v4 objects snake_case; attributes are
  always snake_case.
- **Strict primitives**: ``"false"`` never becomes ``True``.  Booleans accept JSON booleans
  and the strings ``"true"``/``"false"`` that older docs show; integers reject booleans,
  strings and fractions; strings reject numbers (except ``recurringTarget``, documented to
  arrive as either).
- **Open enums**: a value the SDK does not know comes back as the plain string.
- **Forward compatible**: unknown keys are kept in each model's ``extra`` mapping.
- **Times**: ISO 8601 (``Z`` or an offset) or epoch seconds → aware ``datetime``; a time
  without an offset is taken as UTC.  ``next_billing_date`` → ``date``.  The literal string
  ``"null"``, which the docs show for empty times, reads as ``None``.

Failures raise :class:`ConversionError` listing every problem by its wire path, e.g.
``item.isActive: expected a boolean, got 'maybe'``.
"""

from __future__ import annotations

import enum
import functools
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
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


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- primitives ---------------------------------------------------------------------------


def _structure_bool(value: object, _: object) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(f"expected a boolean, got {_describe(value)}")


def _structure_int(value: object, _: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {_describe(value)}")


def _structure_str(value: object, _: object) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {_describe(value)}")


def _structure_str_or_number(value: object, _: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string or an integer, got {_describe(value)}")


def _structure_datetime(value: object, _: object) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 time, got {_describe(value)}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch seconds out of range: {_describe(value)}") from None
    else:
        raise TypeError(f"expected an ISO 8601 time, got {_describe(value)}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_date(value: object, _: object) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {_describe(value)}") from None
    raise TypeError(f"expected a date YYYY-MM-DD, got {_describe(value)}")


def _nullable(hook: Callable[[object, object], T]) -> Callable[[object, object], T | None]:
    def structure(value: object, type_: object) -> T | None:
        if value is None or value == "null":
            return None
        return hook(value, type_)

    return structure


def _structure_object(value: object, _: object) -> dict[str, Any]:
    """A free-form JSON object (``metadata``); a JSON-encoded object string is decoded."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"expected a JSON object, got {_describe(value)}") from None
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return dict(value)
    raise TypeError(f"expected a JSON object, got {_describe(value)}")


def _unstructure_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- open enums ----------------------------------------------------------------------------


def _open_enum(type_: Any) -> type[enum.Enum] | None:
    """The enum of an ``SomeEnum | str`` (optionally ``| None``) annotation, else ``None``."""
    if typing.get_origin(type_) not in (typing.Union, types.UnionType):
        return None
    args = set(typing.get_args(type_)) - {type(None)}
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if len(enums) == 1 and args == {enums[0], str}:
        return enums[0]
    return None


def _structure_open_enum(type_: Any) -> Callable[[object, object], object]:
    enum_cls = _open_enum(type_)
    assert enum_cls is not None
    nullable = type(None) in typing.get_args(type_)
    members: dict[object, object] = {member.value: member for member in enum_cls}

    def structure(value: object, _: object) -> object:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {_describe(value)}")
        return members.get(value, value)

    return structure


# -- the converters ------------------------------------------------------------------------
#
# Two converters, both made by ``_build`` so that their hooks are the same: the fast one reads
# every response; the detailed one (cattrs' detailed validation, which collects every problem
# with its path but costs about twice as much) runs only after the fast one failed, to say
# why.  Each is built on first use rather than at import: importing cattrs and generating the
# hooks is most of what ``import efundpay`` would otherwise cost.


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


def _build(*, detailed: bool) -> cattrs.Converter:
    """The converter, configured: primitives, then the models (see ``_register``)."""
    import cattrs  # noqa: PLC0415 - deferred from import time to first use, see above

    converter = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    # Registered first so that the more specific hooks below take precedence over it.
    converter.register_structure_hook_factory(_is_optional, _structure_optional)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook(date, _structure_date)
    # (by predicate: cattrs keeps hooks registered for a union type below every factory)
    converter.register_structure_hook_func(
        lambda t: t == datetime | None, _nullable(_structure_datetime)
    )
    converter.register_structure_hook_func(lambda t: t == date | None, _nullable(_structure_date))
    converter.register_structure_hook_func(lambda t: t == Mapping[str, Any], _structure_object)
    converter.register_structure_hook_factory(
        lambda t: _open_enum(t) is not None, _structure_open_enum
    )
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    # Inner models first: a generated hook resolves the hooks of its fields when it is made.
    _register(
        converter,
        m.RecurringPayment,
        camel_case=True,
        hooks={"recurring_target": _structure_str_or_number},
    )
    _register(converter, m.Customer, camel_case=True)
    _register(converter, m.Card)
    _register(converter, m.PaymentMethod)
    _register(converter, m.SubscriptionCustomer)
    _register(converter, m.Plan)
    _register(converter, m.PauseCollection)
    _register(converter, m.CancellationDetails)
    _register(
        converter,
        m.Subscription,
        aliases={"cancelled_at": "canceled_at"},
        hooks={"metadata": _structure_object},
    )
    return converter


@functools.cache
def _fast() -> cattrs.Converter:
    return _build(detailed=False)


@functools.cache
def _detailed() -> cattrs.Converter:
    return _build(detailed=True)


# ``dict`` first: what JSON gives, recognised without the slower ABC check.
_JSON_OBJECT: Final = (dict, Mapping)

# attribute name → wire name, per model; also used to name fields in error messages.
_WIRE_NAMES: dict[type, dict[str, str]] = {}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _register(
    converter: cattrs.Converter,
    cls: type[Any],
    *,
    camel_case: bool = False,
    aliases: Mapping[str, str] | None = None,
    hooks: Mapping[str, Callable[[Any, Any], Any]] | None = None,
) -> None:
    """Generate and register the structure/unstructure hooks of one model class."""
    from cattrs.gen import (  # noqa: PLC0415 - see _build
        make_dict_structure_fn,
        make_dict_unstructure_fn,
        override,
    )

    aliases = dict(aliases or {})
    hooks = dict(hooks or {})
    names = {
        field.name: _camel(field.name) if camel_case else field.name
        for field in attrs.fields(cls)
        if field.name != "extra"
    }
    _WIRE_NAMES[cls] = names
    known = frozenset(names.values()) | aliases.keys()
    structure_overrides: dict[str, Any] = {
        name: override(rename=wire, struct_hook=hooks.get(name)) for name, wire in names.items()
    }
    unstructure_overrides: dict[str, Any] = {
        name: override(rename=wire) for name, wire in names.items()
    }
    omit_extra = override(omit=True)
    structure_fn = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, extra=omit_extra, **structure_overrides
    )
    unstructure_fn = make_dict_unstructure_fn(
        cls, converter, extra=omit_extra, **unstructure_overrides
    )

    def structure_model(data: object, _: object) -> Any:
        if not isinstance(data, _JSON_OBJECT):
            raise TypeError(f"expected a JSON object, got {_describe(data)}")
        for alias, canonical in aliases.items():
            if alias in data and canonical not in data:
                data = {**data, canonical: data[alias]}
        instance = structure_fn(data, cls)
        if not data.keys() <= known:  # the usual case, answered by one set comparison
            extra = {key: value for key, value in data.items() if key not in known}
            # The one sanctioned way to set a field of a frozen attrs instance.
            object.__setattr__(instance, "extra", extra)
        return instance

    def unstructure_model(instance: Any) -> dict[str, Any]:
        wire = unstructure_fn(instance)
        wire.update(instance.extra)
        return wire

    converter.register_structure_hook(cls, structure_model)
    converter.register_unstructure_hook(cls, unstructure_model)


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


def structure(data: Any, cls: type[T], *, path: str = "$") -> T:
    """Build a ``cls`` from decoded JSON, or raise :class:`ConversionError`."""
    try:
        return _fast().structure(data, cls)
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
