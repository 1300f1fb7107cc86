"""The fake sends what eFundPay sends: signed v3 notifications and v4 webhooks, with faults.

:class:`NotificationSending` gives :class:`~efundpay.testing.FakeEFundPay` its ``send_*``
methods, so a test can drive *your* endpoint end to end::

    with FakeEFundPay() as fake:
        configure_endpoint(public_key=fake.notification_public_key_pem)
        [delivery] = fake.send_v3_notification(f"{app_url}/efundpay/notify", "cus_123")
        assert delivery.status == 200
        fake.send_v3_notification(url, "cus_123", fault="bad_signature")  # must be refused

Faults: ``"bad_signature"`` (one bit of the signature flipped), ``"tampered_body"`` (the
amount changed after signing), ``"missing_signature"``, ``"stale_timestamp"`` (v3: signed
ten minutes ago), ``"duplicate"`` (the same notification delivered twice, as after a lost
acknowledgement; a v3 redelivery is signed afresh).

The signing (:mod:`._signing`) is written from the vendors' documents and shares no code
with :mod:`efundpay.webhooks`.  It needs the ``signing`` extra (``cryptography``).
"""

from __future__ import annotations

import functools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs

from ._signing import NotificationSigner, SignedNotification, flip_a_bit, go_json
from ._state import FakeState
from ._wire import iso, render_subscription

__all__ = ["Delivery", "NotificationFault", "NotificationSending"]

#: The faults a delivery can carry.
NotificationFault = Literal[
    "bad_signature", "tampered_body", "missing_signature", "stale_timestamp", "duplicate"
]
_STALE_BY: Final = 600  # seconds: well outside the documented 120 s window


