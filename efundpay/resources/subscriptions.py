"""``client.subscriptions``: pause, resume and cancel v4 subscriptions."""

from __future__ import annotations

import enum
import functools
import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from .._config import Timeout
from .._request import APIRequest, call_options, new_idempotency_key, path_segment
from ..models import (
    BillingCycleAnchor,
    CancellationReason,
    PauseBehavior,
    ProrationBehavior,
    Subscription,
    SubscriptionStatus,
)
from ._raw import returns_raw
from ._validation import (
    check_bool,
    check_choice,
    check_id,
    check_idempotency_key,
    check_metadata,
    check_reason,
    check_time,
)

if TYPE_CHECKING:
    from .._client import AsyncEFundPay

__all__ = ["AsyncSubscriptions", "AsyncSubscriptionsWithRawResponse"]

StatusValue = SubscriptionStatus | Literal["paused", "active", "cancelled"]
PauseBehaviorValue = PauseBehavior | Literal["mark_uncollectible", "keep_as_draft", "void"]
BillingCycleAnchorValue = BillingCycleAnchor | Literal["unchanged", "now"]
ProrationBehaviorValue = ProrationBehavior | Literal["create_prorations", "none"]
CancellationReasonValue = (
    CancellationReason
    | Literal["customer_request", "payment_failed", "service_discontinued", "downgrade", "other"]
)

# Which options belong to which target status; ``reason`` and ``metadata`` go with any.
_OPTIONS: Final[Mapping[str, frozenset[str]]] = {
    "paused": frozenset({"pause_behavior", "resume_at"}),
    "active": frozenset({"billing_cycle_anchor", "proration_behavior"}),
    "cancelled": frozenset({"at_period_end", "cancellation_reason", "prorate"}),
}


def _choice_of(choices: type[enum.StrEnum]) -> Callable[[Any, str], str | None]:
    def check(value: Any, name: str) -> str | None:
        return check_choice(value, choices, name)

    return check


_ANY_STATUS: Final = frozenset({"reason", "metadata"})
# The permission a status change needs, for an Auth that states it (a JWT's ``scopes``).
_SCOPES: Final = ("subscriptions.write",)
_SETTABLE: Final = tuple(_OPTIONS)
# How each option is checked, and turned into its wire value.
_CHECKS: Final[Mapping[str, Callable[[Any, str], Any]]] = {
    "pause_behavior": _choice_of(PauseBehavior),
    "resume_at": check_time,
    "billing_cycle_anchor": _choice_of(BillingCycleAnchor),
    "proration_behavior": _choice_of(ProrationBehavior),
    "at_period_end": check_bool,
    "cancellation_reason": _choice_of(CancellationReason),
    "prorate": check_bool,
    "reason": check_reason,
    "metadata": check_metadata,
}
#: Whether an option was given (``None`` is "eFundPay's default"), by identity, in C.
_is_given: Final = functools.partial(operator.is_not, None)
# Logs, retry hooks and errors name the operation by what it does.
_OPERATION: Final = {
    "paused": "subscriptions.pause",
    "active": "subscriptions.resume",
    "cancelled": "subscriptions.cancel",
}


