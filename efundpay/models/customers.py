"""Models of the v3 recurring-payment API: a customer's token and its recurring schedule."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, extra_field, mask_all

__all__ = ["Customer", "RecurringInterval", "RecurringPayment"]


class RecurringInterval(enum.StrEnum):
    """How often a recurring payment is charged.  Unknown values arrive as plain strings."""

    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


@attrs.frozen(kw_only=True)
class RecurringPayment(Model):
    """The recurring charge bound to a customer's token (absent for tokenized customers).

    Attributes:
        amount: the amount in minor units (cents).
        currency: ISO 4217 code, e.g. ``"USD"``.
        recurring_interval: ``WEEKLY`` or ``MONTHLY`` (older docs also ``DAILY``).
        recurring_target: when in the interval to charge: ``"0"``–``"6"`` weekly;
            ``"-1"``, ``"0"``, ``"1"``–``"28"`` monthly.  Always a string, even when
            eFundPay sends a number.
        recurring_repetition: how many charges in total.
    """

    amount: int | None = None
    currency: str | None = None
    recurring_interval: RecurringInterval | str | None = None
    recurring_target: str | None = None
    recurring_repetition: int | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class Customer(Model):
    """A customer whose card token can be charged; returned by ``customers.toggle``.

    ``is_active`` is the state *after* the toggle: ``False`` means future recurring charges
    and new tokenized charges are stopped.  ``client_key`` is for eFundPay's internal use and
    is masked in ``repr``.

    >>> Customer(id="cus_123", is_active=False).is_active
    False
    """

    id: str
    is_active: bool
    merchant_id: str | None = None
    store_id: str | None = None
    label: str | None = None
    email: str | None = None
    country_code: str | None = None
    phone_number: str | None = None
    product_name: str | None = None
    product_description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    client_key: str | None = attrs.field(default=None, repr=mask_all)
    redirect_url: str | None = None
    notify_url: str | None = None
    payment_url: str | None = None
    recurring_payment: RecurringPayment | None = None
    extra: Mapping[str, Any] = extra_field()
