"""The wire format's rules, one function each: the hooks :mod:`efundpay._convert` gives cattrs.

The hooks here read one JSON value into one attribute, strictly (see :mod:`efundpay._convert`
for the rules as a whole); the last functions are the rules of a whole JSON object (is it
one, its aliases, its unknown keys).  Both converters (cattrs' fast and detailed modes) are
configured with these same functions, so they cannot drift apart in what they accept.

A hook takes ``(value, type)``, as cattrs calls it, and returns the attribute's value or
raises ``TypeError``/``ValueError`` with a message that names the problem.  The hook of an
optional type (``str | None``) is one function, not a ``None`` test wrapped around the hook
of ``str``: every field of every response costs one Python call, not two.
"""

from __future__ import annotations

import enum
import functools
import json
import logging
import reprlib
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, Final, TypeVar

__all__ = [
    "NULL_STRING",
    "camel",
    "describe",
    "format_time",
    "json_object",
    "open_enum",
    "optional",
    "structure_bool",
    "structure_date",
    "structure_datetime",
    "structure_int",
    "structure_object",
    "structure_open_enum",
    "structure_optional_date",
    "structure_optional_datetime",
    "structure_str",
    "structure_str_or_number",
    "structure_strict_enum",
    "structure_text",
    "unknown_keys",
    "unstructure_open_enum",
    "with_aliases",
]

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()  # keyword arguments only from Python 3.12 on
    short.maxlevel, short.maxstring, short.maxother = 3, 40, 40
    return short


_REPR: Final = _short_repr()


def describe(value: object) -> str:
    """``repr(value)``, cut to 40 characters: enough to recognise it in an error message.

    Containers are shown three levels deep at most, so that no value, however deeply
    nested, can exhaust the stack while an error message is written.
    """
    text = _REPR.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def camel(name: str) -> str:
    """``recurring_target`` → ``recurringTarget``: a v3 object's wire name of an attribute."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def format_time(value: datetime, *, timespec: str = "auto") -> str:
    """An aware ``datetime`` → ISO 8601 in UTC, written with ``Z``: how the SDK writes times.

    Request options (``resume_at``), ``Model.to_dict()`` and the fake's responses all
    write times with this one function.

    >>> from datetime import timedelta, timezone
    >>> format_time(datetime(2025, 3, 1, 2, tzinfo=timezone(timedelta(hours=2))))
    '2025-03-01T00:00:00Z'
    """
    return value.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


# -- primitives ---------------------------------------------------------------------------


def structure_bool(value: object, _: object) -> bool:
    """A JSON boolean, or ``"true"``/``"false"`` in any case, as older docs show."""
    if value is True or value is False:
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(f"expected a boolean, got {describe(value)}")


def structure_int(value: object, _: object) -> int:
    """An integer, or a float without a fraction; never a boolean or a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {describe(value)}")


def structure_str(value: object, _: object) -> str:
    """A string, and nothing else: a number is not silently turned into one."""
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {describe(value)}")


def _kept_as_text(value: object) -> str:
    """An odd JSON value in a descriptive field, kept readable as its JSON text.

    The warning names the kind of value, never the value: a card number that arrives as a
    JSON number must not reach a log line.
    """
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = str(type(value).__name__)
    logging.getLogger("efundpay").warning(
        "a text field of eFundPay's response held a JSON %s; kept as its JSON text",
        type(value).__name__,
    )
    return text


def structure_text(value: object, _: object) -> str:
    """A descriptive string field (a name, a phone number): a string is taken as it is.

    Any other JSON value is kept readable as its JSON text (``1234567890`` → ``"1234567890"``)
    with a logged warning, rather than failing a response whose meaning does not depend on
    it.  Fields whose meaning does (ids, ``status``) use :func:`structure_str` instead.
    """
    if isinstance(value, str):
        return value
    return _kept_as_text(value)