@attrs.frozen
class Delivery:
    """One notification the fake POSTed, and your endpoint's answer.

    ``status`` is ``None`` when no answer came (refused connection, timeout); ``response``
    holds the answer's body.
    """

    kind: Literal["v3", "v4"]
    url: str
    body: bytes
    headers: Mapping[str, str]
    status: int | None
    response: bytes = b""

    @property
    def accepted(self) -> bool:
        """Whether the endpoint answered 2xx (what eFundPay counts as delivered)."""
        return self.status is not None and 200 <= self.status < 300


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, bytes]:
    request = urllib.request.Request(  # noqa: S310 - a URL the test gave, http(s) only
        url, data=body, method="POST", headers={**headers, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()
    except OSError:
        return None, b""


async def _apost(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, bytes]:
    import aiohttp  # noqa: PLC0415

    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                url,
                data=body,
                headers={**headers, "Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response,
        ):
            return response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError):
        return None, b""


def _deliver(kind: Literal["v3", "v4"], url: str, message: SignedNotification) -> Delivery:
    return Delivery(
        kind, url, message.body, message.headers, *_post(url, message.body, message.headers)
    )


async def _adeliver(kind: Literal["v3", "v4"], url: str, message: SignedNotification) -> Delivery:
    answer = await _apost(url, message.body, message.headers)
    return Delivery(kind, url, message.body, message.headers, *answer)


class NotificationSending:
    """The notification methods of :class:`~efundpay.testing.FakeEFundPay`."""

    _state: FakeState

    @functools.cached_property
    def notification_signer(self) -> NotificationSigner:
        """The signer of this fake's notifications (a fresh test key, made on first use)."""
        return NotificationSigner()

    @property
    def notification_public_key_pem(self) -> bytes:
        """The public key your endpoint verifies this fake's notifications with (PEM)."""
        return self.notification_signer.public_key_pem

    # -- bodies ------------------------------------------------------------------------------

    def v3_notification_body(
        self,
        customer_id: str = "cus_123",
        *,
        order_id: str | None = None,
        amount: int | None = None,
        currency: str | None = None,
        status: str = "SUCCESS",
    ) -> dict[str, Any]:
        """The body of a recurring charge of ``customer_id``, from the fake's state.

        Amount and currency default to the customer's ``recurring_payment``; ``order_id``
        to a fresh ``ord_<hex>``.  ``KeyError`` for an unknown customer.
        """
        customer = self._state.customer(customer_id)
        plan = customer.recurring_payment
        if plan is None and (amount is None or currency is None):
            raise ValueError(f"{customer_id} is tokenized: pass amount= and currency=")
        return {
            "eventType": "RECURRING_PAYMENT",
            "data": {
                "amount": amount if amount is not None else plan.amount,  # type: ignore[union-attr]
                "currency": currency or plan.currency,  # type: ignore[union-attr]
                "customerId": customer.id,
                "orderId": order_id or f"ord_{secrets.token_hex(8)}",
                "status": status,
                "merchantId": customer.merchant_id,
                "storeId": customer.store_id,
                "email": customer.email,
                "name": "Jane Doe",
                "countryCode": customer.country_code,
                "phoneNumber": customer.phone_number,
                "createdAt": iso(customer.created_at),
                "updatedAt": iso(customer.updated_at),
            },
        }

    def v4_webhook_body(
        self,
        subscription_id: str = "sub_1234567890abcdef",
        *,
        event_type: str = "subscription.updated",
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """The body of a webhook about ``subscription_id`` as the fake holds it now."""
        subscription = render_subscription(self._state.subscription(subscription_id))
        return {
            "id": event_id or f"evt_{secrets.token_hex(8)}",
            "type": event_type,
            "created_at": iso(self._state.clock()),
            "livemode": False,
            "data": {"subscription": subscription},
        }

    # -- signing with faults -----------------------------------------------------------------

    def _v3_messages(
        self, body: dict[str, Any], fault: NotificationFault | None
    ) -> list[tuple[bytes, dict[str, str]]]:
        signer = self.notification_signer
        payload = go_json(body)
        stale = fault == "stale_timestamp"
        headers = signer.v3(payload, timestamp=int(time.time()) - _STALE_BY if stale else None)
        if fault == "duplicate":
            return [(payload, headers), (payload, signer.v3(payload))]
        return [self._with_fault(payload, headers, fault, body, "X-Signature")]

    def _v4_messages(
        self, body: dict[str, Any], fault: NotificationFault | None
    ) -> list[tuple[bytes, dict[str, str]]]:
        if fault == "stale_timestamp":
            raise ValueError("v4 webhooks sign no timestamp: replays are caught by id only")
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = self.notification_signer.v4(body)
        if fault == "duplicate":
            return [(payload, headers), (payload, headers)]
        return [self._with_fault(payload, headers, fault, body, "signature")]

    @staticmethod
    def _with_fault(
        payload: bytes,
        headers: dict[str, str],
        fault: NotificationFault | None,
        body: dict[str, Any],
        signature_header: str,
    ) -> tuple[bytes, dict[str, str]]:
        if fault == "bad_signature":
            scheme, _, signature = headers[signature_header].rpartition(" ")
            headers[signature_header] = f"{scheme} {flip_a_bit(signature)}".lstrip()
        elif fault == "missing_signature":
            del headers[signature_header]
        elif fault == "tampered_body":
            changed = json.loads(json.dumps(body))
            target = changed["data"].get("subscription", changed["data"])
            if isinstance(target.get("amount"), int):
                target["amount"] += 100  # a v3 charge: the amount
            else:  # a v4 subscription: the status
                target["status"] = "active" if target.get("status") != "active" else "paused"
            payload = json.dumps(changed, ensure_ascii=False).encode("utf-8")
        return payload, headers

    # -- signed messages, for test clients that need no server --------------------------------

    def signed_v3_notification(
        self,
        customer_id: str = "cus_123",
        *,
        fault: NotificationFault | None = None,
        body: dict[str, Any] | None = None,
        **fields: Any,
    ) -> list[SignedNotification]:
        """The request(s) :meth:`send_v3_notification` would make, without sending them.

        For a framework's test client (Django's ``Client``, Starlette's ``TestClient``)::

            [message] = fake.signed_v3_notification("cus_123")
            client.post("/notify", message.body, content_type="application/json",
                        headers=message.headers)
        """
        body = body if body is not None else self.v3_notification_body(customer_id, **fields)
        return [SignedNotification(*message) for message in self._v3_messages(body, fault)]

    def signed_v4_webhook(
        self,
        subscription_id: str = "sub_1234567890abcdef",
        *,
        fault: NotificationFault | None = None,
        body: dict[str, Any] | None = None,
        **fields: Any,
    ) -> list[SignedNotification]:
        """The request(s) :meth:`send_v4_webhook` would make, without sending them."""
        body = body if body is not None else self.v4_webhook_body(subscription_id, **fields)
        return [SignedNotification(*message) for message in self._v4_messages(body, fault)]

    # -- delivery ----------------------------------------------------------------------------

    def send_v3_notification(
        self,
        url: str,
        customer_id: str = "cus_123",
        *,
        fault: NotificationFault | None = None,
        body: dict[str, Any] | None = None,
        **fields: Any,
    ) -> list[Delivery]:
        """POST a signed v3 recurring-charge notification to ``url``; one :class:`Delivery`
        per request (two for ``fault="duplicate"``).

        ``body`` replaces the notification built by :meth:`v3_notification_body` (whose
        keyword arguments ``fields`` are)::

            [delivery] = fake.send_v3_notification(url, "cus_123", amount=2500)
            assert delivery.accepted
        """
        messages = self.signed_v3_notification(customer_id, fault=fault, body=body, **fields)
        return [_deliver("v3", url, message) for message in messages]

    async def asend_v3_notification(
        self,
        url: str,
        customer_id: str = "cus_123",
        *,
        fault: NotificationFault | None = None,
        body: dict[str, Any] | None = None,
        **fields: Any,
    ) -> list[Delivery]:
        """:meth:`send_v3_notification` for async tests (your app on the same loop)."""
        messages = self.signed_v3_notification(customer_id, fault=fault, body=body, **fields)
        return [await _adeliver("v3", url, message) for message in messages]

    def send_v4_webhook(
        self,
        url: str,
        subscription_id: str = "sub_1234567890abcdef",
        *,
        fault: NotificationFault | None = None,
        body: dict[str, Any] | None = None,
        **fields: Any,
    ) -> list[Delivery]:
        """POST a signed v4 webhook about ``subscription_id`` to ``url``.

        ``fields`` are :meth:`v4_webhook_body`'s keywords (``event_type=``, ``event_id=``)::

            fake.send_v4_webhook(url, event_type="subscription.paused", fault="duplicate")
        """
        messages = self.signed_v4_webhook(subscription_id, fault=fault, body=body, **fields)
        return [_deliver("v4", url, message) for message in messages]

    async def asend_v4_webhook(
        self,
        url: str,
        subscription_id: str = "sub_1234567890abcdef",
        *,
        fault: NotificationFault | None = None,
        body: dict[str, Any] | None = None,
        **fields: Any,
    ) -> list[Delivery]:
        """:meth:`send_v4_webhook` for async tests (your app on the same loop)."""
        messages = self.signed_v4_webhook(subscription_id, fault=fault, body=body, **fields)
        return [await _adeliver("v4", url, message) for message in messages]
