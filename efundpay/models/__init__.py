"""The SDK's data models: frozen attrs classes with snake_case attributes.

They know nothing of HTTP or of the wire format; :mod:`efundpay._convert` fills them (and
writes them back, for :meth:`Model.to_dict`).  Every model is a :class:`Model`.
"""

from typing import TYPE_CHECKING

from ._base import Model
from ._frozen import FrozenDict
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

if TYPE_CHECKING:
    from .notifications import (
        ChargeOrder,
        ChargeStatus,
        NotificationEventType,
        RecurringCharge,
        RecurringPaymentNotification,
        WebhookEvent,
        WebhookEventData,
    )

# What eFundPay sends (notifications and webhooks) is read by the programs that receive it;
# building those classes is about a tenth of ``import efundpay``, so they load on first use:
# a name of ``__all__`` not defined yet is one of theirs.


def __getattr__(name: str) -> object:
    if name in __all__:
        from . import notifications  # noqa: PLC0415 - loaded on first use, see above

        value = getattr(notifications, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
