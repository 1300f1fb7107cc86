"""What the command line records of a call, and the rate-limit pause a bulk run shares.

Both come from the SDK's public interface.  A command makes its call through
``with_raw_response``, and :class:`CallRecord` keeps what the :class:`~efundpay.APIResponse`
says of it (request id, attempts, elapsed time, status, idempotency key); a failed call's
exception carries the same attributes, which ``_exit.describe_failure`` reads.

A bulk run holds its workers behind one :class:`RateGate` while eFundPay is rate limiting,
so the whole batch backs off together instead of each worker hammering the API on its own
schedule.  The gate is set from the SDK's ``on_retry`` hook (a 429 the SDK is about to wait
out) and from a :class:`~efundpay.RateLimitError` a call ends with, by the error's
``retry_after``; workers wait on it *before* a call, so the wait never counts against an
attempt's timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import attrs

from .. import APIResponse, RateLimitError, RetryEvent

__all__ = ["CallRecord", "RateGate"]

# Used when a 429 comes without a usable Retry-After.
DEFAULT_RATE_LIMIT_PAUSE = 1.0


@attrs.frozen
class CallRecord:
    """What one successful call's :class:`~efundpay.APIResponse` showed."""

    request_id: str | None
    idempotency_key: str | None
    attempts: int
    status_code: int
    elapsed_ms: float

    @classmethod
    def of(cls, response: APIResponse[Any]) -> CallRecord:
        """The record of ``response``."""
        return cls(
            request_id=response.request_id,
            idempotency_key=response.idempotency_key,
            attempts=response.attempts,
            status_code=response.status_code,
            elapsed_ms=response.elapsed.total_seconds() * 1000,
        )


class RateGate:
    """A pause shared by every call of a run, set when eFundPay answers 429.

    ``clock`` is injectable for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0
        self.hits = 0

    def hold(self, seconds: float | None) -> None:
        """Keep every call waiting ``seconds`` from now (never shortens a longer hold)."""
        self.hits += 1
        pause = DEFAULT_RATE_LIMIT_PAUSE if seconds is None else seconds
        self._until = max(self._until, self._clock() + pause)

    def on_retry(self, event: RetryEvent) -> None:
        """A :class:`~efundpay.RetryPolicy` ``on_retry`` hook: a 429 the SDK is about to
        wait out holds the other workers too, by its ``Retry-After``."""
        if isinstance(event.error, RateLimitError):
            self.hold(event.error.retry_after)

    def remaining(self) -> float:
        """Seconds left of the current hold (0 when calls may go)."""
        return max(0.0, self._until - self._clock())

    async def wait(self) -> None:
        """Return once no hold is in force (a hold set meanwhile is waited out too)."""
        # Polling, not an Event: a hold is a deadline that may move later while we sleep.
        while (left := self.remaining()) > 0:  # noqa: ASYNC110
            await anyio.sleep(left)
