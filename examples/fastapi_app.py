"""A FastAPI app that awaits the async client.

One ``AsyncEFundPay`` per process, made in the lifespan: it lives on the server's event loop,
every request shares its connection pool, and it is closed at shutdown.  Run it with::

    export EFUNDPAY_API_KEY=sk_test_... EFUNDPAY_MERCHANT_ACCOUNT_ID=acct_...
    uvicorn fastapi_app:app

The same lifespan and ``request.state`` work unchanged in a plain Starlette app.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypedDict

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse

import efundpay
from efundpay import AsyncEFundPay


class State(TypedDict):
    """What the lifespan hands to every request as ``request.state``."""

    efundpay: AsyncEFundPay


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[State]:
    """Open the client at startup (reading ``EFUNDPAY_*``) and close it at shutdown."""
    async with AsyncEFundPay() as client:
        yield {"efundpay": client}


def get_client(request: Request) -> AsyncEFundPay:
    """The process's client, for ``Depends``."""
    client: AsyncEFundPay = request.state.efundpay
    return client


Client = Annotated[AsyncEFundPay, Depends(get_client)]
# Your own callers can make their retries safe too: their key is passed on to eFundPay.
IdempotencyKey = Annotated[str | None, Header()]

app = FastAPI(lifespan=lifespan)


@app.post("/subscriptions/{subscription_id}/pause")
async def pause(
    subscription_id: str, client: Client, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    """Pause a subscription until its customer resumes it."""
    sub = await client.subscriptions.pause(
        subscription_id,
        pause_behavior="keep_as_draft",
        reason="Paused from the account page",
        idempotency_key=idempotency_key,
    )
    return {"id": sub.id, "status": sub.status}


@app.post("/subscriptions/{subscription_id}/resume")
async def resume(
    subscription_id: str, client: Client, idempotency_key: IdempotencyKey = None
) -> dict[str, Any]:
    """Resume a paused subscription, keeping its billing cycle."""
    sub = await client.subscriptions.resume(subscription_id, idempotency_key=idempotency_key)
    return {"id": sub.id, "status": sub.status, "next_billing_date": sub.next_billing_date}


@app.post("/customers/{customer_id}/toggle")
async def toggle(customer_id: str, client: Client) -> dict[str, Any]:
    """Switch a customer's recurring charges off or on."""
    customer = await client.customers.toggle(customer_id)
    return {"id": customer.id, "is_active": customer.is_active}


@app.exception_handler(efundpay.APIError)
async def efundpay_error(request: Request, exc: efundpay.APIError) -> JSONResponse:
    """Turn the SDK's errors into answers for this app's own callers."""
    status, headers = 502, {}  # eFundPay unreachable or failing: a bad gateway
    if isinstance(exc, efundpay.NotFoundError):
        status = 404
    elif isinstance(exc, efundpay.ConflictError | efundpay.UnprocessableEntityError):
        status = 409
    elif isinstance(exc, efundpay.RateLimitError):
        status = 503
        headers["Retry-After"] = str(math.ceil(exc.retry_after or 1))
    body = {
        "error": type(exc).__name__,
        "message": exc.message,
        # The change may have happened: tell the caller, so it can retry with its key.
        "outcome_unknown": exc.outcome_unknown,
        "request_id": getattr(exc, "request_id", None),  # for eFundPay support
    }
    return JSONResponse(body, status_code=status, headers=headers)
