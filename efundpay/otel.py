"""OpenTelemetry tracing for every call and every attempt (``pip install "efundpay[otel]"``).

After :func:`instrument`, each SDK call is one span and each HTTP attempt inside it a child
span, on every client (async and sync) in the process::

    import efundpay.otel

    efundpay.otel.instrument()          # uses the global tracer provider
    client.subscriptions.pause("sub_123")
    # efundpay subscriptions.pause          (INTERNAL)
    # └── efundpay subscriptions.pause attempt (CLIENT), one per attempt

Attributes, on the call span and on each attempt span:

``efundpay.operation``        the SDK method, e.g. ``"subscriptions.pause"``
``efundpay.idempotency_key``  the key every attempt carried (v4 status changes)
``efundpay.attempt``          attempt spans: 1 for the first attempt, 2 for the first retry…
``efundpay.attempts``         call span: how many attempts the call made
``http.response.status_code`` the HTTP status (on the call span: of the last attempt)
``efundpay.request_id``       eFundPay's request id (on the call span: of the last attempt)
``error.type``                the exception class, or the HTTP status of a failed attempt
``efundpay.outcome_unknown``  call span, on failure: the change may have been applied
``efundpay.error.code``       call span, on an API error: eFundPay's error code

Attempt spans also carry ``http.request.method``, ``server.address`` and ``server.port``.
No header, body, API key or card field is ever recorded.  A failed call's span records the
SDK's exception, whose message is already redacted.

Importing :mod:`efundpay` imports nothing from OpenTelemetry; only this module does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from . import _instrumentation
from ._errors import APIError, APIStatusError
from ._http import HTTPRequest, HTTPResponse, Transport
from ._request import APIRequest
from ._response import request_id_of
from ._transport_errors import TransportError
from ._version import __version__

__all__ = ["OpenTelemetryInstrumentation", "instrument", "is_instrumented", "uninstrument"]

OPERATION: Final = "efundpay.operation"
IDEMPOTENCY_KEY: Final = "efundpay.idempotency_key"
ATTEMPT: Final = "efundpay.attempt"
ATTEMPTS: Final = "efundpay.attempts"
REQUEST_ID: Final = "efundpay.request_id"
OUTCOME_UNKNOWN: Final = "efundpay.outcome_unknown"
ERROR_CODE: Final = "efundpay.error.code"
REQUEST_SENT: Final = "efundpay.request_sent"
STATUS_CODE: Final = "http.response.status_code"
ERROR_TYPE: Final = "error.type"


class OpenTelemetryInstrumentation:
    """Opens the spans; installed process-wide by :func:`instrument`.

    Args:
        tracer_provider: where spans go; default the global one
            (:func:`opentelemetry.trace.get_tracer_provider`).
    """

    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer("efundpay", __version__, tracer_provider=tracer_provider)

    @contextmanager
    def call(self, request: APIRequest[Any]) -> Iterator[_CallScope]:
        """The span of one call; its scope traces each attempt (see the module docstring)."""
        attributes = _common_attributes(request)
        with self._tracer.start_as_current_span(
            f"efundpay {request.operation}",
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            scope = _CallScope(self._tracer, attributes)
            try:
                yield scope
            except BaseException as exc:
                _mark_failed(span, exc)
                raise
            finally:
                span.set_attribute(ATTEMPTS, scope.attempts)
                if scope.status_code is not None:
                    span.set_attribute(STATUS_CODE, scope.status_code)
                if scope.request_id is not None:
                    span.set_attribute(REQUEST_ID, scope.request_id)


class _CallScope:
    """One call's attempt counter and what its last attempt learned."""

    def __init__(self, tracer: trace.Tracer, attributes: Mapping[str, str]) -> None:
        self.tracer = tracer
        self.attributes = attributes
        self.attempts = 0
        self.status_code: int | None = None
        self.request_id: str | None = None

    def transport(self, transport: Transport) -> Transport:
        return _TracedTransport(transport, self)


class _TracedTransport:
    """Wraps the client's transport for one call: one CLIENT span per attempt."""

    def __init__(self, inner: Transport, scope: _CallScope) -> None:
        self._inner = inner
        self._scope = scope

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        scope = self._scope
        scope.attempts += 1
        scope.status_code = scope.request_id = None
        with scope.tracer.start_as_current_span(
            f"efundpay {scope.attributes[OPERATION]} attempt",
            kind=SpanKind.CLIENT,
            attributes={
                **scope.attributes,
                ATTEMPT: scope.attempts,
                **_server_attributes(request),
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                response = await self._inner.handle_request(request)
            except BaseException as exc:
                if isinstance(exc, TransportError):
                    span.set_attribute(REQUEST_SENT, exc.request_sent)
                span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
                raise
            scope.status_code = response.status_code
            scope.request_id = request_id_of(response)
            span.set_attribute(STATUS_CODE, response.status_code)
            if scope.request_id is not None:
                span.set_attribute(REQUEST_ID, scope.request_id)
            if response.status_code >= 400:
                span.set_attribute(ERROR_TYPE, str(response.status_code))
                span.set_status(Status(StatusCode.ERROR))
            return response

    async def aclose(self) -> None:
        # The client owns the real transport and closes it; a call's wrapper never does.
        return None


def _common_attributes(request: APIRequest[Any]) -> dict[str, str]:
    attributes = {OPERATION: request.operation}
    if request.idempotency_key is not None:
        attributes[IDEMPOTENCY_KEY] = request.idempotency_key
    return attributes


def _server_attributes(request: HTTPRequest) -> dict[str, str | int]:
    parts = urlsplit(request.url)
    attributes: dict[str, str | int] = {"http.request.method": request.method}
    if parts.hostname:
        attributes["server.address"] = parts.hostname
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    if port is not None:
        attributes["server.port"] = port
    return attributes


def _mark_failed(span: trace.Span, exc: BaseException) -> None:
    span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
    if isinstance(exc, APIError):
        span.set_attribute(OUTCOME_UNKNOWN, exc.outcome_unknown)
        if isinstance(exc, APIStatusError) and exc.code:
            span.set_attribute(ERROR_CODE, exc.code)
        # The SDK's messages are redacted (no API key, no card number): safe to record.
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, str(exc)))
    else:
        # Cancellation, or an exception from a user's on_retry hook: name it, record nothing.
        span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))


def instrument(tracer_provider: trace.TracerProvider | None = None) -> None:
    """Trace every call of every efundpay client in this process from now on.

    Calling it again replaces the previous instrumentation (for example, to use another
    ``tracer_provider``).  Undo with :func:`uninstrument`.
    """
    _instrumentation.install(OpenTelemetryInstrumentation(tracer_provider))


def uninstrument() -> None:
    """Stop tracing (calls already running finish their spans)."""
    if is_instrumented():
        _instrumentation.install(None)


def is_instrumented() -> bool:
    """Whether :func:`instrument` is in force."""
    return isinstance(_instrumentation.active(), OpenTelemetryInstrumentation)
