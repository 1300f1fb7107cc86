"""The fast converter accepts, rejects and builds exactly what the detailed converter does.

Both are cattrs converters configured by the same function with the same hooks; they differ
in cattrs' ``detailed_validation``, which changes the code cattrs generates per model.  Every
response is read by the fast one; only a failure goes to the detailed one, to be explained.
If the two disagreed, a payload could be read one way by the SDK and explained another way,
or read where it should have been refused.  So every
field of every model gets tricky values one by one, and random JSON everywhere at once,
and both must agree on the outcome: the same model, down to the type of every value, or a
rejection by both.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efundpay import _convert as convert
from efundpay import models
from tests.helpers import SEED_CUSTOMER, SEED_SUBSCRIPTION

MODELS: list[type[Any]] = [
    cls for name in models.__all__ if attrs.has(cls := getattr(models, name))
]
ENUM_VALUES = [
    member.value
    for name in models.__all__
    if isinstance(cls := getattr(models, name), type) and issubclass(cls, enum.Enum)
    for member in cls
]
# A payload each model reads as it is: a top-level model's seed; the others have no
# required field.
BASES: dict[type[Any], dict[str, Any]] = {
    models.Subscription: SEED_SUBSCRIPTION,
    models.Customer: SEED_CUSTOMER,
}

# Values that sit on the edges of the rules: the strings the rules read specially, numbers
# that are and are not integers, booleans where numbers go and numbers where strings go,
# times in every accepted shape and some that only look like one, objects and their JSON.
TRICKY: list[Any] = [
    None, True, False, 0, 1, -1, 7, 2**63, 1.0, -3.0, 1.5, 1e300, float("inf"),
    "", "x", "true", "false", "TRUE", "False", "yes", "0", "1", "-1", "1.0", "null", "None",
    "2024-01-20T14:22:00Z", "2024-01-20T16:22:00+02:00", "2024-01-20T14:22:00", "2024-02-20",
    "2024-02-20T00:00:00Z", "2024-13-01", "yesterday", 1_700_000_000, 1_700_000_000.5,
    10**20, -(10**20),
    {}, {"a": 1}, {"amount": 5, "name": "n"}, {1: "x"}, [], [1, "a"],
    '{"a": 1}', "{}", "[1]", "{not json",
    *ENUM_VALUES, "unknown_enum_value",
]  # fmt: skip


def wire_names(model: type[Any]) -> Mapping[str, str]:
    """Attribute → JSON key, as the converters were configured."""
    convert._fast()  # the names are recorded while the converters are built
    return convert._WIRE_NAMES[model]


def outcome(converter: Any, data: Any, model: type[Any]) -> object:
    """What ``converter`` makes of ``data``: the model as comparable data, or a rejection."""
    try:
        return exact(converter.structure(data, model))
    except Exception:
        return "rejected"


def exact(value: Any) -> object:
    """``value`` as data that differs whenever a type differs (``1`` vs ``1.0`` vs ``True``,
    a member vs its string, a time zone vs another), unlike ``==``."""
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value), tuple((f.name, exact(getattr(value, f.name))) for f in fields))
    if isinstance(value, Mapping):
        return (type(value), tuple((exact(k), exact(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (list, tuple(exact(item) for item in value))
    return (type(value), repr(value))


def assert_agree(data: Any, model: type[Any]) -> None:
    fast = outcome(convert._fast(), data, model)
    detailed = outcome(convert._detailed(), data, model)
    assert fast == detailed, f"fast: {fast!r}\ndetailed: {detailed!r}"


# -- every field, every tricky value --------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_each_field_reads_each_tricky_value_as_the_detailed_converter_does(
    model: type[Any],
) -> None:
    base = BASES.get(model, {})
    keys = [*wire_names(model).values(), "cancelled_at", "extra", "x_unknown"]
    for key in keys:
        without = {k: v for k, v in base.items() if k != key}
        assert_agree(without, model)
        for value in TRICKY:
            assert_agree({**base, key: value}, model)


def test_the_tricky_values_are_read_both_ways_somewhere() -> None:
    # Guards the test above against a base payload that every value fails on.
    accepted = rejected = 0
    for model in MODELS:
        for key in wire_names(model).values():
            for value in TRICKY:
                data = {**BASES.get(model, {}), key: value}
                if outcome(convert._fast(), data, model) == "rejected":
                    rejected += 1
                else:
                    accepted += 1
    assert accepted > 1000 and rejected > 1000


# -- random JSON everywhere -----------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(TRICKY),
    st.datetimes(min_value=datetime(1, 1, 2)).map(datetime.isoformat),  # no offset: UTC
    st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
    st.datetimes(
        min_value=datetime(1, 1, 2),
        timezones=st.builds(timezone, st.integers(-1439, 1439).map(lambda m: timedelta(minutes=m))),
    ).map(datetime.isoformat),
    st.dates().map(date.isoformat),
    st.dictionaries(st.text(max_size=4), st.integers() | st.text(max_size=4)).map(json.dumps),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def nested_model(model: type[Any], attribute: str) -> type[Any] | None:
    """The model an attribute holds (``Plan`` for ``plan: Plan | None``), if any."""
    type_ = attrs.fields_dict(attrs.resolve_types(model))[attribute].type
    is_union = typing.get_origin(type_) in (typing.Union, types.UnionType)
    args = typing.get_args(type_) if is_union else (type_,)
    found = [arg for arg in args if attrs.has(arg)]
    return found[0] if found else None


def payloads(model: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects with any of ``model``'s keys (and unknown ones), each with any value;
    a nested model's key also gets payloads of that model."""
    values: dict[str, st.SearchStrategy[Any]] = {}
    for attribute, wire in wire_names(model).items():
        inner = nested_model(model, attribute)
        values[wire] = json_values if inner is None else json_values | payloads(inner)
    values["cancelled_at"] = values["x_unknown"] = values["extra"] = json_values
    return st.fixed_dictionaries({}, optional=values)


@st.composite
def documents(draw: st.DrawFn, model: type[Any]) -> Any:
    """Mostly payloads near the seed; also bare payloads, read-only mappings and non-objects."""
    payload = draw(payloads(model))
    shape = draw(st.sampled_from(["seeded", "bare", "mapping", "anything"]))
    if shape == "seeded":
        return {**BASES.get(model, {}), **payload}
    if shape == "mapping":
        return types.MappingProxyType({**BASES.get(model, {}), **payload})
    if shape == "anything":
        return draw(json_values)
    return payload


@settings(max_examples=100, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_random_json_in_every_field_is_read_as_the_detailed_converter_reads_it(
    model: type[Any], data: st.DataObject
) -> None:
    assert_agree(data.draw(documents(model)), model)
