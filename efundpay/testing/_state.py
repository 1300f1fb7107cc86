"""The fake's memory and eFundPay's rules for changing it: toggling customers, moving
subscriptions between statuses.

A change replaces the stored snapshot (see ``_records``) with an evolved copy, so readers on
other threads always see a consistent object and the lock only guards the swap.  Rules that
refuse a change raise :class:`~._records.Rejection`, carrying the HTTP status and the error
code in the style of the API version it belongs to (``CUSTOMER_NOT_FOUND`` for v3,
``not_found`` for v4); rendering it is ``_wire``'s job.
"""

from __future__ import annotations

import calendar
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from ._records import (
    CancellationDetails,
    FakeCustomer,
    FakeSubscription,
    PauseCollection,
    RecurringPayment,
    Rejection,
    StatusChange,
    StatusRequest,
)

__all__ = ["STATUSES", "FakeState", "add_interval"]

#: Every status the docs show; the rules below only move between them.
STATUSES: Final = frozenset({"active", "paused", "cancelled", "past_due", "failed"})

# Which current statuses each target status may be reached from (DESIGN.md, the brief).
_ALLOWED_FROM: Final[Mapping[str, frozenset[str]]] = {
    "paused": frozenset({"active", "past_due"}),
    "active": frozenset({"paused"}),
    "cancelled": frozenset({"active", "paused", "past_due", "failed"}),
}


def add_interval(moment: datetime, interval: str, count: int = 1) -> datetime:
    """``moment`` plus ``count`` plan intervals (``day|week|month|year``; unknown = month).

    Months keep the day of month, clamped to the month's length (Jan 31 + 1 month = Feb 29
    in a leap year), as billing systems anchor periods.
    """
    if interval == "day":
        return moment + timedelta(days=count)
    if interval == "week":
        return moment + timedelta(weeks=count)
    months = count * 12 if interval == "year" else count
    year, month0 = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def _period_containing(anchor: datetime, interval: str, now: datetime) -> tuple[datetime, datetime]:
    # Counting whole periods from the anchor (not chaining) keeps the day of month stable.
    index = 0
    while add_interval(anchor, interval, index + 1) <= now:
        index += 1
    return add_interval(anchor, interval, index), add_interval(anchor, interval, index + 1)


class FakeState:
    """Customers, subscriptions and the rules of toggling and changing status.

    All methods are thread-safe: the server's loop thread applies changes while a test
    reads snapshots from its own thread.
    """

    def __init__(self, *, merchant_account_id: str, clock: Callable[[], datetime]) -> None:
        self.lock = threading.RLock()
        self.merchant_account_id = merchant_account_id
        self.clock = clock
        self._customers: dict[str, FakeCustomer] = {}
        self._subscriptions: dict[str, FakeSubscription] = {}

    # -- setup and reading -------------------------------------------------------------------

    def add_customer(
        self,
        customer_id: str | None,
        *,
        is_active: bool,
        card_bound: bool,
        tokenized: bool,
        fields: Mapping[str, Any],
    ) -> str:
        """Store a new customer and return its id (generated when ``customer_id`` is None)."""
        customer_id = customer_id or "cus_" + secrets.token_hex(7)
        values: dict[str, Any] = {"merchant_id": self.merchant_account_id}
        if not tokenized:
            values["recurring_payment"] = RecurringPayment()
        values.update(fields)
        if tokenized and values.get("recurring_payment") is not None:
            raise TypeError("a tokenized customer has no recurring_payment")
        now = self.clock()
        values.setdefault("created_at", now)
        values.setdefault("updated_at", now)
        customer = FakeCustomer(
            id=customer_id, is_active=is_active, card_bound=card_bound, **values
        )
        with self.lock:
            if customer_id in self._customers:
                raise ValueError(f"customer {customer_id!r} already exists")
            self._customers[customer_id] = customer
        return customer_id

    def add_subscription(
        self, subscription_id: str | None, *, status: str, fields: Mapping[str, Any]
    ) -> str:
        """Store a new subscription and return its id (generated when None).

        A ``paused`` or ``cancelled`` subscription gets the fields such a status implies
        (``pause_collection``, ``canceled_at``…) unless ``fields`` gives them.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}, not {status!r}")
        subscription_id = subscription_id or "sub_" + secrets.token_hex(8)
        now = self.clock()
        implied: dict[str, Any] = {}
        if status == "paused":
            implied = {"pause_collection": PauseCollection(), "paused_at": now}
        elif status == "cancelled":
            implied = {
                "canceled_at": now,
                "ended_at": now,
                "cancellation_details": CancellationDetails(),
            }
        if status in ("paused", "cancelled"):
            implied["next_billing_date"] = None  # the docs: null when paused/cancelled
        subscription = FakeSubscription(id=subscription_id, status=status, **{**implied, **fields})
        with self.lock:
            if subscription_id in self._subscriptions:
                raise ValueError(f"subscription {subscription_id!r} already exists")
            self._subscriptions[subscription_id] = subscription
        return subscription_id

    def customer(self, customer_id: str) -> FakeCustomer:
        """The current snapshot of a customer; ``KeyError`` when unknown."""
        with self.lock:
            return self._customers[customer_id]

    def subscription(self, subscription_id: str) -> FakeSubscription:
        """The current snapshot of a subscription; ``KeyError`` when unknown."""
        with self.lock:
            return self._subscriptions[subscription_id]

    def ids(self) -> tuple[list[str], list[str]]:
        """The customer ids and the subscription ids, each in the order they were added."""
        with self.lock:
            return list(self._customers), list(self._subscriptions)

    # -- the API's rules -----------------------------------------------------------------------

    def toggle(self, customer_id: str) -> FakeCustomer:
        """Invert a customer's ``is_active`` (v3 toggle) and return the new snapshot."""
        with self.lock:
            customer = self._customers.get(customer_id)
            if customer is None:
                raise Rejection(404, "CUSTOMER_NOT_FOUND", "Customer not found")
            if not customer.card_bound:
                raise Rejection(
                    400,
                    "CARD_NOT_BOUND",
                    "Toggle is only available after the customer has successfully bound their card",
                )
            customer = attrs.evolve(
                customer,
                is_active=not customer.is_active,
                updated_at=self.clock(),
                toggle_count=customer.toggle_count + 1,
            )
            self._customers[customer_id] = customer
            return customer

    def change_status(
        self, subscription_id: str, change: StatusRequest, *, request_id: str | None
    ) -> FakeSubscription:
        """Apply a validated v4 status change and return the new snapshot."""
        with self.lock:
            current = self._subscriptions.get(subscription_id)
            if current is None:
                raise Rejection(404, "not_found", "No such subscription", param="subscription_id")
            _check_transition(current.status, change.status)
            now = self.clock()
            updated = _APPLY[change.status](current, change.options, now)
            updated = attrs.evolve(
                updated,
                status=change.status,
                metadata={**current.metadata, **change.options.get("metadata", {})},
                history=(
                    *current.history,
                    StatusChange(
                        from_status=current.status,
                        to_status=change.status,
                        at=now,
                        options=change.options,
                        request_id=request_id,
                    ),
                ),
            )
            self._subscriptions[subscription_id] = updated
            return updated


