"""A 2xx returns the model: strict where meaning depends on a value, readable elsewhere.

A successful cancel whose nested ``customer.phone_number`` arrived as a JSON number used to
raise ``APIResponseValidationError`` with an unknown outcome, and the replay the error
recommends returned the same error forever.  A descriptive text field now keeps such a
value as its JSON text, with a logged warning; ids, ``status``, ``isActive`` and amounts
stay strict, because what the call did depends on them.
"""

from __future__ import annotations

from typing import Any

import pytest

from efundpay import APIResponseValidationError, SubscriptionStatus
from efundpay._convert import ConversionError, structure
from efundpay.models import Customer, Subscription
from tests.helpers import (
    SEED_CUSTOMER,
    SEED_SUBSCRIPTION,
    mock_client,
    ok_customer,
    ok_subscription,
    scripted,
)

pytestmark = pytest.mark.anyio


async def test_a_cancel_whose_customer_phone_number_is_a_number_returns_the_model(
    caplog: pytest.LogCaptureFixture,
) -> None:
    customer = {**SEED_SUBSCRIPTION["customer"], "phone_number": 15550100}
    client, transport = mock_client(scripted(ok_subscription(customer=customer)))
    async with client:
        with caplog.at_level("WARNING", logger="efundpay"):
            sub = await client.subscriptions.cancel("sub_1")
    assert sub.customer is not None
    assert sub.customer.phone_number == "15550100"
    assert "kept as its JSON text" in caplog.text
    assert "15550100" not in caplog.text  # the value itself is never logged
    assert len(transport.requests) == 1


@pytest.mark.parametrize(
    ("field", "value", "kept"),
    [
        ("display_name", 42, "42"),
        ("email_address", True, "true"),
        ("first_name", {"given": "J"}, '{"given":"J"}'),
        ("last_name", ["D", "oe"], '["D","oe"]'),
    ],
)
async def test_any_odd_value_in_a_descriptive_field_is_kept_readable(
    field: str, value: Any, kept: str
) -> None:
    customer = {**SEED_SUBSCRIPTION["customer"], field: value}
    client, _ = mock_client(scripted(ok_subscription(customer=customer)))
    async with client:
        sub = await client.subscriptions.cancel("sub_1")
    assert getattr(sub.customer, field) == kept


async def test_an_odd_option_value_is_kept_but_an_odd_status_is_refused() -> None:
    lenient = ok_subscription(pause_collection={"behavior": 3})
    client, _ = mock_client(scripted(lenient, ok_subscription(status=3)))
    async with client:
        sub = await client.subscriptions.pause("sub_1")
        assert sub.pause_collection is not None
        assert sub.pause_collection.behavior == "3"
        with pytest.raises(APIResponseValidationError, match=r"\$\.status"):
            await client.subscriptions.pause("sub_1")


@pytest.mark.parametrize(
    ("model", "base", "field", "value"),
    [
        (Subscription, SEED_SUBSCRIPTION, "id", 123),
        (Subscription, SEED_SUBSCRIPTION, "status", ["paused"]),
        (Subscription, SEED_SUBSCRIPTION, "plan", {"amount": "10.00"}),
        (Customer, SEED_CUSTOMER, "id", 123),
        (Customer, SEED_CUSTOMER, "isActive", "maybe"),
        (Customer, SEED_CUSTOMER, "recurringPayment", {"amount": 19.99}),
    ],
)
def test_values_the_meaning_depends_on_stay_strict(
    model: type[Any], base: dict[str, Any], field: str, value: Any
) -> None:
    with pytest.raises(ConversionError, match=field):
        structure({**base, field: value}, model)


async def test_a_toggle_with_an_odd_text_field_returns_the_customer() -> None:
    client, _ = mock_client(scripted(ok_customer(phoneNumber=15550100, label=7)))
    async with client:
        customer = await client.customers.toggle("cus_1")
    assert (customer.phone_number, customer.label) == ("15550100", "7")
    assert customer.is_active is False


def test_a_known_status_is_still_its_member() -> None:
    sub = structure({**SEED_SUBSCRIPTION, "status": "paused"}, Subscription)
    assert sub.status is SubscriptionStatus.PAUSED
