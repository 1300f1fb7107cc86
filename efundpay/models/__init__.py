"""The SDK's data models: frozen attrs classes with snake_case attributes.

They know nothing of HTTP or of the wire format; :mod:`efundpay._convert` fills them.
"""

from .customers import Customer, RecurringInterval, RecurringPayment
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
    "Customer",
    "PauseBehavior",
    "PauseCollection",
    "PaymentMethod",
    "Plan",
    "ProrationBehavior",
    "RecurringInterval",
    "RecurringPayment",
    "Subscription",
    "SubscriptionCustomer",
    "SubscriptionStatus",
]
