"""Models of the v4 subscriptions API: a subscription and everything it embeds.

Every payment-method field is sensitive: ``repr()`` shows only a card's last four digits and
masks the security code, expiry, token id and the customer's account number.  The values
themselves stay reachable as attributes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from ._base import Model, extra_field, json_field, mask_all, mask_last4, mask_prefix

__all__ = [
    "BillingCycleAnchor",
    "CancellationDetails",
    "CancellationReason",
    "Card",
    "PauseBehavior",
    "PauseCollection",
    "PaymentMethod",
    "Plan",
    "ProrationBehavior",
    "Subscription",
    "SubscriptionCustomer",
    "SubscriptionStatus",
]


class SubscriptionStatus(enum.StrEnum):
    """A subscription's status.  Unknown values arrive as plain strings."""

    ACTIVE = "active"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    PAST_DUE = "past_due"
    FAILED = "failed"


class PauseBehavior(enum.StrEnum):
    """What happens to unpaid invoices while paused (server default: mark_uncollectible)."""

    MARK_UNCOLLECTIBLE = "mark_uncollectible"
    KEEP_AS_DRAFT = "keep_as_draft"
    VOID = "void"


class BillingCycleAnchor(enum.StrEnum):
    """Where the billing cycle restarts on resume (server default: unchanged)."""

    UNCHANGED = "unchanged"
    NOW = "now"


class ProrationBehavior(enum.StrEnum):
    """Whether resuming creates prorations (server default: create_prorations)."""

    CREATE_PRORATIONS = "create_prorations"
    NONE = "none"


class CancellationReason(enum.StrEnum):
    """The documented reasons for a cancellation."""

    CUSTOMER_REQUEST = "customer_request"
    PAYMENT_FAILED = "payment_failed"
    SERVICE_DISCONTINUED = "service_discontinued"
    DOWNGRADE = "downgrade"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class PauseCollection(Model):
    """How a paused subscription is paused, and when it resumes by itself."""

    behavior: PauseBehavior | str | None = None
    resume_at: datetime | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class CancellationDetails(Model):
    """Why and how a subscription was cancelled."""

    reason: CancellationReason | str | None = None
    comment: str | None = None
    at_period_end: bool | None = None
    prorate: bool | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class SubscriptionCustomer(Model):
    """The customer a subscription bills (``account_number`` is masked in ``repr``)."""

    id: str | None = None
    display_name: str | None = None
    external_identifier: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    phone_number: str | None = None
    account_number: str | None = attrs.field(default=None, repr=mask_last4)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Plan(Model):
    """What a subscription charges: ``amount`` in minor units of ``currency`` per ``interval``."""

    name: str | None = None
    currency: str | None = None
    amount: int | None = None
    interval: str | None = None
    trial_period_days: int | None = None
    billing_cycle_anchor: str | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Card(Model):
    """A card on file.  ``repr`` shows the last four digits only; see :attr:`last4`."""

    number: str | None = attrs.field(default=None, repr=mask_last4)
    expiration_date: str | None = attrs.field(default=None, repr=mask_all)
    security_code: str | None = attrs.field(default=None, repr=mask_all)
    extra: Mapping[str, Any] = extra_field()

    @property
    def last4(self) -> str | None:
        """The last four digits of the card number, safe to show and to log."""
        return self.number[-4:] if self.number else None


@attrs.frozen(kw_only=True)
class PaymentMethod(Model):
    """How a subscription is paid.  Every field is treated as sensitive in ``repr``."""

    token_id: str | None = attrs.field(default=None, repr=mask_prefix)
    type: str | None = None
    card: Card | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Subscription(Model):
    """A subscription, as returned by ``subscriptions.pause/resume/cancel/update_status``.

    Times are timezone-aware :class:`~datetime.datetime`; ``next_billing_date`` is a
    :class:`~datetime.date` (``None`` while paused or cancelled).  ``status`` is a
    :class:`SubscriptionStatus`, or a plain string for a status this SDK does not know yet.
    ``canceled_at`` is read from ``canceled_at`` or ``cancelled_at``, whichever is sent.

    >>> Subscription(id="sub_1", status=SubscriptionStatus.PAUSED).status == "paused"
    True
    """

    id: str
    status: SubscriptionStatus | str
    object: str = "subscription"
    pause_collection: PauseCollection | None = None
    paused_at: datetime | None = None
    resumed_at: datetime | None = None
    canceled_at: datetime | None = None
    cancellation_details: CancellationDetails | None = None
    ended_at: datetime | None = None
    next_billing_date: date | None = None
    customer: SubscriptionCustomer | None = None
    plan: Plan | None = None
    payment_method: PaymentMethod | None = None
    current_period_start: datetime | None = None
    current_period_end: datetime | None = None
    metadata: Mapping[str, Any] = json_field()
    livemode: bool | None = None
    extra: Mapping[str, Any] = extra_field()
