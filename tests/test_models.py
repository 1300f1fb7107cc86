"""Models and the converter: strict primitives, open enums, unknown keys, times, masking."""

from __future__ import annotations

import contextlib
import json
import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efundpay import (
    Customer,
    PauseBehavior,
    RecurringInterval,
    Subscription,
    SubscriptionStatus,
)
from efundpay._convert import ConversionError, structure, unstructure
from efundpay.models import FrozenDict
from tests.helpers import SEED_CUSTOMER, SEED_SUBSCRIPTION


def test_the_seed_subscription_reads_into_typed_attributes() -> None:
    sub = structure(SEED_SUBSCRIPTION, Subscription)
    assert sub.status is SubscriptionStatus.PAUSED
    assert sub.pause_collection is not None
    assert sub.pause_collection.behavior is PauseBehavior.MARK_UNCOLLECTIBLE
    assert sub.pause_collection.resume_at == datetime(2024, 3, 1, tzinfo=UTC)
    assert sub.paused_at == datetime(2024, 1, 20, 14, 22, tzinfo=UTC)
    assert sub.next_billing_date is None
    assert sub.plan is not None and sub.plan.amount == 1000
    assert sub.customer is not None and sub.customer.display_name == "John Doe"
    assert sub.payment_method is not None and sub.payment_method.card is not None
    assert sub.payment_method.card.number == "4111111111111111"
    assert sub.payment_method.card.last4 == "1111"
    assert sub.livemode is False


def test_every_seed_customer_field_is_modelled() -> None:
    customer = structure(SEED_CUSTOMER, Customer)
    assert customer.extra == {}
    assert customer.is_active is False
    assert customer.merchant_id == "mer_1"
    assert customer.country_code == "US"
    assert customer.client_key == "ck_live_secret_value"
    assert customer.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    assert customer.recurring_payment is not None
    assert customer.recurring_payment.recurring_interval is RecurringInterval.MONTHLY
    assert customer.recurring_payment.recurring_repetition == 12


def test_a_tokenized_customer_has_no_recurring_payment() -> None:
    data = {key: value for key, value in SEED_CUSTOMER.items() if key != "recurringPayment"}
    assert structure(data, Customer).recurring_payment is None


@pytest.mark.parametrize(
    ("wire", "expected"),
    [(True, True), (False, False), ("true", True), ("false", False), ("FALSE", False)],
)
def test_documented_booleans_read_correctly(wire: object, expected: bool) -> None:
    assert structure({**SEED_CUSTOMER, "isActive": wire}, Customer).is_active is expected


@pytest.mark.parametrize("wire", ["no", "0", 0, 1, None, "", [], {}])
def test_anything_else_is_not_a_boolean(wire: object) -> None:
    with pytest.raises(ConversionError, match=r"isActive"):
        structure({**SEED_CUSTOMER, "isActive": wire}, Customer)


@pytest.mark.parametrize("wire", ["1000", True, 10.5, None])
def test_amounts_must_be_integers(wire: object) -> None:
    data = {**SEED_SUBSCRIPTION, "plan": {"amount": wire}}
    if wire is None:
        assert structure(data, Subscription).plan.amount is None  # type: ignore[union-attr]
        return
    with pytest.raises(ConversionError, match=r"\$\.plan\.amount"):
        structure(data, Subscription)


def test_recurring_target_is_a_string_even_when_sent_as_a_number() -> None:
    data = {**SEED_CUSTOMER, "recurringPayment": {"recurringTarget": -1}}
    customer = structure(data, Customer)
    assert customer.recurring_payment is not None
    assert customer.recurring_payment.recurring_target == "-1"


def test_unknown_enum_values_come_back_as_strings() -> None:
    sub = structure({**SEED_SUBSCRIPTION, "status": "trialing"}, Subscription)
    assert sub.status == "trialing"
    assert not isinstance(sub.status, SubscriptionStatus)
    data = {**SEED_CUSTOMER, "recurringPayment": {"recurringInterval": "YEARLY"}}
    assert structure(data, Customer).recurring_payment.recurring_interval == "YEARLY"  # type: ignore[union-attr]


def test_unknown_keys_are_kept_at_every_level() -> None:
    data = {**SEED_SUBSCRIPTION, "new_top": 1, "plan": {"name": "x", "new_inner": [1, 2]}}
    sub = structure(data, Subscription)
    assert sub.extra == {"new_top": 1}
    assert sub.plan is not None and sub.plan.extra == {"new_inner": [1, 2]}
    assert unstructure(sub)["new_top"] == 1


def test_times_are_timezone_aware_and_dates_are_dates() -> None:
    data = {
        **SEED_SUBSCRIPTION,
        "paused_at": "2024-01-20T16:22:00+02:00",
        "resumed_at": "2024-01-21T00:00:00",
        "canceled_at": 1_700_000_000,
        "next_billing_date": "2024-02-20",
    }
    sub = structure(data, Subscription)
    assert sub.paused_at == datetime(2024, 1, 20, 14, 22, tzinfo=UTC)
    assert sub.paused_at.utcoffset() == timedelta(hours=2)
    assert sub.resumed_at is not None and sub.resumed_at.tzinfo is UTC
    assert sub.canceled_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert sub.next_billing_date == date(2024, 2, 20)


