"""v4 webhooks: each documented flattening verifies, any candidate may, nothing tampered does."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from efundpay import SubscriptionStatus, WebhookVerificationError
from efundpay.webhooks import WebhookEvent, verify_v4_webhook
from efundpay.webhooks._signed import flatten_pairs, v4_string

from .notification_signers import key_pair, sign_v4, v4_pairs

EVENT: dict[str, Any] = {
    "id": "evt_<1>&2",
    "type": "subscription.paused",
    "created_at": "2024-01-20T14:22:00Z",
    "livemode": False,
    "data": {
        "subscription": {
            "id": "sub_1234567890abcdef",
            "status": "paused",
            "plan": {"name": "Prémium & <Gold>", "currency": "EUR", "amount": 1299.0},
            "metadata": {"tier": "gold", "ratio": 0.25, "flags": ["x", "y"]},
            "items": [{"price": "p_1", "quantity": 2}, "scalar", [{"lost": "nested"}]],
            "ended_at": None,
        }
    },
}

# A payment webhook exactly as eFundPay's docs show it.
PAYMENT: dict[str, Any] = {
    "ll_transaction_id": "2022012601122644",
    "merchant_transaction_id": "693100628120965120",
    "payment_data": {
        "account_date": "20220126",
        "exchange_rate": "1.00000000",
        "payment_amount": "1.20",
        "payment_currency_code": "EUR",
        "payment_status": "PS",
        "payment_time": "20220126141430",
        "settlement_amount": "1.20",
        "settlement_currency_code": "EUR",
    },
}


def public_pem() -> bytes:
    return key_pair()[1]


def deliver(body: Any, **sign: Any) -> tuple[bytes, dict[str, str]]:
    return json.dumps(body, ensure_ascii=False).encode(), {
        "signature": sign_v4(key_pair()[0], body, **sign)
    }


def rejected(payload: bytes, headers: Any) -> WebhookVerificationError:
    with pytest.raises(WebhookVerificationError) as caught:
        verify_v4_webhook(payload, headers, public_pem())
    return caught.value


def test_the_flattening_matches_the_documented_example_of_the_go_sdk() -> None:
    body = {
        "merchant_transaction_id": "order-1",
        "payment_data": {"payment_amount": "1.20", "payment_status": "PS"},
        "ignored_array": ["x", "y"],
    }
    expected = "merchant_transaction_id=order-1&payment_amount=1.20&payment_status=PS"
    assert v4_string(flatten_pairs(body)) == expected
    assert "&".join(v4_pairs(body)) == expected  # the tests' own signer agrees


def test_a_subscription_event_verifies_and_reads_the_subscription_typed() -> None:
    payload, headers = deliver(EVENT)
    event = verify_v4_webhook(payload, headers, public_pem())
    assert isinstance(event, WebhookEvent)
    assert (event.id, event.type, event.dedupe_key) == (
        "evt_<1>&2",
        "subscription.paused",
        event.id,
    )
    assert event.subscription is not None
    assert event.subscription.status is SubscriptionStatus.PAUSED
    assert event.subscription.plan is not None and event.subscription.plan.amount == 1299
    assert event.created_at is not None and event.created_at.tzinfo is not None


def test_the_documented_payment_webhook_verifies_and_is_deduplicated_by_its_transaction() -> None:
    payload, headers = deliver(PAYMENT)
    event = verify_v4_webhook(payload, headers, public_pem())
    assert event.dedupe_key == "2022012601122644"
    assert event.merchant_transaction_id == "693100628120965120"
    assert event.extra["payment_data"]["payment_amount"] == "1.20"


def test_a_globally_sorted_signature_verifies_when_no_key_repeats() -> None:
    assert v4_pairs(PAYMENT) != sorted(v4_pairs(PAYMENT))  # the two orders really differ here
    payload, headers = deliver(PAYMENT, global_sort=True)
    event = verify_v4_webhook(payload, headers, public_pem())
    assert event.ll_transaction_id == "2022012601122644"


RETARGET: dict[str, Any] = {
    "id": "evt_1",
    "type": "subscription.paused",
    "data": {"subscription": {"id": "sub_A", "status": "paused"}},
}


def swapped_ids(body: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    subscription = changed["data"]["subscription"]
    changed["id"], subscription["id"] = subscription["id"], changed["id"]
    return changed


def test_a_sorted_signature_cannot_be_retargeted_by_swapping_repeated_keys() -> None:
    swapped = swapped_ids(RETARGET)
    assert sorted(v4_pairs(RETARGET)) == sorted(v4_pairs(swapped))  # the ambiguity
    _, global_headers = deliver(RETARGET, global_sort=True)
    assert rejected(json.dumps(swapped).encode(), global_headers).reason == "bad_signature"
    payload, headers = deliver(RETARGET)  # the Go SDK's in-place order still verifies
    assert verify_v4_webhook(payload, headers, public_pem()).id == "evt_1"
    assert rejected(json.dumps(swapped).encode(), headers).reason == "bad_signature"


def test_any_candidate_of_the_comma_separated_list_may_verify() -> None:
    payload, headers = deliver(EVENT)
    other = sign_v4(key_pair("retired secret")[0], EVENT)
    for listed in (f"{other},{headers['signature']}", f' "{other}" , "{headers["signature"]}" '):
        assert verify_v4_webhook(payload, {"Signature": listed}, public_pem()).id == "evt_<1>&2"


def test_the_body_may_arrive_in_any_json_layout() -> None:
    _, headers = deliver(EVENT)
    for payload in (
        json.dumps(EVENT, indent=4).encode(),
        json.dumps(EVENT, sort_keys=True, separators=(",", ":")).encode(),
    ):
        assert verify_v4_webhook(payload, headers, public_pem()).type == "subscription.paused"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: e["data"]["subscription"].__setitem__("status", "active"),
        lambda e: e["data"]["subscription"]["plan"].__setitem__("amount", 1),
        lambda e: e.__setitem__("id", "evt_other"),
        lambda e: e["data"]["subscription"]["metadata"].__setitem__("tier", "platinum"),
        lambda e: e["data"]["subscription"]["items"][0].__setitem__("quantity", 3),
        lambda e: e.__setitem__("livemode", True),
        lambda e: e["data"]["subscription"].__setitem__("extra_field", "added"),
        lambda e: e["data"]["subscription"]["plan"].pop("currency"),
    ],
)
def test_a_changed_signed_value_is_a_bad_signature(tamper: Any) -> None:
    _, headers = deliver(EVENT)
    changed = json.loads(json.dumps(EVENT))
    tamper(changed)
    error = rejected(json.dumps(changed).encode(), headers)
    assert (error.reason, error.header) == ("bad_signature", "signature")


def test_a_signature_by_another_key_is_a_bad_signature() -> None:
    payload = json.dumps(EVENT).encode()
    headers = {"signature": sign_v4(key_pair("attacker")[0], EVENT)}
    assert rejected(payload, headers).reason == "bad_signature"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_header"),
        ({"signature": ""}, "missing_header"),
        ({"signature": "not base64!, ,"}, "malformed_header"),
    ],
)
def test_a_missing_or_empty_signature_header_is_refused(
    headers: dict[str, str], reason: str
) -> None:
    error = rejected(json.dumps(EVENT).encode(), headers)
    assert (error.reason, error.header) == (reason, "signature")


@pytest.mark.parametrize(
    "body",
    [b"not json", b'["an", "array"]', b'{"id":"a","id":"b"}', b'{"id": Infinity}'],
)
def test_a_body_that_is_not_a_json_object_is_malformed(body: bytes) -> None:
    _, headers = deliver(EVENT)
    assert rejected(body, headers).reason == "malformed_body"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": 123}, "$.id"),
        (
            {
                "id": "e",
                "data": {"subscription": {"id": "s", "status": "active", "plan": {"amount": "12"}}},
            },
            "plan.amount",
        ),
        ({"id": "e", "created_at": "yesterday"}, "created_at"),
    ],
)
def test_a_signed_event_whose_fields_are_the_wrong_type_is_malformed(
    body: dict[str, Any], field: str
) -> None:
    payload, headers = deliver(body)
    error = rejected(payload, headers)
    assert error.reason == "malformed_body"
    assert field in str(error)
    assert "'12'" not in str(error) and "yesterday" not in str(error)


def test_large_integers_verify_as_float64_only_when_float64_holds_them() -> None:
    body = {"id": "evt_big", "sequence": 2**60 + 1}
    payload = json.dumps(body).encode()
    exact = sign_v4(key_pair()[0], body)
    assert verify_v4_webhook(payload, {"signature": exact}, public_pem()).id == "evt_big"
    # A signature over the float64 reading (2**60) is the exact signature of 2**60 only:
    # 2**60 + 1 does not verify with it, though float64 reads both alike.
    rounded = {"signature": sign_v4(key_pair()[0], {"id": "evt_big", "sequence": float(2**60 + 1)})}
    assert rejected(payload, rounded).reason == "bad_signature"
    exact_2_60 = json.dumps({"id": "evt_big", "sequence": 2**60}).encode()
    assert verify_v4_webhook(exact_2_60, rounded, public_pem()).id == "evt_big"
    huge = json.dumps({"id": "evt_huge", "sequence": 10**400}).encode()
    huge_headers = {"signature": sign_v4(key_pair()[0], {"id": "evt_huge", "sequence": 10**400})}
    assert verify_v4_webhook(huge, huge_headers, public_pem()).id == "evt_huge"


def recursive_pairs(value: Any) -> list[str]:
    """A signer that walks into every array, arrays of arrays too."""
    if isinstance(value, list):
        return [pair for item in value for pair in recursive_pairs(item)]
    if not isinstance(value, dict):
        return []
    pairs: list[str] = []
    for key in sorted(value):
        item = value[key]
        if isinstance(item, dict | list):
            pairs += recursive_pairs(item)
        elif item is not None:
            pairs.append(f"{key}={str(item).lower() if isinstance(item, bool) else item}")
    return pairs


def test_a_signer_that_walks_into_arrays_of_arrays_verifies_and_they_are_then_signed() -> None:
    body = {"id": "evt_nested", "grid": [[{"cell": "a1"}], [{"cell": "b2"}]]}
    assert recursive_pairs(body) != v4_pairs(body)  # the Go SDK skips the inner arrays
    text = "&".join(recursive_pairs(body)).encode()
    signature = key_pair()[0].sign(text, padding.PKCS1v15(), hashes.SHA1())
    headers = {"signature": base64.b64encode(signature).decode()}
    assert verify_v4_webhook(json.dumps(body).encode(), headers, public_pem()).id == "evt_nested"
    changed = {"id": "evt_nested", "grid": [[{"cell": "a1"}], [{"cell": "z9"}]]}
    assert rejected(json.dumps(changed).encode(), headers).reason == "bad_signature"


def test_an_object_slipped_into_an_array_is_a_bad_signature() -> None:
    body = {"id": "evt_1", "refunds": [], "tags": ["a"]}
    _, headers = deliver(body)
    for changed in (
        {"id": "evt_1", "refunds": [{"amount": 100}], "tags": ["a"]},
        {"id": "evt_1", "refunds": [], "tags": ["a", {"amount": 100}]},
    ):
        assert rejected(json.dumps(changed).encode(), headers).reason == "bad_signature"
