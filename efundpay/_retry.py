"""When a failed attempt is retried, and how long the SDK waits first.

The rules, in order:

1. A call is never retried more than ``max_retries`` times, nor past its ``deadline``.
   A closed client (:class:`ClientClosedError`) is never retried.
2. **The one gate**: once any attempt of a *non-idempotent* call may have been applied
   (:func:`may_have_applied`), the call is never sent again, whatever the error that
   follows.  Every other rule only narrows what this one allows.
3. An *idempotent* call (every v4 status change: each attempt carries the same
   ``idempotency-key``) is retried after connection errors, timeouts, 408, 429 and 5xx.
4. A *non-idempotent* call (the v3 toggle: a repeat flips the customer back) is retried only
   when eFundPay certainly did not apply it: the request never left (connection refused, DNS
   failure, connect timeout) or eFundPay rejected it outright (429, or ``EXCEEDED_LIMIT``
   with a status below 500: a 5xx is never a rate limit).
5. The wait is exponential backoff with full jitter, capped at ``max_backoff``; a
   ``Retry-After`` from the server replaces it when it is no longer than ``max_retry_after``.
   A longer ``Retry-After`` ends the retries: the error is raised at once with its
   ``retry_after`` so the caller can schedule the work.
"""

from __future__ import annotations

import contextvars
import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from typing import Final

import attrs

from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    ClientClosedError,
    RateLimitError,
)
from ._seconds import non_negative_seconds

__all__ = [
    "HOOKS_MAY_BLOCK",
    "RetryEvent",
    "RetryPolicy",
    "call_hook",
    "http_date",
    "may_have_applied",
    "may_send_again",
    "parse_retry_after",
]

#: Set by the blocking client's runner for the calls it runs: the ``on_retry`` hook then
#: runs in a worker thread, where blocking code (the sync client itself, Django's ORM) may
#: run, instead of on the event loop's thread, where it would deadlock or be refused.
HOOKS_MAY_BLOCK: Final[contextvars.ContextVar[bool]] = contextvars.ContextVar(
    "efundpay_hooks_may_block", default=False
)


def may_have_applied(error: APIError) -> bool:
    """Whether the attempt that ended in ``error`` may have been applied by eFundPay.

    Only an answer that proves nothing happened says no: a request that never left, or a
    4xx other than 408.  Any 2xx that could not be read, any 5xx (whatever its body says)
    and any failure after the request was sent may have been applied.
    """
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, APIResponseValidationError):
        # eFundPay answered (2xx, or a body too large to read): the change was probably made.
        return True
    if isinstance(error, APIStatusError):
        return error.status_code >= 500 or error.status_code == 408
    return True  # an error this module does not know: assume the worst


def may_send_again(*, idempotent: bool, maybe_applied: bool) -> bool:
    """The one gate: a non-idempotent call that may have been applied is never sent again.

    Every path that could send a call's request once more (a retry, the resend after a
    credentials rejection) asks here, whatever the error that ended the last attempt.
    """
    return idempotent or not maybe_applied


async def call_hook(hook: Callable[[RetryEvent], None], event: RetryEvent) -> None:
    """Run an ``on_retry`` hook where it may block: see :data:`HOOKS_MAY_BLOCK`."""
    if not HOOKS_MAY_BLOCK.get():
        hook(event)
        return
    import anyio.to_thread  # noqa: PLC0415 - only the blocking client's retries need it

    await anyio.to_thread.run_sync(hook, event)


@attrs.frozen
class RetryEvent:
    """What the ``on_retry`` hook receives before the SDK waits and tries again.

    Attributes:
        operation: the SDK method, e.g. ``"subscriptions.pause"``.
        attempt: the number of the attempt that just failed (1 for the first).
        error: why it failed.
        delay: seconds the SDK will now wait.
        idempotency_key: the key every attempt carries, for v4 status changes.
    """

    operation: str
    attempt: int
    error: APIError
    delay: float
    idempotency_key: str | None


def _non_negative_int(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an int, not {value!r}")
    if value < 0:
        raise ValueError(f"{attribute.name} must be 0 or more, not {value}")


def _full_jitter(ceiling: float) -> float:
    return random.uniform(0.0, ceiling)  # noqa: S311 - jitter, not cryptography


@attrs.frozen
class RetryPolicy:
    """How failed attempts are retried; see the module docstring for the rules.

    >>> RetryPolicy(max_retries=5, max_backoff=2.0).max_retries
    5

    ``on_retry`` is called with a :class:`RetryEvent` before each wait; use it to log or
    meter retries.  An exception it raises ends the call.  With :class:`AsyncEFundPay` it
    runs on the event loop (it must not block); with the blocking ``EFundPay`` it runs in a
    worker thread, so it may block, use Django's ORM, or even call the client again.

    ``jitter`` turns the backoff ceiling of a retry into the wait: by default a uniformly
    random time up to the ceiling ("full jitter"), so many clients failing together do not
    retry together.  Pass ``jitter=lambda ceiling: ceiling`` for waits without chance (a test
    that must not depend on a random draw).
    """

    max_retries: int = attrs.field(default=2, validator=_non_negative_int)
    initial_backoff: float = attrs.field(default=0.5, validator=non_negative_seconds)
    max_backoff: float = attrs.field(default=8.0, validator=non_negative_seconds)
    max_retry_after: float = attrs.field(default=60.0, validator=non_negative_seconds)
    on_retry: Callable[[RetryEvent], None] | None = attrs.field(default=None, eq=False)
    jitter: Callable[[float], float] = attrs.field(default=_full_jitter, eq=False, repr=False)

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """A copy with another retry count."""
        return attrs.evolve(self, max_retries=max_retries)

    def may_retry(self, error: APIError, *, idempotent: bool, maybe_applied: bool = False) -> bool:
        """Whether ``error`` allows another attempt, by kind alone (not by count or time).

        ``maybe_applied`` says that an earlier attempt of the same call may have been
        applied; ``error``'s own attempt is judged here too (:func:`may_have_applied`).
        """
        if not may_send_again(
            idempotent=idempotent, maybe_applied=maybe_applied or may_have_applied(error)
        ):
            return False
        if isinstance(error, ClientClosedError):
            return False
        if isinstance(error, RateLimitError):
            return True  # rejected before anything was applied, idempotent or not
        if isinstance(error, APIConnectionError):
            return idempotent or not error.request_sent
        if isinstance(error, APIStatusError):
            return idempotent and (error.status_code == 408 or error.status_code >= 500)
        return False

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1 for the first retry).

        ``None`` means "do not retry": the server asked for a longer pause than
        ``max_retry_after``.
        """
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_backoff, self.initial_backoff * 2 ** (retry_number - 1))
        return self.jitter(ceiling)


def http_date(raw: str) -> float | None:
    """An HTTP date (``Retry-After``, ``Date``) as a Unix timestamp, or ``None``.

    >>> http_date("Thu, 01 Jan 1970 00:01:00 GMT")
    60.0
    """
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return None if when.tzinfo is None else when.timestamp()


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or ``None``.

    >>> parse_retry_after({"Retry-After": "3"})
    3.0
    """
    raw = headers.get("Retry-After") or headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        when = http_date(raw)
        if when is None:
            return None
        seconds = when - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
