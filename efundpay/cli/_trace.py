"""What the command line learns from the wire: request ids, attempts, and rate limits.

Models carry no HTTP metadata, so the command line wraps the client's transport.  Each
command runs a call inside :func:`traced`, which gives the current task a :class:`CallTrace`
to fill; the :class:`TracingTransport` writes into the trace of the task that sends (the
client awaits its transport in the caller's task, so concurrent bulk workers never mix their
traces up).  The same transport holds every request behind a shared :class:`RateGate` while
eFundPay is rate limiting, so a whole bulk run backs off together instead of each worker
hammering the API on its own schedule.

A held request is not kept waiting inside the transport, where the wait would count against
the attempt's timeout (and a long hold would end as a timeout whose outcome looks unknown).
The transport answers it at once, without sending it, with the 429 the hold stands for and
the hold's remaining time as ``Retry-After``: the SDK then waits, or gives up when the
wait is beyond its cap, by its ordinary rules.
"""

from __future__ import annotations

import contextvars
import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio
import attrs

from .. import HTTPRequest, HTTPResponse, Transport
from .._retry import parse_retry_after

__all__ = ["CallTrace", "RateGate", "TracingTransport", "traced"]

# Used when a 429 comes without a usable Retry-After.
DEFAULT_RATE_LIMIT_PAUSE = 1.0


@attrs.define
class CallTrace:
    """What one call's attempts showed: their count, the last request id, the key sent.

    ``attempts`` counts the requests handed to the network (which may have reached
    eFundPay); a request answered by the :class:`RateGate` without being sent is not one.
    """

    attempts: int = 0
    request_id: str | None = None
    idempotency_key: str | None = None
    started: float = attrs.field(factory=time.perf_counter)

    @property
    def elapsed_ms(self) -> float:
        """Milliseconds since the call began."""
        return (time.perf_counter() - self.started) * 1000


_current: contextvars.ContextVar[CallTrace | None] = contextvars.ContextVar(
    "efundpay_cli_trace", default=None
)


@contextmanager
def traced() -> Iterator[CallTrace]:
    """Record the calls made inside the block (in this task) into a fresh :class:`CallTrace`."""
    trace = CallTrace()
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


class RateGate:
    """A pause shared by every request of a run, set when eFundPay answers 429.

    ``clock`` is injectable for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0
        self.hits = 0

    def hold(self, seconds: float | None) -> None:
        """Keep every request waiting ``seconds`` from now (never shortens a longer hold)."""
        self.hits += 1
        pause = DEFAULT_RATE_LIMIT_PAUSE if seconds is None else seconds
        self._until = max(self._until, self._clock() + pause)

    def remaining(self) -> float:
        """Seconds left of the current hold (0 when requests may go)."""
        return max(0.0, self._until - self._clock())

    def held_response(self) -> HTTPResponse | None:
        """The 429 that stands for the current hold (``None`` when requests may go)."""
        left = self.remaining()
        if left <= 0:
            return None
        # Rounded up to the millisecond, so the SDK never comes back before the hold ends.
        body = {
            "code": "rate_limited",
            "message": f"not sent: eFundPay asked this run to wait; {left:.0f}s left",
        }
        return HTTPResponse(
            429,
            {"Content-Type": "application/json", "Retry-After": str(math.ceil(left * 1000) / 1000)},
            json.dumps(body).encode(),
        )

    async def wait(self) -> None:
        """Return once no hold is in force (a hold set meanwhile is waited out too)."""
        # Polling, not an Event: a hold is a deadline that may move later while we sleep.
        while (left := self.remaining()) > 0:  # noqa: ASYNC110
            await anyio.sleep(left)


def _rate_limited(response: HTTPResponse) -> bool:
    # v3 signals rate limits inside a 200 envelope; only the cheap byte check runs per call.
    return response.status_code == 429 or b'"EXCEEDED_LIMIT"' in response.content


class TracingTransport:
    """A :class:`~efundpay.Transport` that records each attempt and honours a :class:`RateGate`."""

    def __init__(self, inner: Transport, gate: RateGate | None = None) -> None:
        self.inner = inner
        self.gate = gate or RateGate()

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Answer for the gate while it holds; else send through the inner transport and note
        what came back."""
        held = self.gate.held_response()
        if held is not None:
            return held
        trace = _current.get()
        if trace is not None:
            trace.attempts += 1
            trace.idempotency_key = request.headers.get("idempotency-key")
        response = await self.inner.handle_request(request)
        if trace is not None:
            trace.request_id = response.headers.get("x-request-id", trace.request_id)
        if _rate_limited(response):
            self.gate.hold(parse_retry_after(response.headers))
        return response

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