class AsyncSubscriptions:
    """Status changes of subscriptions.

    Each call is idempotent: it carries an ``idempotency-key`` header (yours, or one the SDK
    makes per call) that is the same on every retry, so a retried call is applied once.
    Options you do not pass are left out of the request and eFundPay's defaults apply.
    """

    def __init__(self, client: AsyncEFundPay, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    @property
    def with_raw_response(self) -> AsyncSubscriptionsWithRawResponse:
        """The same operations, each answering with an :class:`~efundpay.APIResponse`.

        Example::

            response = await client.subscriptions.with_raw_response.pause("sub_123")
            print(response.status_code, response.request_id)
            sub = response.parse()
        """
        return AsyncSubscriptionsWithRawResponse(self)

    async def pause(
        self,
        subscription_id: str,
        *,
        pause_behavior: PauseBehaviorValue | None = None,
        resume_at: datetime | None = None,
        reason: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Subscription:
        """Pause a subscription.

        Args:
            subscription_id: the subscription, e.g. ``"sub_1234567890abcdef"``.
            pause_behavior: what to do with unpaid invoices: ``"mark_uncollectible"``
                (eFundPay's default), ``"keep_as_draft"`` or ``"void"``.
            resume_at: when to resume automatically; must be timezone-aware.
            reason: why, 1 to 255 characters.
            metadata: your own key/value data about this change.
            idempotency_key: makes the call safe to repeat; made for you when omitted.
            timeout: seconds (or a :class:`~efundpay.Timeout`) for each attempt of this
                call alone; default the client's.
            max_retries: retries for this call alone; default the client's.
            extra_headers: more headers for every attempt of this call; none may replace a
                header the SDK sets (credentials, signatures, the idempotency key, the
                merchant account, the body's framing): that raises :class:`ValueError`.

        Example::

            sub = await client.subscriptions.pause(
                "sub_123", pause_behavior="void",
                resume_at=datetime(2025, 3, 1, tzinfo=UTC),
                reason="Customer requested temporary pause",
            )
        """
        return await self.update_status(
            subscription_id,
            status="paused",
            pause_behavior=pause_behavior,
            resume_at=resume_at,
            reason=reason,
            metadata=metadata,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def resume(
        self,
        subscription_id: str,
        *,
        billing_cycle_anchor: BillingCycleAnchorValue | None = None,
        proration_behavior: ProrationBehaviorValue | None = None,
        reason: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Subscription:
        """Resume a paused subscription.

        Args:
            subscription_id: the subscription to resume.
            billing_cycle_anchor: ``"unchanged"`` (eFundPay's default) keeps the billing
                cycle; ``"now"`` restarts it today.
            proration_behavior: ``"create_prorations"`` (eFundPay's default) or ``"none"``.
            reason: why, 1 to 255 characters.
            metadata: your own key/value data about this change.
            idempotency_key: makes the call safe to repeat; made for you when omitted.
            timeout: seconds (or a :class:`~efundpay.Timeout`) for each attempt of this
                call alone; default the client's.
            max_retries: retries for this call alone; default the client's.
            extra_headers: more headers for every attempt of this call; none may replace a
                header the SDK sets (credentials, signatures, the idempotency key, the
                merchant account, the body's framing): that raises :class:`ValueError`.

        Example::

            sub = await client.subscriptions.resume("sub_123", billing_cycle_anchor="now",
                                                    proration_behavior="none")
        """
        return await self.update_status(
            subscription_id,
            status="active",
            billing_cycle_anchor=billing_cycle_anchor,
            proration_behavior=proration_behavior,
            reason=reason,
            metadata=metadata,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def cancel(
        self,
        subscription_id: str,
        *,
        at_period_end: bool | None = None,
        cancellation_reason: CancellationReasonValue | None = None,
        prorate: bool | None = None,
        reason: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Subscription:
        """Cancel a subscription, now or at the end of the current period.

        Args:
            subscription_id: the subscription to cancel.
            at_period_end: ``True`` to cancel when the current period ends (eFundPay's
                default is ``False``: at once).
            cancellation_reason: ``"customer_request"``, ``"payment_failed"``,
                ``"service_discontinued"``, ``"downgrade"`` or ``"other"``.
            prorate: ``True`` to refund the unused part of the period (default ``False``).
            reason: free-text explanation, 1 to 255 characters.
            metadata: your own key/value data about this change.
            idempotency_key: makes the call safe to repeat; made for you when omitted.
            timeout: seconds (or a :class:`~efundpay.Timeout`) for each attempt of this
                call alone; default the client's.
            max_retries: retries for this call alone; default the client's.
            extra_headers: more headers for every attempt of this call; none may replace a
                header the SDK sets (credentials, signatures, the idempotency key, the
                merchant account, the body's framing): that raises :class:`ValueError`.

        Example::

            sub = await client.subscriptions.cancel(
                "sub_123", at_period_end=True, cancellation_reason="customer_request",
                prorate=False, metadata={"cancelled_by": "customer"},
            )
        """
        return await self.update_status(
            subscription_id,
            status="cancelled",
            at_period_end=at_period_end,
            cancellation_reason=cancellation_reason,
            prorate=prorate,
            reason=reason,
            metadata=metadata,
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def update_status(
        self,
        subscription_id: str,
        *,
        status: StatusValue,
        pause_behavior: PauseBehaviorValue | None = None,
        resume_at: datetime | None = None,
        billing_cycle_anchor: BillingCycleAnchorValue | None = None,
        proration_behavior: ProrationBehaviorValue | None = None,
        at_period_end: bool | None = None,
        cancellation_reason: CancellationReasonValue | None = None,
        prorate: bool | None = None,
        reason: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Subscription:
        """Set a subscription's status to ``"paused"``, ``"active"`` or ``"cancelled"``.

        The general form of :meth:`pause`, :meth:`resume` and :meth:`cancel`: pass only the
        options of the target status (pause: ``pause_behavior``, ``resume_at``; active:
        ``billing_cycle_anchor``, ``proration_behavior``; cancelled: ``at_period_end``,
        ``cancellation_reason``, ``prorate``); ``reason`` and ``metadata`` go with any.
        Another status's option raises :class:`ValueError` and nothing is sent.
        ``timeout``, ``max_retries`` and ``extra_headers`` are as in :meth:`pause`.

        Example::

            sub = await client.subscriptions.update_status("sub_123", status="paused",
                                                           pause_behavior="keep_as_draft")
        """
        subscription_id = check_id(subscription_id, "subscription_id")
        if not isinstance(status, str):
            raise TypeError(f"status must be a string, not {type(status).__name__}")
        if status not in _SETTABLE:
            allowed = ", ".join(map(repr, _SETTABLE))
            raise ValueError(f"status must be one of {allowed}; got {status!r}")
        body: dict[str, Any] = {"status": str(status)}
        given = (  # in _CHECKS' order: zip() below pairs each value with its name
            pause_behavior,
            resume_at,
            billing_cycle_anchor,
            proration_behavior,
            at_period_end,
            cancellation_reason,
            prorate,
            reason,
            metadata,
        )
        if any(map(_is_given, given)):  # (in C: the usual call gives none)
            # Only what was given is checked and sent: None means "eFundPay's default".
            for name, value in zip(_CHECKS, given, strict=True):
                if value is None:
                    continue
                if name not in _ANY_STATUS and name not in _OPTIONS[status]:
                    owner = next(s for s, names in _OPTIONS.items() if name in names)
                    raise ValueError(f"{name} applies only when status={owner!r}, not {status!r}")
                body[name] = _CHECKS[name](value, name)
        key = check_idempotency_key(idempotency_key, "idempotency_key") or new_idempotency_key()
        options = call_options(timeout, max_retries, extra_headers)
        return await self._client._request(
            APIRequest(
                operation=_OPERATION[status],
                api="v4",
                method="POST",
                path=f"/v4/subscriptions/{path_segment(subscription_id)}/status",
                model=Subscription,
                body=body,
                idempotent=True,
                idempotency_key=key,
                scopes=_SCOPES,
                options=options,
                raw=self._raw,
            )
        )


class AsyncSubscriptionsWithRawResponse:
    """``client.subscriptions.with_raw_response``: each operation answers with an
    :class:`~efundpay.APIResponse` whose :meth:`~efundpay.APIResponse.parse` is the
    :class:`~efundpay.Subscription`."""

    def __init__(self, subscriptions: AsyncSubscriptions) -> None:
        self._resource = raw = AsyncSubscriptions(subscriptions._client, raw=True)
        self.pause = returns_raw(raw.pause)
        self.resume = returns_raw(raw.resume)
        self.cancel = returns_raw(raw.cancel)
        self.update_status = returns_raw(raw.update_status)