def test_the_docs_null_string_reads_as_none_and_cancelled_at_is_an_alias() -> None:
    data = {**SEED_SUBSCRIPTION, "paused_at": "null", "cancelled_at": "2024-01-20T14:22:00Z"}
    sub = structure(data, Subscription)
    assert sub.paused_at is None
    assert sub.canceled_at == datetime(2024, 1, 20, 14, 22, tzinfo=UTC)
    assert "cancelled_at" not in sub.extra


def test_metadata_sent_as_a_json_string_is_decoded() -> None:
    sub = structure({**SEED_SUBSCRIPTION, "metadata": '{"cancelled_by": "customer"}'}, Subscription)
    assert sub.metadata == {"cancelled_by": "customer"}


def test_errors_list_every_problem_by_wire_name() -> None:
    data = {**SEED_CUSTOMER, "isActive": "maybe", "createdAt": "yesterday"}
    del data["id"]
    with pytest.raises(ConversionError) as raised:
        structure(data, Customer, path="item")
    problems = raised.value.problems
    assert "item.id: required field missing" in problems
    assert any(p.startswith("item.isActive: expected a boolean") for p in problems)
    assert any(p.startswith("item.createdAt: expected an ISO 8601 time") for p in problems)


def test_repr_masks_card_security_code_token_account_and_client_key() -> None:
    text = repr(structure(SEED_SUBSCRIPTION, Subscription))
    for secret in ("4111111111111111", "411111", "12/27", "'123'", "tok_a1b2c3d4", "'123456789'"):
        assert secret not in text
    assert "1111" in text  # the last four digits stay useful
    customer = repr(structure(SEED_CUSTOMER, Customer))
    assert "ck_live_secret_value" not in customer
    # The label is eFundPay's own masked form (first six, last four): safe to show.
    assert "411111******1111" in customer


def test_repr_of_unknown_keys_shows_names_not_values() -> None:
    sub = structure({**SEED_SUBSCRIPTION, "cvv_hint": "987"}, Subscription)
    assert "cvv_hint" in repr(sub)
    assert "987" not in repr(sub)


def test_models_are_frozen() -> None:
    sub = structure(SEED_SUBSCRIPTION, Subscription)
    with pytest.raises(AttributeError):
        sub.status = "active"  # type: ignore[misc]


# -- properties ----------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
aware_times = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.builds(
        timezone, st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))
    ),
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def wire_subscriptions(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(st.text(min_size=1)),
        "status": draw(st.sampled_from([*SubscriptionStatus, "trialing"])).__str__(),
        "paused_at": draw(maybe(aware_times)),
        "next_billing_date": draw(maybe(st.dates())),
        "plan": draw(maybe(st.fixed_dictionaries({"amount": st.integers(), "name": st.text()}))),
        "metadata": draw(st.dictionaries(st.text(), json_scalars, max_size=3)),
        "livemode": draw(maybe(st.booleans())),
        "x_unknown": draw(json_values),
    }


@given(wire_subscriptions())
def test_round_trip_model_to_wire_to_model(data: dict[str, Any]) -> None:
    wire = unstructure(structure(_to_wire(data), Subscription))
    assert structure(wire, Subscription) == structure(_to_wire(data), Subscription)


