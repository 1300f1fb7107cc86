"""What the fake remembers, as frozen snapshots: customers, subscriptions, status changes.

Every object is a frozen :mod:`attrs` class whose mappings are read-only deep copies, so a
snapshot handed to a test on another thread can neither change under it nor change the fake.
Attribute names are the snake_case forms of the wire fields.
"""

from __future__ import annotations

import copy
import secrets
import types
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import attrs

__all__ = [
    "CancellationDetails",
    "FakeCustomer",
    "FakeSubscription",
    "PauseCollection",
    "RecurringPayment",
    "Rejection",
    "StatusChange",
    "StatusRequest",
    "utc_now",
]


class Rejection(Exception):
    """A request eFundPay refuses: HTTP ``status``, error ``code``, ``message``, ``param``."""

    def __init__(self, status: int, code: str, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


def utc_now() -> datetime:
    """The current time in UTC, to the second, as the API reports times."""
    return datetime.now(UTC).replace(microsecond=0)


def _frozen_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    # A deep copy, read-only at the top: a test holding a snapshot cannot alter the fake.
    return types.MappingProxyType(copy.deepcopy(dict(value)))


@attrs.frozen
class RecurringPayment:
    """The ``recurringPayment`` block of a v3 customer (absent for tokenized customers)."""

    amount: int = 1000
    currency: str = "USD"
    recurring_interval: str = "MONTHLY"
    recurring_target: str = "1"
    recurring_repetition: int = 12


def _to_recurring_payment(
    value: RecurringPayment | Mapping[str, Any] | None,
) -> RecurringPayment | None:
    if value is None or isinstance(value, RecurringPayment):
        return value
    return RecurringPayment(**value)


@attrs.frozen
class FakeCustomer:
    """A v3 customer as the fake holds it; every wire field has a snake_case attribute.

    ``toggle_count`` counts toggles that were applied.  ``extra`` holds raw camelCase keys
    added to the rendered ``item`` as they are (to test that a client keeps unknown keys).
    """

    id: str
    is_active: bool = True
    card_bound: bool = True
    merchant_id: str = "acct_fake"
    store_id: str = "store_fake"
    label: str = "411111******1111"
    email: str = "jane@example.com"
    country_code: str = "US"
    phone_number: str = "+15555550100"
    product_name: str = "Basic Monthly"
    product_description: str = "Monthly plan"
    created_at: datetime = attrs.field(factory=utc_now)
    updated_at: datetime = attrs.field(factory=utc_now)
    client_key: str = attrs.field(factory=lambda: "ck_" + secrets.token_hex(12))
    redirect_url: str = "https://merchant.example/return"
    notify_url: str = "https://merchant.example/notify"
    payment_url: str = "https://pay.example/bind/fake"
    recurring_payment: RecurringPayment | None = attrs.field(
        default=None, converter=_to_recurring_payment
    )
    toggle_count: int = 0
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)

    @property
    def tokenized(self) -> bool:
        """A tokenized customer has no ``recurringPayment``."""
        return self.recurring_payment is None


@attrs.frozen
class PauseCollection:
    """``pause_collection`` of a paused subscription."""

    behavior: str = "mark_uncollectible"
    resume_at: datetime | None = None


@attrs.frozen
class CancellationDetails:
    """``cancellation_details`` of a cancelled subscription (``comment`` is the ``reason``)."""

    reason: str | None = None
    comment: str | None = None
    at_period_end: bool = False
    prorate: bool = False


@attrs.frozen
class StatusRequest:
    """A validated v4 status-change body: the target ``status`` and its typed options.

    ``options`` holds only what the caller sent (``resume_at`` as an aware datetime);
    server-side defaults are applied when the change is made, not here.
    """

    status: str
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)


@attrs.frozen
class StatusChange:
    """One applied status change: ``from_status`` → ``to_status`` at ``at``, with the options
    the request carried and the ``request_id`` of the response that applied it."""

    from_status: str
    to_status: str
    at: datetime
    options: Mapping[str, Any]
    request_id: str | None


def _sample_customer_block() -> dict[str, Any]:
    return {
        "id": "cus_abc123",
        "display_name": "John Doe",
        "external_identifier": "customer-12345",
        "first_name": "John",
        "last_name": "Doe",
        "email_address": "john@example.com",
        "phone_number": "+1234567890",
        "account_number": "123456789",
    }


def _sample_plan() -> dict[str, Any]:
    return {
        "name": "Basic Monthly",
        "currency": "USD",
        "amount": 1000,
        "interval": "month",
        "trial_period_days": 14,
        "billing_cycle_anchor": "immediate",
    }


def _sample_payment_method() -> dict[str, Any]:
    # The seed's example really does return the full card number and security code.
    return {
        "token_id": "tok_a1b2c3d4",
        "type": "card",
        "card": {"number": "4111111111111111", "expiration_date": "12/27", "security_code": "123"},
    }


@attrs.frozen
class FakeSubscription:
    """A v4 subscription as the fake holds it; attributes mirror the snake_case wire object.

    ``history`` lists the status changes the fake applied, oldest first.  ``customer``,
    ``plan`` and ``payment_method`` are the wire blocks as plain (read-only) mappings.
    """

    id: str
    status: str = "active"
    customer: Mapping[str, Any] = attrs.field(
        factory=_sample_customer_block, converter=_frozen_mapping
    )
    plan: Mapping[str, Any] = attrs.field(factory=_sample_plan, converter=_frozen_mapping)
    payment_method: Mapping[str, Any] = attrs.field(
        factory=_sample_payment_method, converter=_frozen_mapping
    )
    current_period_start: datetime = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    current_period_end: datetime = datetime(2024, 2, 15, 10, 30, tzinfo=UTC)
    next_billing_date: date | None = date(2024, 2, 15)
    pause_collection: PauseCollection | None = None
    paused_at: datetime | None = None
    resumed_at: datetime | None = None
    canceled_at: datetime | None = None
    cancellation_details: CancellationDetails | None = None
    ended_at: datetime | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    livemode: bool = False
    extra: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    history: tuple[StatusChange, ...] = ()
