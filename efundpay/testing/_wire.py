"""Turning the fake's state and errors into the exact JSON shapes eFundPay sends.

v3 (customers) wraps everything in an envelope ``{"item", "code", "error"}`` with camelCase
keys; v4 (subscriptions) returns the bare snake_case object, and errors as
``{"error": {"code", "message", "param"}}`` (eFundPay does not publish v4 error bodies; this
shape is the fake's documented choice).  The deliberately broken bodies of
``malformed_next("wrong_types")`` are made here too, next to the shapes they corrupt.
"""

from __future__ import annotations

import http
import json
from datetime import date, datetime
from typing import Any, Final

from .._wire_rules import format_time
from ._records import FakeCustomer, FakeSubscription

__all__ = [
    "CUSTOMERS_TOGGLE",
    "OAUTH_TOKEN",
    "SUBSCRIPTIONS_STATUS",
    "default_error_code",
    "dumps",
    "error_body",
    "is_v3",
    "iso",
    "render_customer",
    "render_subscription",
    "status_phrase",
    "v3_success",
    "wrong_types",
]

CUSTOMERS_TOGGLE: Final = "customers.toggle"
SUBSCRIPTIONS_STATUS: Final = "subscriptions.status"
#: The token endpoint of strict authentication (v3 style errors).
OAUTH_TOKEN: Final = "oauth.token"  # noqa: S105 - an operation name

# Status → (v3 code, v4 code) for errors whose caller gave no code (mostly injected faults).
_DEFAULT_CODES: Final = {
    400: ("BAD_REQUEST", "invalid_request"),
    401: ("UNAUTHORIZED", "unauthorized"),
    403: ("FORBIDDEN", "forbidden"),
    404: ("NOT_FOUND", "not_found"),
    405: ("METHOD_NOT_ALLOWED", "method_not_allowed"),
    408: ("REQUEST_TIMEOUT", "request_timeout"),
    409: ("CONFLICT", "conflict"),
    422: ("UNPROCESSABLE_ENTITY", "unprocessable_entity"),
    429: ("EXCEEDED_LIMIT", "rate_limited"),
    500: ("INTERNAL_SERVER_ERROR", "internal_error"),
    502: ("BAD_GATEWAY", "bad_gateway"),
    503: ("SERVICE_UNAVAILABLE", "service_unavailable"),
    504: ("GATEWAY_TIMEOUT", "gateway_timeout"),
}


def dumps(payload: Any) -> bytes:
    """Compact JSON bytes, as servers send them."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, to the second (``2024-01-20T14:22:00Z``)."""
    return None if moment is None else format_time(moment, timespec="seconds")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def is_v3(operation: str | None, raw_path: str) -> bool:
    """Whether errors for this request use the v3 envelope (the route, or its path prefix)."""
    if operation is not None:
        return operation in (CUSTOMERS_TOGGLE, OAUTH_TOKEN)
    return raw_path.startswith("/v3/")


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status (``"Service Unavailable"``), or ``"Error"``."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def default_error_code(status: int, *, v3: bool) -> str:
    """The error code the fake uses for ``status`` when nobody chose one."""
    v3_code, v4_code = _DEFAULT_CODES.get(
        status, ("ERROR" if status >= 400 else "SUCCESS", "api_error")
    )
    return v3_code if v3 else v4_code


def error_body(
    *,
    v3: bool,
    status: int,
    code: str | None,
    message: str | None,
    param: str | None = None,
    debug: str | None = None,
) -> dict[str, Any]:
    """An error body in the style of the API version: v3 envelope or v4 error object."""
    code = code or default_error_code(status, v3=v3)
    message = message or status_phrase(status)
    if v3:
        return {
            "item": None,
            "code": code,
            "error": {"code": code, "message": message, "debug": debug or f"status={status}"},
        }
    return {"error": {"code": code, "message": message, "param": param}}


