"""The hot path's model readers: one small generated Python function per model.

Why generate code: every response is read into a model, and in a busy client the cost is
the number of Python calls and bytecodes, not the work each does.  With cattrs alone, each
field costs a wrapper for ``X | None`` and then the primitive's hook, each model a wrapper of
ours (aliases, unknown keys), cattrs' function and attrs' ``__init__``, whose dozen keyword
arguments cost as much as reading the fields: about 130 calls for a subscription.  A reader
does the common case inline, one function per model, and calls a hook only for the values
that need one: about 15 calls.

What a reader looks like (``Plan``, abridged; ``read_Plan.source`` holds the whole text,
and tracebacks show its lines)::

    def read_Plan(data, _):
        if type(data) is not dict:
            data = json_object(data)
        missing = 0
        if 'name' in data:
            f_name = data['name']
            if f_name is not None and type(f_name) is not str:
                f_name = hook_name(f_name, type_name)
        else:
            f_name = None
            missing += 1
        ...
        if len(data) + missing == 6:
            extra = {}
        else:
            extra = unknown_keys(data, known)
        self = new(cls)
        set_name(self, f_name)
        ...
        set_extra(self, extra)
        return self

Why a reader is exactly as strict as the converter it stands in for: the inline code only
*accepts* values that already are what the attribute holds, values that the field's hook
would return unchanged:

- ``None`` for an optional field (every hook of an ``X | None`` returns ``None`` for it),
  and the docs' ``"null"`` for the types ``_wire.NULLABLE`` lists, as ``_wire.nullable``;
- an object whose class is exactly ``str``, ``int`` or ``bool`` for a field of that type
  (``True``'s class is ``bool``, not ``int``, so it still goes to the int hook, which
  rejects it);
- a ``str`` for an open enum, looked up in the very table the enum's hook uses.

Every other value goes to the hook the converter uses for the field's type, which converts
it (``"true"``, ``1000.0``, an ISO time) or raises.  A nested model goes to the converter's
hook for it: its own reader.  A field with a hook of its own (``hooks=``, e.g.
``metadata``) always goes to that hook, unless the hook is *narrowing* (``_wire.narrowing``:
the strict ``id`` and ``status``), which stands in for the type's hook behind the same
inline tests.  A missing key gets the attrs default.  The rules of
a whole object (is it one, aliases, unknown keys) are the functions of :mod:`efundpay._wire`
the detailed converter calls too; a reader only skips calling them when a cheap test shows
they have nothing to do (no alias sent; as many keys as known attributes found).

The instance is built as attrs' ``__init__`` of a frozen slotted class builds it, a new
object and then each slot set, without the call itself; ``make_reader`` refuses a class for
which ``__init__`` would do anything more (see ``_check_init_only_sets_attributes``).

A reader's error is never shown: :func:`efundpay._convert.structure` then runs the detailed
converter, which names every problem.  ``tests/test_convert_agreement.py`` feeds tricky and
random JSON into every field of every model and checks that readers and the detailed
converter accept, reject and build exactly the same.
"""

from __future__ import annotations

import linecache
import types
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._wire import (
    NULL_STRING,
    NULLABLE,
    enum_members,
    is_narrowing,
    json_object,
    open_enum,
    unknown_keys,
    with_aliases,
)

if TYPE_CHECKING:
    import cattrs

__all__ = ["make_reader"]

T = TypeVar("T")

# A reader takes the decoded JSON and, unused, the model class (as cattrs calls a hook).
Reader = Callable[[Any, object], T]

# The types whose values a reader accepts by their exact class (see the module docstring).
_EXACT_TYPES: typing.Final = {str: "str", int: "int", bool: "bool"}


