"""The SDK's data models: frozen attrs classes with snake_case attributes.

They know nothing of HTTP or of the wire format; :mod:`efundpay._convert` fills them (and
writes them back, for :meth:`Model.to_dict`).  Every model is a :class:`Model`.
"""

from ._base import Model
from ._frozen import FrozenDict
from .customers import Customer, RecurringInterval, RecurringPayment
from .notifications import (
    ChargeOrder,
    ChargeStatus,
    NotificationEventType,
    RecurringCharge,
    RecurringPaymentNotification,
    WebhookEvent,
    WebhookEventData,
)
from .subscriptions import (
    BillingCycleAnchor,
    CancellationDetails,
    CancellationReason,
    Card,
    PauseBehavior,
    PauseCollection,
    PaymentMethod,
    Plan,
    ProrationBehavior,
    Subscription,
    SubscriptionCustomer,
    SubscriptionStatus,
)

__all__ = [
    "BillingCycleAnchor",
    "CancellationDetails",
    "CancellationReason",
    "Card",
    "ChargeOrder",
    "ChargeStatus",
    "Customer",
    "FrozenDict",
    "Model",
    "NotificationEventType",
    "PauseBehavior",
    "PauseCollection",
    "PaymentMethod",
    "Plan",
    "ProrationBehavior",
    "RecurringCharge",
    "RecurringInterval",
    "RecurringPayment",
    "RecurringPaymentNotification",
    "Subscription",
    "SubscriptionCustomer",
    "SubscriptionStatus",
    "WebhookEvent",
    "WebhookEventData",
]
