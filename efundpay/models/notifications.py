"""Models of what eFundPay sends you: v3 ``notifyUrl`` notifications and v4 webhooks.

What is documented and what is inferred (``docs/notifications.md`` says more):

- **v3** (the white-labelled Revenue Monster Open API).  A recurring charge is notified as
  ``{"eventType": "RECURRING_PAYMENT", "data": {...}}`` with ``data.amount`` (minor units),
  ``currency``, ``customerId``, ``orderId``, ``status``, ``merchantId``, ``storeId``, the
  customer's ``email``/``name``/``countryCode``/``phoneNumber`` and ``createdAt``/
  ``updatedAt``.  Other payments are notified as ``{"eventType": "PAYMENT_WEB_ONLINE",
  "data": {...}}`` with ``transactionId``, ``currencyType``, ``finalAmount``,
  ``balanceAmount`` and an ``order`` object (``id``, ``amount``, ``currencyType``…).  One
  model reads both shapes; :attr:`RecurringPaymentNotification.id`, ``.amount`` and
  ``.currency`` pick whichever is present.
- **v4**.  eFundPay documents the signature and its payment and refund webhooks, not the
  body of a subscription event.  :class:`WebhookEvent` reads the common event envelope
  (``id``, ``type``, ``created_at``, ``data.subscription`` as a :class:`Subscription`) and the
  documented payment/refund identifiers; anything else stays reachable in ``extra``.

Strict where money is concerned: amounts must be integers (minor units), currencies,
statuses and ids strings.  A ``"100"`` amount is refused, never guessed at.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, extra_field
from .subscriptions import Subscription

__all__ = [
    "ChargeOrder",
    "ChargeStatus",
    "NotificationEventType",
    "RecurringCharge",
    "RecurringPaymentNotification",
    "WebhookEvent",
    "WebhookEventData",
]


class NotificationEventType(enum.StrEnum):
    """The ``eventType`` of a v3 notification.  Unknown values arrive as plain strings."""

    RECURRING_PAYMENT = "RECURRING_PAYMENT"
    PAYMENT_WEB_ONLINE = "PAYMENT_WEB_ONLINE"


class ChargeStatus(enum.StrEnum):
    """The status of a notified charge.  Unknown values arrive as plain strings."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    IN_PROCESS = "IN_PROCESS"
    REFUNDED = "REFUNDED"


@attrs.frozen(kw_only=True)
class ChargeOrder(Model):
    """The order a v3 payment notification refers to (``data.order``)."""

    id: str | None = None
    title: str | None = None
    detail: str | None = None
    additional_data: str | None = None
    amount: int | None = None
    currency_type: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class RecurringCharge(Model):
    """The ``data`` of a v3 notification: one charge of a customer's card.

    Amounts are integers in minor units (cents).  A recurring charge carries ``amount``,
    ``currency``, ``customer_id`` and ``order_id``; a web payment carries ``transaction_id``,
    ``currency_type``, ``final_amount`` and ``order``.
    """

    order_id: str | None = None
    transaction_id: str | None = None
    customer_id: str | None = None
    merchant_id: str | None = None
    store_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    currency_type: str | None = None
    final_amount: int | None = None
    balance_amount: int | None = None
    status: ChargeStatus | str | None = None
    method: str | None = None
    type: str | None = None
    reference_id: str | None = None
    email: str | None = None
    name: str | None = None
    country_code: str | None = None
    phone_number: str | None = None
    order: ChargeOrder | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    transaction_at: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class RecurringPaymentNotification(Model):
    """A verified v3 notification, as returned by ``verify_v3_notification``.

    The documents mark ``eventType`` and ``data`` as always present; a notification without
    them still reads (as ``None`` and an empty :class:`RecurringCharge`), so that a shape
    eFundPay adds tomorrow is not refused.  The types are strict all the same: an amount
    that is not an integer, an id that is not a string, is a malformed body.

    >>> from efundpay.webhooks import RecurringCharge, RecurringPaymentNotification
    >>> n = RecurringPaymentNotification(
    ...     event_type="RECURRING_PAYMENT",
    ...     data=RecurringCharge(order_id="ord_1", amount=1000, currency="MYR"),
    ... )
    >>> n.id, n.amount, n.currency
    ('ord_1', 1000, 'MYR')
    """

    event_type: NotificationEventType | str | None = None
    data: RecurringCharge = attrs.field(factory=RecurringCharge)
    extra: Mapping[str, Any] = extra_field()

    @property
    def id(self) -> str | None:
        """What identifies this charge across redeliveries: ``orderId``, else
        ``transactionId``, else ``order.id``.  Use it to drop duplicates."""
        data = self.data
        return data.order_id or data.transaction_id or (data.order.id if data.order else None)

    @property
    def dedupe_key(self) -> str | None:
        """The key to drop redelivered copies by (:attr:`id`); see ``efundpay.webhooks``."""
        return self.id

    @property
    def customer_id(self) -> str | None:
        """The customer whose card was charged (recurring charges)."""
        return self.data.customer_id

    @property
    def amount(self) -> int | None:
        """The amount charged, in minor units: ``amount``, else ``finalAmount``, else
        ``order.amount``."""
        data = self.data
        for amount in (data.amount, data.final_amount, data.order.amount if data.order else None):
            if amount is not None:
                return amount
        return None

    @property
    def currency(self) -> str | None:
        """The currency of :attr:`amount`: ``currency``, else ``currencyType``."""
        data = self.data
        order_currency = data.order.currency_type if data.order else None
        return data.currency or data.currency_type or order_currency

    @property
    def status(self) -> ChargeStatus | str | None:
        """The charge's status (``SUCCESS`` for a charge that went through)."""
        return self.data.status


@attrs.frozen(kw_only=True)
class WebhookEventData(Model):
    """The ``data`` of a v4 webhook event; the subscription it concerns, when it has one."""

    subscription: Subscription | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class WebhookEvent(Model):
    """A verified v4 webhook, as returned by ``verify_v4_webhook``.

    ``type`` is the event type as sent (e.g. ``"subscription.paused"``): eFundPay does not
    publish the list, so it stays a plain string.  Payment and refund webhooks carry
    ``ll_transaction_id`` (eFundPay's id) and ``merchant_transaction_id`` (yours) instead of
    ``id``; their ``payment_data``/``refund_data`` are in ``extra``.

    >>> from efundpay.webhooks import WebhookEvent
    >>> WebhookEvent(id="evt_1", type="subscription.paused").id
    'evt_1'
    """

    id: str | None = None
    type: str | None = None
    created_at: datetime | None = None
    data: WebhookEventData | None = None
    ll_transaction_id: str | None = None
    merchant_transaction_id: str | None = None
    original_transaction_id: str | None = None
    livemode: bool | None = None
    extra: Mapping[str, Any] = extra_field()

    @property
    def subscription(self) -> Subscription | None:
        """``data.subscription``, when the event concerns a subscription."""
        return self.data.subscription if self.data is not None else None

    @property
    def dedupe_key(self) -> str | None:
        """What identifies this event across redeliveries: ``id``, else
        ``ll_transaction_id``."""
        return self.id or self.ll_transaction_id