def structure_str_or_number(value: object, _: object) -> str | None:
    """``recurringTarget``, documented to arrive as a string or as an integer."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected a string or an integer, got {describe(value)}")


#: How the docs write an empty time or date.
NULL_STRING: Final = "null"


def structure_datetime(value: object, _: object = None) -> datetime:
    """ISO 8601 or epoch seconds → an aware ``datetime``; no offset means UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 time, got {describe(value)}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch seconds out of range: {describe(value)}") from None
    else:
        raise TypeError(f"expected an ISO 8601 time, got {describe(value)}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def structure_date(value: object, _: object = None) -> date:
    """``YYYY-MM-DD`` (anything after the tenth character, such as a time, is ignored)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {describe(value)}") from None
    raise TypeError(f"expected a date YYYY-MM-DD, got {describe(value)}")


def optional(
    hook: Hook, *, exact: type | None = None, null_string: bool = False
) -> Callable[[object, object], Any]:
    """The hook of ``X | None``: ``None`` → ``None``, anything else → ``hook``.

    ``exact``: values of exactly this class are what ``hook`` would return unchanged, and
    are returned without calling it (``True``'s class is ``bool``, not ``int``, so it still
    reaches the integer hook, which refuses it).  ``null_string``: the docs' literal
    ``"null"`` also reads as ``None`` (times and dates).  One Python call per value in the
    common case.
    """
    if null_string:

        def structure_nullable(value: object, type_: object) -> Any:
            if value is None or value == NULL_STRING:
                return None
            return hook(value, type_)

        return structure_nullable
    if exact is None:

        def structure_optional(value: object, type_: object) -> Any:
            return None if value is None else hook(value, type_)

        return structure_optional

    def structure_optional_exact(value: object, type_: object) -> Any:
        if value is None or type(value) is exact:
            return value
        return hook(value, type_)

    return structure_optional_exact


#: The hooks of ``datetime | None`` and ``date | None``: the docs write an empty time as
#: ``"null"``.  (Two plain Python calls cost a third of one through a ``functools.partial``
#: holding a keyword argument, which builds a dict of keywords per call.)
structure_optional_datetime: Final = optional(structure_datetime, null_string=True)
structure_optional_date: Final = optional(structure_date, null_string=True)


def structure_object(value: object, _: object) -> dict[str, Any]:
    """A free-form JSON object (``metadata``); a JSON-encoded object string is decoded."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"expected a JSON object, got {describe(value)}") from None
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return dict(value)
    raise TypeError(f"expected a JSON object, got {describe(value)}")


# -- open enums ----------------------------------------------------------------------------


def open_enum(type_: Any) -> type[enum.Enum] | None:
    """The enum of an ``SomeEnum | str`` (optionally ``| None``) annotation, else ``None``."""
    if typing.get_origin(type_) not in (typing.Union, types.UnionType):
        return None
    args = set(typing.get_args(type_)) - {type(None)}
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if len(enums) == 1 and args == {enums[0], str}:
        return enums[0]
    return None


@functools.cache
def _members(enum_cls: type[enum.Enum]) -> Mapping[object, enum.Enum]:
    """Wire value → member."""
    return {member.value: member for member in enum_cls}


def structure_open_enum(type_: Any) -> Callable[[object, object], object]:
    """The hook of an open enum annotation: a known value → its member, else the string.

    A value that is not a string is kept as its JSON text (see :func:`structure_text`);
    :func:`structure_strict_enum` is for the enums whose meaning matters (``status``).
    """
    return _open_enum_hook(type_, strict=False)


def structure_strict_enum(type_: Any) -> Callable[[object, object], object]:
    """An open enum that must arrive as a string: a subscription's ``status``."""
    return _open_enum_hook(type_, strict=True)


def _open_enum_hook(type_: Any, *, strict: bool) -> Callable[[object, object], object]:
    enum_cls = open_enum(type_)
    assert enum_cls is not None
    is_optional = type(None) in typing.get_args(type_)
    members = _members(enum_cls)

    def structure_enum(value: object, _: object) -> object:
        if type(value) is str:  # the common case first: one dict lookup
            return members.get(value, value)
        if value is None and is_optional:
            return None
        if not isinstance(value, str):
            if strict:
                raise TypeError(f"expected a string, got {describe(value)}")
            return _kept_as_text(value)
        return members.get(value, value)

    return structure_enum


def unstructure_open_enum(value: object) -> object:
    """An open enum's value as JSON: a member → its value; an unknown string as it is."""
    return value.value if isinstance(value, enum.Enum) else value


# -- whole objects -------------------------------------------------------------------------


def json_object(data: object) -> Mapping[Any, Any]:
    """``data`` if it is a JSON object (any mapping), else a ``TypeError``."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object, got {describe(data)}")
    return data


def with_aliases(data: Mapping[Any, Any], aliases: Mapping[str, str]) -> Mapping[Any, Any]:
    """``data`` with each alias's value under its canonical key, unless that key was sent.

    The alias itself stays, and counts as a known key: it does not land in ``extra``.
    ``data`` is never changed; a copy is made only when an alias is used.
    """
    for alias, canonical in aliases.items():
        if alias in data and canonical not in data:
            data = {**data, canonical: data[alias]}
    return data


def unknown_keys(data: Mapping[Any, Any], known: frozenset[str]) -> dict[Any, Any]:
    """The keys of ``data`` this SDK does not model, with their values: a model's ``extra``."""
    return {key: value for key, value in data.items() if key not in known}
