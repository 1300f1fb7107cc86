"""v3 notifications: every documented signed form verifies, nothing tampered or stale does."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import efundpay
from efundpay import ConfigurationError, WebhookVerificationError
from efundpay.webhooks import (
    ChargeStatus,
    NotificationEventType,
    RecurringPaymentNotification,
    verify_v3_notification,
)

from .notification_signers import go_json, key_pair, sign_v3

NONCE = "VYNknZohxwicZMaWbNdBKUrnrxDtaRhN"

RECURRING: dict[str, Any] = {
    "eventType": "RECURRING_PAYMENT",
    "data": {
        "amount": 1200,
        "currency": "MYR",
        "customerId": "1671703158559365205",
        "orderId": 'ord_<7>&"8"',
        "status": "SUCCESS",
        "merchantId": "4118165203679668885",
        "storeId": "1602660043994159611",
        "email": "zoë@example.com",
        "name": "Zoë <Ng> & Sons",
        "countryCode": "60",
        "phoneNumber": "187824152",
        "createdAt": "2022-12-22T09:59:18Z",
        "updatedAt": "2022-12-22T09:59:18Z",
        "tags": ["a<b", 1, {"deep": "日本"}],
        "meta": {"nested": {"x": None, "y": True}},
    },
}


def public_pem() -> bytes:
    return key_pair()[1]


def signed(body: Any = RECURRING, **kwargs: Any) -> tuple[bytes, dict[str, str]]:
    payload = body if isinstance(body, bytes) else go_json(body)
    headers = sign_v3(
        key_pair()[0],
        payload,
        nonce=kwargs.pop("nonce", NONCE),
        timestamp=kwargs.pop("timestamp", int(time.time())),
        **kwargs,
    )
    return payload, headers


def rejected(payload: bytes, headers: Any, **kwargs: Any) -> WebhookVerificationError:
    with pytest.raises(WebhookVerificationError) as caught:
        verify_v3_notification(payload, headers, public_pem(), **kwargs)
    return caught.value


def test_a_recurring_charge_signed_over_the_go_encoded_bytes_verifies_and_reads_typed() -> None:
    payload, headers = signed()
    assert b"\\u0026" in payload and "日本".encode() in payload  # the vendor's escapes

    notification = verify_v3_notification(payload, headers, public_pem())

    assert isinstance(notification, RecurringPaymentNotification)
    assert notification.event_type is NotificationEventType.RECURRING_PAYMENT
    assert notification.status is ChargeStatus.SUCCESS
    assert (notification.amount, notification.currency) == (1200, "MYR")
    assert notification.id == notification.dedupe_key == 'ord_<7>&"8"'
    assert notification.customer_id == "1671703158559365205"
    assert notification.data.name == "Zoë <Ng> & Sons"
    assert notification.data.created_at is not None and notification.data.created_at.tzinfo
    assert notification.data.extra["meta"] == {"nested": {"x": None, "y": True}}


def test_a_body_sent_with_raw_ampersands_verifies_over_the_bytes_as_received() -> None:
    raw = json.dumps(RECURRING, ensure_ascii=False).encode()  # spaces, raw '&', unsorted
    payload, headers = signed(raw)
    assert b"&" in payload and b"\\u0026" not in payload
    assert verify_v3_notification(payload, headers, public_pem()).amount == 1200


def test_a_body_signed_canonically_but_delivered_re_encoded_verifies() -> None:
    _, headers = signed(go_json(RECURRING))
    delivered = json.dumps(RECURRING, indent=2, ensure_ascii=True).encode()
    assert verify_v3_notification(delivered, headers, public_pem()).id == 'ord_<7>&"8"'


def php_json(body: Any) -> bytes:
    """PHP's json_encode with the flags of the vendor's PHP SDK, keys sorted by ksort."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escape)
    return text.encode()