def render_customer(customer: FakeCustomer, *, legacy_v3: bool) -> dict[str, Any]:
    """The camelCase v3 ``item``; ``legacy_v3`` renders ``isActive`` as ``"true"``/``"false"``
    and ``recurringTarget`` as a number, as older versions of the docs show."""
    item: dict[str, Any] = {
        "id": customer.id,
        "merchantId": customer.merchant_id,
        "storeId": customer.store_id,
        "label": customer.label,
        "email": customer.email,
        "countryCode": customer.country_code,
        "phoneNumber": customer.phone_number,
        "productName": customer.product_name,
        "productDescription": customer.product_description,
        "isActive": str(customer.is_active).lower() if legacy_v3 else customer.is_active,
        "createdAt": iso(customer.created_at),
        "updatedAt": iso(customer.updated_at),
        "clientKey": customer.client_key,
        "redirectUrl": customer.redirect_url,
        "notifyUrl": customer.notify_url,
        "paymentUrl": customer.payment_url,
    }
    payment = customer.recurring_payment
    if payment is not None:
        target: str | int = payment.recurring_target
        if legacy_v3:
            target = int(payment.recurring_target)
        item["recurringPayment"] = {
            "amount": payment.amount,
            "currency": payment.currency,
            "recurringInterval": payment.recurring_interval,
            "recurringTarget": target,
            "recurringRepetition": payment.recurring_repetition,
        }
    item.update(customer.extra)
    return item


def v3_success(item: dict[str, Any]) -> dict[str, Any]:
    """The v3 success envelope around ``item``."""
    return {"item": item, "code": "SUCCESS", "error": None}


def render_subscription(sub: FakeSubscription) -> dict[str, Any]:
    """The bare snake_case v4 ``subscription`` object, shaped like the seed's example."""
    pause = sub.pause_collection
    details = sub.cancellation_details
    body: dict[str, Any] = {
        "id": sub.id,
        "object": "subscription",
        "status": sub.status,
        "pause_collection": None
        if pause is None
        else {"behavior": pause.behavior, "resume_at": iso(pause.resume_at)},
        "paused_at": iso(sub.paused_at),
        "resumed_at": iso(sub.resumed_at),
        "canceled_at": iso(sub.canceled_at),
        "cancellation_details": None
        if details is None
        else {
            "reason": details.reason,
            "comment": details.comment,
            "at_period_end": details.at_period_end,
            "prorate": details.prorate,
        },
        "ended_at": iso(sub.ended_at),
        "next_billing_date": _day(sub.next_billing_date),
        "customer": _plain(sub.customer),
        "plan": _plain(sub.plan),
        "payment_method": _plain(sub.payment_method),
        "current_period_start": iso(sub.current_period_start),
        "current_period_end": iso(sub.current_period_end),
        "metadata": _plain(sub.metadata),
        "livemode": sub.livemode,
    }
    body.update(_plain(sub.extra))
    return body


def _plain(value: Any) -> Any:
    # The state keeps read-only mappings; json.dumps wants real dicts.
    if hasattr(value, "items"):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# Per operation: keys of the success body replaced by a value of the wrong JSON type.
_WRONG_V3_ITEM: Final = {
    "id": 123,
    "isActive": "maybe",
    "createdAt": 20240120,
    "recurringPayment": {"amount": "ten", "recurringRepetition": "many"},
}
_WRONG_V4: Final = {
    "id": 123,
    "object": ["subscription"],
    "status": 42,
    "paused_at": True,
    "next_billing_date": 20240220,
    "livemode": "no",
    "current_period_end": {"at": "never"},
}


def wrong_types(payload: Any, *, v3: bool) -> dict[str, Any]:
    """A JSON object shaped like a success body whose fields have the wrong types.

    Built from the real ``payload`` when it has the success shape, so everything except the
    corrupted fields still looks right to a client.
    """
    if v3:
        item = payload.get("item") if isinstance(payload, dict) else None
        base = dict(item) if isinstance(item, dict) else {}
        return {"item": {**base, **_WRONG_V3_ITEM}, "code": "SUCCESS", "error": None}
    base = dict(payload) if isinstance(payload, dict) and "error" not in payload else {}
    return {**base, **_WRONG_V4}