def _check_transition(current: str, target: str) -> None:
    if current == target:
        raise Rejection(
            409,
            "invalid_state_transition",
            f"The subscription is already {current}",
            param="status",
        )
    if current == "cancelled":
        # A cancellation is final: no request can ever succeed, hence 422 rather than 409.
        raise Rejection(
            422,
            "invalid_state_transition",
            f"A cancelled subscription cannot become {target}",
            param="status",
        )
    if current not in _ALLOWED_FROM[target]:
        raise Rejection(
            409,
            "invalid_state_transition",
            f"A {current} subscription cannot become {target}",
            param="status",
        )


def _pause(sub: FakeSubscription, options: Mapping[str, Any], now: datetime) -> FakeSubscription:
    return attrs.evolve(
        sub,
        pause_collection=PauseCollection(
            behavior=options.get("pause_behavior", "mark_uncollectible"),
            resume_at=options.get("resume_at"),
        ),
        paused_at=now,
        next_billing_date=None,
    )


def _resume(sub: FakeSubscription, options: Mapping[str, Any], now: datetime) -> FakeSubscription:
    interval = str(sub.plan.get("interval", "month"))
    if options.get("billing_cycle_anchor", "unchanged") == "now":
        start, end = now, add_interval(now, interval)
    else:
        start, end = _period_containing(sub.current_period_start, interval, now)
    return attrs.evolve(
        sub,
        pause_collection=None,
        resumed_at=now,
        current_period_start=start,
        current_period_end=end,
        next_billing_date=end.date(),
    )


def _cancel(sub: FakeSubscription, options: Mapping[str, Any], now: datetime) -> FakeSubscription:
    at_period_end = bool(options.get("at_period_end", False))
    return attrs.evolve(
        sub,
        pause_collection=None,
        canceled_at=now,
        cancellation_details=CancellationDetails(
            reason=options.get("cancellation_reason"),
            comment=options.get("reason"),
            at_period_end=at_period_end,
            prorate=bool(options.get("prorate", False)),
        ),
        ended_at=sub.current_period_end if at_period_end else now,
        next_billing_date=None,
    )


_APPLY: Final[
    Mapping[str, Callable[[FakeSubscription, Mapping[str, Any], datetime], FakeSubscription]]
] = {
    "paused": _pause,
    "active": _resume,
    "cancelled": _cancel,
}