@pytest.mark.parametrize(
    "signed_form",
    [
        "php",
        "plain utf-8",
        "plain ascii",
    ],
)
def test_bodies_signed_in_another_sdks_encoding_verify_whatever_bytes_arrive(
    signed_form: str,
) -> None:
    body = {**RECURRING, "data": {**RECURRING["data"], "name": "O'Brien <&> Zoë"}}
    signed_bytes = {
        "php": php_json(body),
        "plain utf-8": json.dumps(
            body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode(),
        "plain ascii": json.dumps(body, sort_keys=True, separators=(",", ":")).encode(),
    }[signed_form]
    _, headers = signed(signed_bytes)
    delivered = json.dumps(body, indent=1).encode()  # not the bytes that were signed
    assert verify_v3_notification(delivered, headers, public_pem()).data.name == "O'Brien <&> Zoë"
    changed = json.dumps({**body, "data": {**body["data"], "name": "O'Brien"}}).encode()
    assert rejected(changed, headers).reason == "bad_signature"


def test_an_empty_object_signed_without_data_as_the_vendor_sdks_do_verifies() -> None:
    _, headers = signed(b"")  # the string to sign has no data= part
    notification = verify_v3_notification(b"{}", headers, public_pem())
    assert (notification.event_type, notification.id) == (None, None)
    assert rejected(b'{"data":{}}', headers).reason == "bad_signature"


def test_the_get_form_of_the_recurring_guide_verifies_too() -> None:
    payload, headers = signed(method="get")
    assert verify_v3_notification(payload, headers, public_pem()).amount == 1200


def test_a_web_payment_notification_reads_its_amount_and_currency_from_the_order() -> None:
    body = {
        "eventType": "PAYMENT_WEB_ONLINE",
        "data": {
            "transactionId": "190301055133300427675601",
            "currencyType": "MYR",
            "status": "SUCCESS",
            "order": {"id": "P000000660800", "amount": 100, "currencyType": "MYR"},
            "voucher": None,
        },
    }
    payload, headers = signed(body)
    notification = verify_v3_notification(payload, headers, public_pem())
    assert (notification.id, notification.amount, notification.currency) == (
        "190301055133300427675601",
        100,
        "MYR",
    )


def test_a_notification_without_the_documented_envelope_still_reads_with_strict_types() -> None:
    payload, headers = signed({"orderId": "ord_flat", "amount": 5})
    notification = verify_v3_notification(payload, headers, public_pem())
    assert (notification.event_type, notification.id) == (None, None)
    assert notification.extra == {"orderId": "ord_flat", "amount": 5}


def test_the_signature_scheme_may_be_any_case_or_absent_and_spacing_is_free() -> None:
    payload, headers = signed()
    signature = headers["X-Signature"].split()[1]
    for value in (f"SHA256 {signature}", f"sha256\t {signature}", signature):
        headers["X-Signature"] = value
        assert verify_v3_notification(payload, headers, public_pem()).amount == 1200


@pytest.mark.parametrize(
    "shape",
    ["lowercase", "uppercase", "wsgi", "pairs", "bytes"],
)
def test_headers_are_found_in_any_case_and_any_mapping(shape: str) -> None:
    payload, headers = signed()
    given: Any = {
        "lowercase": {k.lower(): v for k, v in headers.items()},
        "uppercase": {k.upper(): v for k, v in headers.items()},
        "wsgi": {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
        "pairs": list(headers.items()),
        "bytes": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }[shape]
    assert verify_v3_notification(payload, given, public_pem()).amount == 1200


def tampered_amount(payload: bytes) -> bytes:
    return payload.replace(b'"amount":1200', b'"amount":9200')


@pytest.mark.parametrize(
    ("change", "header"),
    [
        ("body", None),
        ("body re-encoded", None),
        ("nonce", "X-Nonce-Str"),
        ("timestamp", "X-Timestamp"),
        ("signature", "X-Signature"),
    ],
)
def test_any_change_to_body_or_signed_headers_is_a_bad_signature(
    change: str, header: str | None
) -> None:
    payload, headers = signed()
    if change == "body":
        payload = tampered_amount(payload)
    elif change == "body re-encoded":
        payload = json.dumps({**RECURRING, "data": {**RECURRING["data"], "amount": 1}}).encode()
    elif change == "nonce":
        headers["X-Nonce-Str"] = NONCE[::-1]
    elif change == "timestamp":
        headers["X-Timestamp"] = str(int(headers["X-Timestamp"]) + 1)
    else:
        scheme, signature = headers["X-Signature"].split()
        flipped = bytearray(base64.b64decode(signature))
        flipped[-1] ^= 1
        headers["X-Signature"] = f"{scheme} {base64.b64encode(bytes(flipped)).decode()}"
    error = rejected(payload, headers)
    assert error.reason == "bad_signature"
    assert isinstance(error, efundpay.EFundPayError)


def test_a_signature_by_another_key_is_a_bad_signature() -> None:
    payload = go_json(RECURRING)
    headers = sign_v3(key_pair("attacker")[0], payload, nonce=NONCE, timestamp=int(time.time()))
    assert rejected(payload, headers).reason == "bad_signature"


@pytest.mark.parametrize("missing", ["X-Signature", "X-Nonce-Str", "X-Timestamp"])
def test_a_missing_header_is_named(missing: str) -> None:
    payload, headers = signed()
    del headers[missing]
    error = rejected(payload, headers)
    assert (error.reason, error.header) == ("missing_header", missing)
    assert missing in str(error)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Signature", "sha256 not base64!"),
        ("X-Signature", "md5 AAAA"),
        ("X-Signature", "sha256 AAAA BBBB"),
        ("X-Timestamp", "12:00"),
        ("X-Timestamp", "-5"),
    ],
)
def test_a_malformed_header_is_named(header: str, value: str) -> None:
    payload, headers = signed()
    headers[header] = value
    error = rejected(payload, headers)
    assert (error.reason, error.header) == ("malformed_header", header)


