"""Receiving eFundPay's notifications in FastAPI: verify, read, act once, acknowledge.

Two endpoints: ``/efundpay/notify`` is the ``notifyUrl`` of your v3 recurring customers,
``/efundpay/webhooks`` your v4 webhook subscription.  Each one

1. verifies the raw body and headers with eFundPay's public key (never parse first: the
   signature covers the bytes received);
2. drops a redelivered copy by the notification's ``dedupe_key``;
3. acts (here: records the charge or the subscription's status), releasing the key when
   acting fails so that eFundPay's next delivery is acted on;
4. answers with the acknowledgement eFundPay expects; a refused notification gets a 400.

Run it with the public keys eFundPay gives you::

    export EFUNDPAY_V3_SERVER_PUBLIC_KEY_FILE=server_public.pem
    export EFUNDPAY_WEBHOOK_PUBLIC_KEY_FILE=platform_public.pem
    uvicorn fastapi_webhooks:app

Test it end to end with ``FakeEFundPay().send_v3_notification(url)``, or from a shell with
``efundpay webhooks send``.  The in-memory deduplicator serves one process; with several
workers, back :class:`efundpay.webhooks.Deduplicator` with your database or Redis.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from efundpay import WebhookVerificationError, webhooks

logger = logging.getLogger(__name__)

# Your database, in miniature: what this app has done, by notification.
CHARGES: dict[str, tuple[str | None, int | None, str | None]] = {}
SUBSCRIPTION_STATUS: dict[str, str] = {}
dedupe = webhooks.InMemoryDeduplicator()


@functools.cache
def public_key(variable: str) -> bytes:
    """A public key from the PEM file named by an environment variable, read once."""
    return Path(os.environ[variable]).read_bytes()


def refused(exc: WebhookVerificationError) -> JSONResponse:
    # The reason goes to your logs, never to the sender.
    logger.warning("refused an eFundPay notification: %s", exc)
    status, body = webhooks.rejection()
    return JSONResponse(body, status_code=status)


def once(key: str | None, act: functools.partial[None]) -> None:
    """Run ``act`` unless ``key`` was acted on already; forget ``key`` if ``act`` fails."""
    if key is None or not dedupe.claim(key):
        return  # a redelivery (or nothing to identify it by: see the docs)
    try:
        act()
    except BaseException:
        dedupe.release(key)
        raise


def record_charge(notification: webhooks.RecurringPaymentNotification) -> None:
    if notification.status == webhooks.ChargeStatus.SUCCESS and notification.id is not None:
        CHARGES[notification.id] = (
            notification.customer_id,
            notification.amount,
            notification.currency,
        )


def record_subscription(event: webhooks.WebhookEvent) -> None:
    if event.subscription is not None:
        SUBSCRIPTION_STATUS[event.subscription.id] = str(event.subscription.status)


app = FastAPI()


@app.post("/efundpay/notify")
async def notify(request: Request) -> Response:
    """The ``notifyUrl`` of v3 recurring customers: one call per charge."""
    try:
        notification = webhooks.verify_v3_notification(
            await request.body(),
            request.headers,
            public_key("EFUNDPAY_V3_SERVER_PUBLIC_KEY_FILE"),
        )
    except WebhookVerificationError as exc:
        return refused(exc)
    once(notification.dedupe_key, functools.partial(record_charge, notification))
    return Response(webhooks.V3_ACKNOWLEDGEMENT_BODY, media_type="application/json")


@app.post("/efundpay/webhooks")
async def webhook(request: Request) -> Response:
    """The v4 webhook subscription's URL."""
    try:
        event = webhooks.verify_v4_webhook(
            await request.body(), request.headers, public_key("EFUNDPAY_WEBHOOK_PUBLIC_KEY_FILE")
        )
    except WebhookVerificationError as exc:
        return refused(exc)
    once(event.dedupe_key, functools.partial(record_subscription, event))
    return Response(webhooks.V4_ACKNOWLEDGEMENT_BODY, media_type="application/json")