def make_reader(
    cls: type[T],
    converter: cattrs.Converter,
    *,
    wire_names: Mapping[str, str],
    aliases: Mapping[str, str],
    hooks: Mapping[str, Callable[[Any, Any], Any]],
) -> Reader[T]:
    """Generate the reader of ``cls``: decoded JSON → a ``cls``, or an exception.

    ``wire_names`` maps each attribute but ``extra`` to its JSON key; ``aliases`` maps an
    alternative key to the key it stands for; ``hooks`` are per-attribute hooks that replace
    the converter's.  The hooks of nested models must already be registered with
    ``converter``.
    """
    model: Any = cls  # an attrs class, typed loosely as attrs' functions want to see one
    attrs.resolve_types(model)
    fields = [field for field in attrs.fields(model) if field.name != "extra"]
    if "extra" not in attrs.fields_dict(model) or {f.name for f in fields} != wire_names.keys():
        raise TypeError(f"{cls.__qualname__}: needs `extra`, and a wire name for all else")
    _check_init_only_sets_attributes(model)
    namespace: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "known": frozenset(wire_names.values()) | aliases.keys(),
        "aliases": dict(aliases),
        "json_object": json_object,
        "with_aliases": with_aliases,
        "unknown_keys": unknown_keys,
    }
    name = f"read_{cls.__name__}"
    lines = [
        f"def {name}(data, _):",
        "    if type(data) is not dict:",
        "        data = json_object(data)",
    ]
    if aliases:  # only a payload that uses an alias pays for the call
        lines += [
            f"    if {' or '.join(f'{alias!r} in data' for alias in aliases)}:",
            "        data = with_aliases(data, aliases)",
        ]
    lines.append("    missing = 0")  # how many attributes were not sent
    for field in fields:
        lines += _read_field(field, wire_names[field.name], converter, hooks, namespace)
    lines += [
        # As many keys as attributes found: then every key sent is a known one.
        f"    if len(data) + missing == {len(fields)}:",
        "        extra = {}",
        "    else:",
        "        extra = unknown_keys(data, known)",
        "    self = new(cls)",
    ]
    for attribute in [field.name for field in fields] + ["extra"]:
        # The slot's own setter: what object.__setattr__ ends up calling, minus the lookup.
        namespace[f"set_{attribute}"] = model.__dict__[attribute].__set__
        local = "extra" if attribute == "extra" else f"f_{attribute}"
        lines.append(f"    set_{attribute}(self, {local})")
    lines.append("    return self")

    source = "\n".join(lines) + "\n"
    filename = f"<efundpay reader {cls.__module__}.{cls.__qualname__}>"
    # Registered with linecache so that tracebacks and debuggers show the generated lines.
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated text
    reader: Reader[T] = namespace[name]
    reader.source = source  # type: ignore[attr-defined]
    return reader


def _check_init_only_sets_attributes(cls: Any) -> None:
    """Refuse a model whose ``__init__`` would do more than a reader does in its place.

    A reader makes the instance as attrs' ``__init__`` of a frozen slotted class does (a new
    object, then each slot set, defaults for what is missing) without calling it: with a
    dozen keyword-only arguments the call alone costs as much as reading the fields.  That
    is only the same thing while ``__init__`` has nothing else to do.
    """
    problems = [
        f"{field.name} has a validator, a converter or init=False"
        for field in attrs.fields(cls)
        if field.validator is not None or field.converter is not None or not field.init
    ]
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        problems.append("it has __attrs_pre_init__ or __attrs_post_init__")
    if cls.__new__ is not object.__new__:
        problems.append("it has its own __new__")
    # A slot of its own for each attribute, and nothing else: no __dict__, and no slot
    # __init__ would also fill (such as attrs' cached hash).
    names = {field.name for field in attrs.fields(cls)}
    slots = {name: cls.__dict__.get(name) for name in names}
    if (
        cls.__dictoffset__ != 0
        or not all(isinstance(slot, types.MemberDescriptorType) for slot in slots.values())
        or not set(cls.__dict__.get("__slots__", ())) <= names | {"__weakref__"}
    ):
        problems.append("it is not a class with exactly one slot per attribute")
    if problems:
        raise TypeError(f"{cls.__qualname__}: a reader cannot stand in for __init__: {problems}")