@pytest.mark.parametrize("offset", [-121, 121, -3600, 86_400])
def test_a_timestamp_outside_the_tolerance_either_way_is_stale(offset: int) -> None:
    payload, headers = signed(timestamp=int(time.time()) - offset)
    error = rejected(payload, headers)
    assert (error.reason, error.header) == ("stale_timestamp", "X-Timestamp")
    assert ("future" if offset < 0 else "past") in str(error)


def test_the_tolerance_is_a_parameter_and_none_skips_it_for_saved_copies() -> None:
    payload, headers = signed(timestamp=int(time.time()) - 600)
    assert rejected(payload, headers, tolerance=300).reason == "stale_timestamp"
    assert verify_v3_notification(payload, headers, public_pem(), tolerance=900).amount == 1200
    assert verify_v3_notification(payload, headers, public_pem(), tolerance=None).amount == 1200


def test_a_stale_copy_with_a_bad_signature_is_reported_as_a_bad_signature() -> None:
    payload, headers = signed(timestamp=int(time.time()) - 3600)
    assert rejected(tampered_amount(payload), headers).reason == "bad_signature"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"amount=1200&currency=MYR", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"eventType":"RECURRING_PAYMENT","eventType":"X","data":{}}', "appears twice"),
        (b'{"eventType":"RECURRING_PAYMENT","data":{"amount":"1200"}}', "data.amount"),
        (b'{"eventType":"RECURRING_PAYMENT","data":{"amount":12.5}}', "data.amount"),
        (b'{"eventType":"RECURRING_PAYMENT","data":{"currency":978}}', "data.currency"),
        (b'{"eventType":"RECURRING_PAYMENT","data":{"orderId":42}}', "data.orderId"),
        (b'{"eventType":"RECURRING_PAYMENT","data":{"status":true}}', "data.status"),
        (b'{"eventType":7,"data":{}}', "eventType"),
        (b'{"eventType":"RECURRING_PAYMENT","data":[]}', "$.data"),
        (b'{"eventType":"RECURRING_PAYMENT","data":{"amount":NaN}}', "not JSON"),
        (b'\xff{"eventType":"x","data":{}}', "not UTF-8"),
    ],
)
def test_a_signed_body_that_is_not_a_notification_is_malformed(body: bytes, problem: str) -> None:
    payload, headers = signed(body)
    error = rejected(payload, headers)
    assert error.reason == "malformed_body"
    assert problem in str(error)


def test_errors_never_echo_the_body_or_the_signature() -> None:
    secret_amount = b'{"eventType":"RECURRING_PAYMENT","data":{"amount":"card 4111111111111111"}}'
    payload, headers = signed(secret_amount)
    for error in (
        rejected(payload, headers),
        rejected(tampered_amount(go_json(RECURRING)), signed()[1]),
    ):
        text = str(error) + repr(error.args)
        assert "4111" not in text
        assert headers["X-Signature"].split()[1][:16] not in text


@pytest.mark.parametrize("form", ["pem bytes", "pem text", "key object", "bare base64", "file"])
def test_the_public_key_may_be_given_in_any_usual_form(form: str, tmp_path: Any) -> None:
    pem = public_pem()
    path = tmp_path / "server.pem"
    path.write_bytes(pem)
    key: Any = {
        "pem bytes": pem,
        "pem text": pem.decode(),
        "key object": serialization.load_pem_public_key(pem),
        "bare base64": "".join(pem.decode().splitlines()[1:-1]),
        "file": path,
    }[form]
    payload, headers = signed()
    assert verify_v3_notification(payload, headers, key).amount == 1200


def test_an_unusable_key_is_a_configuration_error_that_does_not_echo_it() -> None:
    payload, headers = signed()
    with pytest.raises(ConfigurationError) as caught:
        verify_v3_notification(payload, headers, b"-----BEGIN PUBLIC KEY-----\nsecretish\n")
    assert "secretish" not in str(caught.value)


def test_an_ec_key_is_refused_as_configuration_not_reported_as_a_bad_signature() -> None:
    payload, headers = signed()
    with pytest.raises(ConfigurationError, match="RSA"):
        verify_v3_notification(
            payload, headers, ec.generate_private_key(ec.SECP256R1()).public_key()
        )


def test_without_the_signing_extra_verification_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['cryptography'] = None\n"
        "from efundpay import ConfigurationError\n"
        "from efundpay.webhooks import verify_v3_notification\n"
        "try:\n"
        "    verify_v3_notification(b'{}', {}, b'-----BEGIN PUBLIC KEY-----')\n"
        "except ConfigurationError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "efundpay[signing]" in result.stdout
