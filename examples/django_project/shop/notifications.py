"""Views receiving eFundPay's notifications: verify, read, act once, acknowledge.

``efundpay_notify`` is the ``notifyUrl`` of v3 recurring customers, ``efundpay_webhook`` the
v4 webhook subscription's URL.  eFundPay's public keys come from the PEM files named by
``EFUNDPAY_V3_SERVER_PUBLIC_KEY_FILE`` and ``EFUNDPAY_WEBHOOK_PUBLIC_KEY_FILE``.

Each view verifies ``request.body`` (the raw bytes: never ``json.loads`` first), drops a
redelivered copy by its ``dedupe_key``, acts inside a claim that is released when acting
fails, and answers with the acknowledgement eFundPay expects.  With several processes,
back :class:`efundpay.webhooks.Deduplicator` with your database: a unique index on the
notification id, inserted in the same transaction as the work, is the simplest.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.views.decorators.csrf import csrf_exempt  # type: ignore[import-untyped]
from django.views.decorators.http import require_POST  # type: ignore[import-untyped]

from efundpay import WebhookVerificationError, webhooks

logger = logging.getLogger(__name__)

# Your models, in miniature.
CHARGES: dict[str, tuple[str | None, int | None, str | None]] = {}
SUBSCRIPTION_STATUS: dict[str, str] = {}
dedupe = webhooks.InMemoryDeduplicator()


@functools.cache
def public_key(variable: str) -> bytes:
    """A public key from the PEM file named by an environment variable, read once."""
    return Path(os.environ[variable]).read_bytes()


def _refused(exc: WebhookVerificationError) -> JsonResponse:
    logger.warning("refused an eFundPay notification: %s", exc)  # the reason stays here
    status, body = webhooks.rejection()
    return JsonResponse(body, status=status)


def _once(key: str | None, act: Callable[[], None]) -> None:
    if key is None or not dedupe.claim(key):
        return  # a redelivery
    try:
        act()
    except BaseException:
        dedupe.release(key)  # eFundPay will deliver again; act then
        raise


def _record_charge(notification: webhooks.RecurringPaymentNotification) -> None:
    if notification.status == webhooks.ChargeStatus.SUCCESS and notification.id is not None:
        CHARGES[notification.id] = (
            notification.customer_id,
            notification.amount,
            notification.currency,
        )


def _record_subscription(event: webhooks.WebhookEvent) -> None:
    if event.subscription is not None:
        SUBSCRIPTION_STATUS[event.subscription.id] = str(event.subscription.status)


@csrf_exempt  # eFundPay cannot send your CSRF token: the signature authenticates it
@require_POST
def efundpay_notify(request: HttpRequest) -> HttpResponse:
    """A v3 notification of a recurring charge."""
    try:
        notification = webhooks.verify_v3_notification(
            request.body, request.headers, public_key("EFUNDPAY_V3_SERVER_PUBLIC_KEY_FILE")
        )
    except WebhookVerificationError as exc:
        return _refused(exc)
    _once(notification.dedupe_key, functools.partial(_record_charge, notification))
    return HttpResponse(webhooks.V3_ACKNOWLEDGEMENT_BODY, content_type="application/json")


@csrf_exempt
@require_POST
def efundpay_webhook(request: HttpRequest) -> HttpResponse:
    """A v4 webhook."""
    try:
        event = webhooks.verify_v4_webhook(
            request.body, request.headers, public_key("EFUNDPAY_WEBHOOK_PUBLIC_KEY_FILE")
        )
    except WebhookVerificationError as exc:
        return _refused(exc)
    _once(event.dedupe_key, functools.partial(_record_subscription, event))
    return HttpResponse(webhooks.V4_ACKNOWLEDGEMENT_BODY, content_type="application/json")