def _read_field(
    field: attrs.Attribute[Any],
    wire: str,
    converter: cattrs.Converter,
    hooks: Mapping[str, Callable[[Any, Any], Any]],
    namespace: dict[str, Any],
) -> list[str]:
    """The lines that read one attribute into the local ``f_<name>``."""
    local = f"f_{field.name}"
    convert = _convert_lines(field, local, converter, hooks, namespace)
    if field.default is attrs.NOTHING:  # required: a missing key raises KeyError
        return [f"    {local} = data[{wire!r}]", *(f"    {line}" for line in convert)]
    return [
        f"    if {wire!r} in data:",
        f"        {local} = data[{wire!r}]",
        *(f"        {line}" for line in convert),
        "    else:",
        f"        {local} = {_default(field, namespace)}",
        "        missing += 1",
    ]


def _convert_lines(
    field: attrs.Attribute[Any],
    local: str,
    converter: cattrs.Converter,
    hooks: Mapping[str, Callable[[Any, Any], Any]],
    namespace: dict[str, Any],
) -> list[str]:
    """The lines that turn the wire value in ``local`` into the attribute's value.

    One case per kind of field, the most specific first.  Each inline test lets through
    only values that need no conversion; the rest go to ``hook_<name>``, the converter's.
    """
    name, type_ = field.name, field.type
    args = typing.get_args(type_) if _is_union(type_) else (type_,)
    is_optional = type(None) in args
    others = [arg for arg in args if arg is not type(None)]
    # The one type besides None, if there is only one: ``Plan`` for ``Plan | None``.
    inner = others[0] if len(others) == 1 else None
    call = f"{local} = hook_{name}({local}, type_{name})"
    namespace[f"type_{name}"] = type_

    own_hook = hooks.get(name)
    if own_hook is not None and not is_narrowing(own_hook):
        # a hook of its own sees every value, None included
        namespace[f"hook_{name}"] = own_hook
        return [call]
    if type_ in NULLABLE:  # _wire.nullable's test, then the hook that it wraps
        namespace[f"hook_{name}"] = NULLABLE[type_]
        return [
            f"if {local} is None or {local} == {NULL_STRING!r}:",
            f"    {local} = None",
            "else:",
            f"    {call}",
        ]
    if inner is not None and attrs.has(inner):  # a nested model: its reader
        namespace[f"hook_{name}"] = converter.get_structure_hook(inner)
        namespace[f"type_{name}"] = inner
        return [f"if {local} is not None:", f"    {call}"] if is_optional else [call]

    # A narrowing hook (``_wire.narrowing``) returns what the type's own hook returns for
    # every value the inline tests below let through, and refuses more of the rest: so it
    # takes the type's hook's place behind the same inline tests.
    namespace[f"hook_{name}"] = own_hook or converter.get_structure_hook(type_)
    enum_cls = open_enum(type_)
    if enum_cls is not None:  # a known value becomes its member, as in the enum's hook
        namespace[f"members_{name}"] = enum_members(enum_cls)
        return [
            f"if type({local}) is str:",
            f"    {local} = members_{name}.get({local}, {local})",
            f"elif {local} is not None:" if is_optional else "else:",
            f"    {call}",
        ]
    # A primitive, or anything else: the hook is called unless the value already fits.
    tests = [f"{local} is not None"] if is_optional else []
    if inner in _EXACT_TYPES:
        tests.append(f"type({local}) is not {_EXACT_TYPES[inner]}")
    return [f"if {' and '.join(tests)}:", f"    {call}"] if tests else [call]


def _is_union(type_: Any) -> bool:
    return typing.get_origin(type_) in (typing.Union, types.UnionType)


def _default(field: attrs.Attribute[Any], namespace: dict[str, Any]) -> str:
    """The expression of an attribute's default: what attrs would set when it is not given."""
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            raise TypeError(f"{field.name}: a default that takes self is not supported")
        namespace[f"factory_{field.name}"] = default.factory
        return f"factory_{field.name}()"
    if default is None:
        return "None"
    namespace[f"default_{field.name}"] = default
    return f"default_{field.name}"
