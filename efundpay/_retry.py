"""When a failed attempt is retried, and how long the SDK waits first.

The rules, in order:

1. A call is never retried more than ``max_retries`` times, nor past its ``deadline``.
2. An *idempotent* call (every v4 status change: each attempt carries the same
   ``idempotency-key``) is retried after connection errors, timeouts, 408, 429 and 5xx.
3. A *non-idempotent* call (the v3 toggle: a repeat flips the customer back) is retried only
   when eFundPay certainly did not apply it: the request never left (connection refused, DNS
   failure, connect timeout) or eFundPay rejected it outright (429 / ``EXCEEDED_LIMIT``).
4. The wait is exponential backoff with full jitter, capped at ``max_backoff``; a
   ``Retry-After`` from the server replaces it when it is no longer than ``max_retry_after``.
   A longer ``Retry-After`` ends the retries: the error is raised at once with its
   ``retry_after`` so the caller can schedule the work.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping

import attrs

from ._errors import APIConnectionError, APIError, APIStatusError, RateLimitError

__all__ = ["RetryEvent", "RetryPolicy", "parse_retry_after"]


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


def _non_negative_seconds(
    instance: object, attribute: attrs.Attribute[float], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{attribute.name} must be a number of seconds, not {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be a finite number of seconds >= 0")


def _full_jitter(ceiling: float) -> float:
    return random.uniform(0.0, ceiling)  # noqa: S311 - jitter, not cryptography


@attrs.frozen
class RetryPolicy:
    """How failed attempts are retried; see the module docstring for the rules.

    >>> RetryPolicy(max_retries=5, max_backoff=2.0).max_retries
    5

    ``on_retry`` is called (synchronously, in the event loop) with a :class:`RetryEvent`
    before each wait; use it to log or meter retries.  An exception it raises ends the call.

    ``jitter`` turns the backoff ceiling of a retry into the wait: by default a uniformly
    random time up to the ceiling ("full jitter"), so many clients failing together do not
    retry together.  Pass ``jitter=lambda ceiling: ceiling`` for waits without chance (a test
    that must not depend on a random draw).
    """

    max_retries: int = attrs.field(default=2, validator=_non_negative_int)
    initial_backoff: float = attrs.field(default=0.5, validator=_non_negative_seconds)
    max_backoff: float = attrs.field(default=8.0, validator=_non_negative_seconds)
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative_seconds)
    on_retry: Callable[[RetryEvent], None] | None = attrs.field(default=None, eq=False)
    jitter: Callable[[float], float] = attrs.field(default=_full_jitter, eq=False, repr=False)

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """A copy with another retry count."""
        return attrs.evolve(self, max_retries=max_retries)

    def may_retry(self, error: APIError, *, idempotent: bool) -> bool:
        """Whether ``error`` allows another attempt, by kind alone (not by count or time)."""
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
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
