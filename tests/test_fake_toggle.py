"""The fake's v3 toggle: what it renders, what it refuses, and how it counts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from efundpay.testing import FakeEFundPay
from tests.test_fake_support import CUS, Wire, open_wire

pytestmark = pytest.mark.anyio

ITEM_FIELDS = {
    "id", "merchantId", "storeId", "label", "email", "countryCode", "phoneNumber",
    "productName", "productDescription", "isActive", "createdAt", "updatedAt", "clientKey",
    "redirectUrl", "notifyUrl", "paymentUrl", "recurringPayment",
}  # fmt: skip
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    async with open_wire() as wire:
        yield wire


async def test_toggle_inverts_is_active_each_time_and_counts_toggles(wire: Wire) -> None:
    first = await wire.toggle()
    second = await wire.toggle()

    assert (first.status, first.json["item"]["isActive"]) == (200, False)
    assert (second.status, second.json["item"]["isActive"]) == (200, True)
    assert wire.fake.customer(CUS).is_active is True
    assert wire.fake.customer(CUS).toggle_count == 2


async def test_toggle_success_envelope_carries_every_documented_field(wire: Wire) -> None:
    reply = await wire.toggle()

    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json["code"] == "SUCCESS"
    assert reply.json["error"] is None
    item = reply.json["item"]
    assert set(item) == ITEM_FIELDS
    assert item["id"] == CUS
    assert item["merchantId"] == wire.fake.merchant_account_id
    assert re.fullmatch(r"\d{6}\*{6}\d{4}", item["label"])
    assert ISO_Z.match(item["createdAt"])
    assert ISO_Z.match(item["updatedAt"])
    assert item["recurringPayment"] == {
        "amount": 1000,
        "currency": "USD",
        "recurringInterval": "MONTHLY",
        "recurringTarget": "1",
        "recurringRepetition": 12,
    }


async def test_tokenized_customer_has_no_recurring_payment_key(wire: Wire) -> None:
    reply = await wire.toggle("cus_tokenized")

    assert reply.status == 200
    assert "recurringPayment" not in reply.json["item"]
    assert wire.fake.customer("cus_tokenized").tokenized


async def test_toggle_of_unknown_customer_is_404_customer_not_found(wire: Wire) -> None:
    reply = await wire.toggle("cus_nobody")

    assert reply.status == 404
    assert reply.json["item"] is None
    assert reply.json["code"] == "CUSTOMER_NOT_FOUND"
    assert reply.error["code"] == "CUSTOMER_NOT_FOUND"
    assert reply.error["message"]
    assert isinstance(reply.error["debug"], str)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer sk_test_wrong", "Basic sk_test_fake", "Bearer", "sk_test_fake", "Bearer  "],
)
async def test_toggle_without_the_right_bearer_key_is_401_and_changes_nothing(
    wire: Wire, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    reply = await wire.toggle(headers=headers)

    assert reply.status == 401
    assert reply.json["code"] == "UNAUTHORIZED"
    assert reply.json["item"] is None
    assert wire.fake.customer(CUS).toggle_count == 0
    assert wire.fake.requests[-1].applied is False


async def test_bearer_scheme_is_case_insensitive(wire: Wire) -> None:
    reply = await wire.toggle(headers={"Authorization": f"bearer {wire.fake.api_key}"})

    assert reply.status == 200


async def test_toggle_before_the_card_is_bound_is_400_card_not_bound(wire: Wire) -> None:
    customer_id = wire.fake.add_customer(card_bound=False, is_active=False)

    reply = await wire.toggle(customer_id)

    assert reply.status == 400
    assert reply.json["code"] == "CARD_NOT_BOUND"
    assert "bound their card" in reply.error["message"]
    assert wire.fake.customer(customer_id).is_active is False


async def test_v3_needs_no_merchant_header(wire: Wire) -> None:
    reply = await wire.toggle(headers={"Authorization": f"Bearer {wire.fake.api_key}"})

    assert reply.status == 200


async def test_toggle_ignores_idempotency_key_so_a_replay_flips_back(wire: Wire) -> None:
    headers = {**wire.auth(), "idempotency-key": "same"}

    first = await wire.toggle(headers=headers)
    second = await wire.toggle(headers=headers)

    assert [first.json["item"]["isActive"], second.json["item"]["isActive"]] == [False, True]
    assert "idempotent-replayed" not in second.headers
    assert wire.fake.customer(CUS).toggle_count == 2


async def test_legacy_v3_renders_is_active_as_string_and_target_as_number() -> None:
    async with open_wire(legacy_v3=True) as wire:
        item = (await wire.toggle()).json["item"]
        tokenized = (await wire.toggle("cus_tokenized")).json["item"]

    assert item["isActive"] == "false"
    assert item["recurringPayment"]["recurringTarget"] == 1
    assert tokenized["isActive"] == "false"


async def test_customer_fields_given_to_add_customer_reach_the_wire(wire: Wire) -> None:
    customer_id = wire.fake.add_customer(
        "cus_weekly",
        email="w@example.com",
        recurring_payment={"recurring_interval": "WEEKLY", "recurring_target": "3"},
        extra={"futureField": {"x": 1}},
    )

    item = (await wire.toggle(customer_id)).json["item"]

    assert item["email"] == "w@example.com"
    assert item["recurringPayment"]["recurringInterval"] == "WEEKLY"
    assert item["recurringPayment"]["recurringTarget"] == "3"
    assert item["futureField"] == {"x": 1}


def test_add_customer_generates_ids_and_refuses_bad_input() -> None:
    fake = FakeEFundPay(sample_data=False)

    generated = fake.add_customer()

    assert re.fullmatch(r"cus_[0-9a-f]{14}", generated)
    with pytest.raises(ValueError, match="already exists"):
        fake.add_customer(generated)
    with pytest.raises(TypeError):
        fake.add_customer(no_such_field=1)
    with pytest.raises(TypeError, match="tokenized"):
        fake.add_customer(tokenized=True, recurring_payment={"amount": 5})
    with pytest.raises(KeyError):
        fake.customer("cus_123")
