"""Verify and read what eFundPay sends you: v3 ``notifyUrl`` notifications and v4 webhooks.

One call per kind takes the raw body, the headers and eFundPay's public key, and returns a
typed, frozen notification, or raises :class:`~efundpay.WebhookVerificationError`::

    from efundpay import webhooks

    notification = webhooks.verify_v3_notification(body, headers, SERVER_PUBLIC_KEY)
    event = webhooks.verify_v4_webhook(body, headers, PLATFORM_PUBLIC_KEY)

Then drop repeats by ``dedupe_key`` (:class:`Deduplicator`), act, and answer with the
acknowledgement the sender expects (:func:`acknowledgement`).  Needs the ``signing`` extra
(``pip install "efundpay[signing]"``).  ``docs/notifications.md`` describes the formats,
which signed forms are accepted and why.
"""

from ..models.notifications import (
    ChargeOrder,
    ChargeStatus,
    NotificationEventType,
    RecurringCharge,
    RecurringPaymentNotification,
    WebhookEvent,
    WebhookEventData,
)
from ._ack import (
    V3_ACKNOWLEDGEMENT,
    V3_ACKNOWLEDGEMENT_BODY,
    V4_ACKNOWLEDGEMENT,
    V4_ACKNOWLEDGEMENT_BODY,
    acknowledgement,
    rejection,
)
from ._dedupe import Deduplicator, InMemoryDeduplicator
from ._verify import (
    DEFAULT_TOLERANCE,
    load_notification_key,
    verify_v3_notification,
    verify_v4_webhook,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "V3_ACKNOWLEDGEMENT",
    "V3_ACKNOWLEDGEMENT_BODY",
    "V4_ACKNOWLEDGEMENT",
    "V4_ACKNOWLEDGEMENT_BODY",
    "ChargeOrder",
    "ChargeStatus",
    "Deduplicator",
    "InMemoryDeduplicator",
    "NotificationEventType",
    "RecurringCharge",
    "RecurringPaymentNotification",
    "WebhookEvent",
    "WebhookEventData",
    "acknowledgement",
    "load_notification_key",
    "rejection",
    "verify_v3_notification",
    "verify_v4_webhook",
]