def _to_wire(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if out["paused_at"] is not None:
        out["paused_at"] = out["paused_at"].isoformat()
    if out["next_billing_date"] is not None:
        out["next_billing_date"] = out["next_billing_date"].isoformat()
    return out


@settings(max_examples=300)
@given(json_values)
@pytest.mark.parametrize("model", [Subscription, Customer])
def test_arbitrary_json_gives_a_model_or_a_conversion_error(model: type[Any], data: Any) -> None:
    try:
        result = structure(data, model)
    except ConversionError as exc:
        assert exc.problems and all(isinstance(p, str) for p in exc.problems)
    else:
        assert isinstance(result, model)


@given(st.dictionaries(st.sampled_from(list(SEED_SUBSCRIPTION)), json_values, min_size=1))
def test_seed_keys_with_arbitrary_values_never_raise_anything_else(patch: dict[str, Any]) -> None:
    with contextlib.suppress(ConversionError):
        structure({**SEED_SUBSCRIPTION, **patch}, Subscription)


# -- to_dict / to_json / from_dict, hashing ------------------------------------------------


def test_to_dict_is_json_ready_with_v4_wire_names() -> None:
    data = {**SEED_SUBSCRIPTION, "paused_at": "2024-01-20T16:22:00+02:00", "x_new": {"a": [1]}}
    data["next_billing_date"] = "2024-02-20"
    wire = structure(data, Subscription).to_dict()
    assert wire["paused_at"] == "2024-01-20T14:22:00Z"  # ISO 8601, in UTC
    assert wire["next_billing_date"] == "2024-02-20"
    assert wire["status"] == "paused" and type(wire["status"]) is str
    assert wire["pause_collection"]["behavior"] == "mark_uncollectible"
    assert wire["plan"]["trial_period_days"] == 14
    assert wire["x_new"] == {"a": [1]} and type(wire["x_new"]["a"]) is list
    assert json.loads(json.dumps(wire)) == wire  # plain JSON types all the way down


def test_to_dict_of_a_v3_model_uses_camel_case() -> None:
    wire = structure({**SEED_CUSTOMER, "newField": 1}, Customer).to_dict()
    assert wire["isActive"] is False
    assert wire["recurringPayment"]["recurringInterval"] == "MONTHLY"
    assert wire["newField"] == 1
    assert "is_active" not in wire


def test_a_modelled_field_wins_over_an_unknown_key_of_the_same_name() -> None:
    sub = Subscription(id="sub_1", status="paused", extra={"id": "other", "x": 1})
    assert sub.to_dict()["id"] == "sub_1"
    assert sub.to_dict()["x"] == 1


def test_to_json_is_compact_or_indented() -> None:
    sub = structure(SEED_SUBSCRIPTION, Subscription)
    compact = sub.to_json()
    assert "\n" not in compact and ": " not in compact
    assert json.loads(compact) == sub.to_dict()
    indented = sub.to_json(indent=2)
    assert indented.startswith('{\n  "id": "sub_1234567890abcdef",')
    assert json.loads(indented) == sub.to_dict()


@pytest.mark.parametrize(
    ("model", "base"), [(Subscription, SEED_SUBSCRIPTION), (Customer, SEED_CUSTOMER)]
)
def test_from_dict_of_to_dict_is_the_same_model(model: type[Any], base: dict[str, Any]) -> None:
    original = model.from_dict({**base, "x_unknown": [{"a": 1}]})
    again = model.from_dict(original.to_dict())
    assert again == original
    assert hash(again) == hash(original)


def test_from_dict_refuses_what_a_response_would_refuse_with_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"\$\.status: expected a string"):
        Subscription.from_dict({"id": "sub_1", "status": 3})


@given(wire_subscriptions())
def test_any_subscription_survives_to_dict_and_from_dict(data: dict[str, Any]) -> None:
    sub = Subscription.from_dict(_to_wire(data))
    assert Subscription.from_dict(json.loads(sub.to_json())) == sub


def test_models_are_hashable_and_equal_models_hash_equal() -> None:
    first = structure({**SEED_SUBSCRIPTION, "metadata": {"tags": ["a"]}}, Subscription)
    second = structure({**SEED_SUBSCRIPTION, "metadata": {"tags": ["a"]}}, Subscription)
    assert first == second and hash(first) == hash(second)
    assert len({first, second, structure(SEED_SUBSCRIPTION, Subscription)}) == 2
    assert hash(structure(SEED_CUSTOMER, Customer)) == hash(structure(SEED_CUSTOMER, Customer))


def test_extra_and_metadata_are_read_only_json_frozen_all_the_way_down() -> None:
    data = {**SEED_SUBSCRIPTION, "metadata": {"tags": ["a"]}, "x_new": {"list": [1, {"b": 2}]}}
    sub = structure(data, Subscription)
    assert sub.metadata["tags"] == ("a",)
    assert sub.extra["x_new"]["list"] == (1, {"b": 2})  # a JSON object still equals its dict
    assert sub.metadata == {"tags": ["a"]}  # compared as JSON: a list equals its tuple
    with pytest.raises(TypeError):
        sub.metadata["tags"] = ["b"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        sub.extra._data = {}  # type: ignore[attr-defined]


def test_a_model_made_by_hand_freezes_the_mappings_it_is_given() -> None:
    given_metadata = {"tags": ["a"]}
    sub = Subscription(id="sub_1", status="paused", metadata=given_metadata)
    given_metadata["tags"].append("b")  # the caller's dict stays theirs
    assert sub.metadata == {"tags": ["a"]}
    assert isinstance(sub.metadata, FrozenDict)
    hash(sub)


def test_models_and_their_mappings_pickle() -> None:
    sub = structure({**SEED_SUBSCRIPTION, "metadata": {"a": [1]}, "x_new": 1}, Subscription)
    again = pickle.loads(pickle.dumps(sub))
    assert again == sub and again.extra == {"x_new": 1} and isinstance(again.metadata, FrozenDict)


def test_json_nested_as_deep_as_the_parser_allows_is_frozen_and_thawed_without_recursion() -> None:
    deep = json.loads("[" * 900 + "]" * 900)  # deeper than a recursive freeze could go
    sub = structure({**SEED_SUBSCRIPTION, "trace": deep}, Subscription)
    assert isinstance(sub.extra["trace"], tuple)
    assert sub.to_dict()["trace"] == deep
