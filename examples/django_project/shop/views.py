"""The example's views.  Sync views call ``EFundPay``; async views await ``AsyncEFundPay``."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse  # type: ignore[import-untyped]
from django.views.decorators.http import require_POST  # type: ignore[import-untyped]

import efundpay

from . import payments


def _error_response(exc: efundpay.APIError) -> JsonResponse:
    """One mapping of SDK errors to this app's answers, for sync and async views alike."""
    status = 502  # eFundPay unreachable or failing
    if isinstance(exc, efundpay.NotFoundError):
        status = 404
    elif isinstance(exc, efundpay.ConflictError | efundpay.UnprocessableEntityError):
        status = 409
    elif isinstance(exc, efundpay.RateLimitError):
        status = 503
    body = {
        "error": type(exc).__name__,
        "message": exc.message,
        "outcome_unknown": exc.outcome_unknown,  # it may have happened: check before redoing
    }
    return JsonResponse(body, status=status)


@require_POST
def cancel(request: HttpRequest, subscription_id: str) -> JsonResponse:
    """A sync view: cancel at the end of the current period."""
    try:
        sub = payments.client().subscriptions.cancel(
            subscription_id,
            at_period_end=True,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
    except efundpay.APIError as exc:
        return _error_response(exc)
    return JsonResponse({"id": sub.id, "status": sub.status})


@require_POST
def toggle(request: HttpRequest, customer_id: str) -> JsonResponse:
    """A sync view: switch a customer's recurring charges off or on."""
    try:
        customer = payments.client().customers.toggle(customer_id)
    except efundpay.APIError as exc:
        return _error_response(exc)
    return JsonResponse({"id": customer.id, "is_active": customer.is_active})


@require_POST
async def pause_async(request: HttpRequest, subscription_id: str) -> JsonResponse:
    """An async view: the same work, awaited (served under ASGI)."""
    try:
        sub = await payments.async_client().subscriptions.pause(
            subscription_id, idempotency_key=request.headers.get("Idempotency-Key")
        )
    except efundpay.APIError as exc:
        return _error_response(exc)
    return JsonResponse({"id": sub.id, "status": sub.status})
