"""The SDK's data models: frozen attrs classes with snake_case attributes.

They know nothing of HTTP or of the wire format; :mod:`efundpay._convert` fills them (and
writes them back, for :meth:`Model.to_dict`).  Every model is a :class:`Model`.
"""

import attrs

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

# The annotations are strings (``from __future__ import annotations``) that name what each
# model's own module imports.  They are resolved here, once, while those modules' names are
# what they say: the package re-exports the models as ``efundpay.X`` (``__module__`` included),
# and cattrs and Sphinx must not look them up there.
for _name in __all__:
    if attrs.has(_cls := globals()[_name]):
        attrs.resolve_types(_cls)
del _name, _cls
