"""Background jobs with the sync client: Celery-style task functions, no broker needed here.

A job queue delivers a task *at least once*: a worker that crashes or loses its
acknowledgement gets the task again, and a task that asks to be retried runs again.  So every
task here is safe to run twice:

- a subscription change carries an idempotency key made when the job was *enqueued*, not
  when it runs, so a second run replays the first instead of applying the change again;
- a customer's token is not toggled blindly but driven to the state the job wants.

Wire the functions into your queue (Celery shown; others are alike)::

    @app.task(bind=True, acks_late=True, max_retries=20)
    def cancel_subscription_task(self, subscription_id, idempotency_key):
        try:
            return cancel_subscription(subscription_id, idempotency_key)
        except RetryLater as exc:
            raise self.retry(exc=exc, countdown=exc.countdown) from exc

    cancel_subscription_task.delay(**enqueue_cancel("sub_123"))
"""

from __future__ import annotations

import functools
import uuid
from typing import TypedDict

import efundpay
from efundpay import Customer, EFundPay


class RetryLater(Exception):
    """Ask the queue to run the task again, with the same arguments, after ``countdown`` s."""

    def __init__(self, reason: str, countdown: float) -> None:
        super().__init__(reason)
        self.countdown = countdown


@functools.cache
def client() -> EFundPay:
    """One client per worker process, shared by all its threads (one connection pool).

    Made on first use, so importing the tasks needs no credentials, and made again in a
    forked worker child on its first call.  It is closed when the process exits.
    """
    return EFundPay()


class CancelJob(TypedDict):
    """The arguments of :func:`cancel_subscription`, as they travel through the queue."""

    subscription_id: str
    idempotency_key: str


def enqueue_cancel(subscription_id: str) -> CancelJob:
    """What the enqueuing side sends: the key is made once, here, and travels with the job."""
    return {"subscription_id": subscription_id, "idempotency_key": f"cancel-{uuid.uuid4()}"}


def cancel_subscription(subscription_id: str, idempotency_key: str) -> str:
    """Cancel at the period's end; returns the outcome, or raises :class:`RetryLater`."""
    try:
        sub = client().subscriptions.cancel(
            subscription_id,
            at_period_end=True,
            cancellation_reason="customer_request",
            idempotency_key=idempotency_key,
        )
    except (
        efundpay.NotFoundError,  # no such subscription
        efundpay.ConflictError,  # already cancelled, or the same job running right now
        efundpay.UnprocessableEntityError,  # can never be cancelled
    ) as exc:
        return f"skipped: {exc.message}"  # running again cannot help
    except efundpay.RateLimitError as exc:
        raise RetryLater(str(exc), countdown=exc.retry_after or 30.0) from exc
    except efundpay.APIError as exc:
        # eFundPay unreachable or failing, perhaps after applying the change: the same key
        # makes the next run safe either way.
        raise RetryLater(str(exc), countdown=30.0) from exc
    return f"cancelled: {sub.id}"


def set_token_active(
    client: EFundPay, customer_id: str, active: bool, *, max_toggles: int = 4
) -> Customer:
    """Put the customer's token in the wanted state, and return the customer in it.

    A toggle answers with the state it produced: toggle until that is the wanted state.  It
    takes one toggle, or two when the token was already in the wanted state (say, an earlier
    toggle whose outcome was unknown did go through).  More only when something else toggles
    the same customer at the same time, such as a second delivery of the same job; after
    ``max_toggles`` it gives up with :class:`TokenStillChanging`, to be run again later.

    Whenever it returns, its own last toggle produced the wanted state, so running it again
    after any failure is correct.
    """
    for _ in range(max_toggles):
        customer = client.customers.toggle(customer_id)
        if customer.is_active == active:
            return customer
    raise TokenStillChanging(f"{customer_id} is being toggled by someone else too")


class TokenStillChanging(Exception):
    """:func:`set_token_active` saw the token change under it; try again later."""


def deactivate_customer(customer_id: str) -> str:
    """Stop a customer's recurring charges; safe to run twice (unlike a bare toggle)."""
    try:
        set_token_active(client(), customer_id, active=False)
    except efundpay.NotFoundError as exc:
        return f"skipped: {exc.message}"
    except efundpay.APIError as exc:
        countdown = exc.retry_after if isinstance(exc, efundpay.RateLimitError) else None
        raise RetryLater(str(exc), countdown=countdown or 30.0) from exc
    except TokenStillChanging as exc:
        raise RetryLater(str(exc), countdown=5.0) from exc
    return f"deactivated: {customer_id}"
