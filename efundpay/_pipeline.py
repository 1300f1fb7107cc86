"""How one call runs: attempts, retry decisions, the deadline, and the error it raises.

The client hands a described request (``APIRequest``) here with its settings; this module
sends it through the transport, decides after each failure whether another attempt is safe
(``_retry``), reads the answer (``_response``), and stamps what the whole call learned onto
the error it finally raises: attempts made, the idempotency key, and whether the outcome is
unknown.  It holds no state of its own.
"""

from __future__ import annotations

import functools
import logging
import time
import types
from collections.abc import Awaitable
from typing import Any, Final, TypeVar

import attrs

from ._canonical import canonical_json
from ._config import ClientConfig, Timeout
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
)
from ._http import HTTPRequest, HTTPResponse, Transport
from ._logging import log_attempt, log_failed_attempt, logger
from ._redact import Secrets, redact_text
from ._request import APIRequest
from ._response import APIResponse, read_response
from ._retry import RetryEvent, RetryPolicy, call_hook, may_have_applied, may_send_again
from ._secret import SecretHeaders
from ._transport_errors import (
    ResponseTooLargeError,
    TransportClosedError,
    TransportError,
    TransportTimeoutError,
)
from .auth import Auth, AuthRequest
from .auth._base import rejection_of

__all__ = ["run_call"]

T = TypeVar("T")

_TOGGLE_UNKNOWN: Final = (
    " The outcome is unknown: the toggle may have been applied. Do not simply repeat it "
    "(a second toggle flips the customer back); check the customer's current state first "
    "(isActive in the eFundPay dashboard, or the request_id with eFundPay support) and "
    "toggle again only if it did not change."
)

# A transport must honour ``HTTPRequest.timeout``; this margin past it is a backstop for one
# that does not, so that no attempt (and no deadline) can overrun by more than this.  The
# SDK's own AiohttpTransport needs none and says so (``enforces_timeout``): aiohttp's total
# timeout already bounds connecting, sending and reading the body, and a second timer costs
# about 25 µs of CPU per call.
_BACKSTOP_GRACE: Final = 0.5


def _idempotent_unknown(key: str | None) -> str:
    return (
        f" The change may have been applied; repeating the call with "
        f"idempotency_key={key!r} is safe and applies it at most once."
    )


@attrs.frozen
class _Failed:
    """How an attempt failed, and whether its request left (``False``: a token fetch)."""

    error: APIError
    sent: bool


async def run_call(
    request: APIRequest[T],
    *,
    config: ClientConfig,
    transport: Transport,
    auth: Auth,
    headers: SecretHeaders,
    secrets: Secrets,
) -> T:
    """Every attempt of one call, every retry decision, and the decoding.

    ``headers`` are the call's fixed headers (user agent, merchant account), holding no
    credential; each attempt copies them (two dict copies, no name lowered again) and ``auth``
    adds its own, for the exact URL and body bytes of that attempt.  The idempotency key is
    added here so that every attempt carries the same one.
    """
    url = (config.v3_base_url if request.api == "v3" else config.base_url) + request.path
    key = request.idempotency_key
    # One encoder for v3 and v4: these bytes are what an Auth signs and what is sent.
    content = None if request.body is None else canonical_json(request.body)
    sender = functools.partial(_send, transport)
    call_started = time.perf_counter() if request.raw else 0.0  # for APIResponse.elapsed
    deadline_at = None if config.deadline is None else time.monotonic() + config.deadline
    maybe_applied = False
    resent = 0  # the one resend a rejection may earn: not a retry
    attempt = 0
    while True:
        attempt += 1
        timeout = config.timeout if deadline_at is None else _clamp(config.timeout, deadline_at)
        if timeout is None:
            raise _finish(
                APITimeoutError(f"the call's deadline of {config.deadline:g}s has passed"),
                request,
                url,
                attempt - 1,
                maybe_applied,
            )
        attempt_headers = SecretHeaders(headers)  # each attempt's own: the Auth writes to it
        if key is not None:
            attempt_headers["idempotency-key"] = key
        auth_request = AuthRequest(
            method=request.method,
            url=url,
            content=content,
            headers=attempt_headers,
            api=request.api,
            merchant_account_id=config.merchant_account_id,
            scopes=request.scopes,
            sender=sender,
            timeout=timeout,
        )
        result = await _attempt(
            request, auth_request, attempt, config=config, transport=transport, auth=auth,
            secrets=secrets, call_started=call_started, deadline_at=deadline_at,
        )  # fmt: skip
        if not isinstance(result, _Failed):
            return result
        error = result.error
        if result.sent:
            if (
                not resent
                and may_send_again(
                    idempotent=request.idempotent,
                    maybe_applied=maybe_applied or may_have_applied(error),
                )
                and await _rejected(auth, auth_request, error)
            ):
                resent = 1
                logger.info(
                    "%s: resending with new credentials after attempt %d: %s",
                    request.operation,
                    attempt,
                    error,
                )
                continue
            maybe_applied = maybe_applied or may_have_applied(error)
        delay = _retry_delay(
            error,
            request,
            attempt - resent,
            config.retry,
            maybe_applied=maybe_applied,
            sent=result.sent,
        )
        if (
            delay is not None
            and deadline_at is not None
            and time.monotonic() + delay >= deadline_at
        ):
            error, delay = _deadline_reached(error, config, attempt), None
        if delay is None:
            raise _finish(error, request, url, attempt, maybe_applied)
        policy = config.retry
        if policy.on_retry is not None:
            await call_hook(
                policy.on_retry,
                RetryEvent(request.operation, attempt, error, delay, request.idempotency_key),
            )
        logger.info(
            "%s: retrying in %.2fs after attempt %d: %s",
            request.operation,
            delay,
            attempt,
            error,
        )
        await _anyio().sleep(delay)


async def _attempt(
    request: APIRequest[T],
    auth_request: AuthRequest,
    attempt: int,
    *,
    config: ClientConfig,
    transport: Transport,
    auth: Auth,
    secrets: Secrets,
    call_started: float,
    deadline_at: float | None = None,
) -> T | _Failed:
    """One attempt: its credentials, the request, and the answer read; or how it failed.

    A raw call (``request.raw``) answers with an :class:`APIResponse` of the 2xx response,
    read into the model only when asked; any other status fails as it does for the model.
    """
    try:
        await auth.authenticate(auth_request)
    except APIError as exc:  # a token fetch failed: nothing of this call has left
        return _Failed(exc, sent=False)
    known = secrets + auth.secrets()
    url, content, timeout = auth_request.url, auth_request.content, auth_request.timeout
    started = time.perf_counter()
    try:
        response = await _send(
            transport,
            HTTPRequest(request.method, url, auth_request.headers, content, timeout, deadline_at),
        )
    except (TransportError, TimeoutError) as exc:
        # A bare TimeoutError is the backstop of _send, or a transport's own asyncio or
        # anyio timeout: either way the request may have been sent.
        if not isinstance(exc, TransportError):
            exc = TransportTimeoutError(f"no response within {timeout.total:g}s", request_sent=True)
        error = _transport_error(
            exc, request, url=url, timeout=timeout, config=config, secrets=known
        )
        log_failed_attempt(request, error, url=url, attempt=attempt, started=started)
        return _Failed(error, sent=True)
    if logger.isEnabledFor(logging.INFO):
        log_attempt(
            request,
            response,
            url=url,
            attempt=attempt,
            started=started,
            sent=content,
            secrets=known,
        )
    try:
        model = read_response(response, request, url=url, secrets=known)
        if request.raw:
            # Read here, not in parse(): a raw call is the same call, so an answer that is not
            # what the docs describe (or a v3 envelope that is not SUCCESS) fails it, is
            # retried or resent, and is stamped with attempts and outcome, as for the model.
            elapsed = time.perf_counter() - call_started
            # T is APIResponse for a raw request.
            return APIResponse(  # type: ignore[return-value]
                response, request, model, attempts=attempt, elapsed=elapsed
            )
        return model
    except (APIStatusError, APIResponseValidationError) as exc:
        return _Failed(exc, sent=True)


async def _rejected(auth: Auth, auth_request: AuthRequest, error: APIError) -> bool:
    """Whether ``error`` proves nothing was applied and ``auth`` has new credentials to try."""
    if not isinstance(error, APIStatusError):
        return False
    rejection = rejection_of(error)
    return rejection is not None and await auth.on_rejection(auth_request, rejection)


def _anyio() -> types.ModuleType:
    """anyio, imported when a call first needs it (a retry's wait, a foreign transport).

    A call that succeeds through the SDK's own transport never does, so ``import efundpay``
    leaves anyio's import (a few milliseconds) to the programs that use it.
    """
    import anyio  # noqa: PLC0415 - deferred, see above

    return anyio


def _send(transport: Transport, request: HTTPRequest) -> Awaitable[HTTPResponse]:
    """The transport's answer to ``request``, within the backstop a foreign transport gets."""
    if getattr(type(transport), "enforces_timeout", False) is True:
        return transport.handle_request(request)  # the coroutine itself: no frame in between
    return _send_with_backstop(transport, request)


async def _send_with_backstop(transport: Transport, request: HTTPRequest) -> HTTPResponse:
    with _anyio().fail_after(request.timeout.total + _BACKSTOP_GRACE):
        return await transport.handle_request(request)


def _transport_error(
    exc: TransportError,
    request: APIRequest[Any],
    *,
    url: str,
    timeout: Timeout,
    config: ClientConfig,
    secrets: Secrets,
) -> APIError:
    if isinstance(exc, ResponseTooLargeError):
        return APIResponseValidationError(
            f"eFundPay's response to {request.operation} was refused: {exc}",
            method=request.method,
            url=url,
        )
    error_class: type[APIConnectionError] = APIConnectionError
    if isinstance(exc, TransportTimeoutError):
        error_class = APITimeoutError
    elif isinstance(exc, TransportClosedError):
        error_class = ClientClosedError
    detail = str(exc)
    if error_class is APITimeoutError and timeout is not config.timeout:
        detail += f" (the call's deadline of {config.deadline:g}s)"
    error = error_class(
        redact_text(f"{request.operation}: {detail} [{request.method} {url}]", secrets),
        request_sent=exc.request_sent,
        method=request.method,
        url=url,
    )
    error.__cause__ = exc  # the transport's failure (and, behind it, aiohttp's) stays reachable
    return error


def _retry_delay(
    error: APIError,
    request: APIRequest[Any],
    retries: int,
    policy: RetryPolicy,
    *,
    maybe_applied: bool,
    sent: bool,
) -> float | None:
    """The wait before another attempt, or ``None`` when the policy allows none.

    ``retries`` counts the attempts that count against ``max_retries``; ``sent`` is
    ``False`` when the attempt failed before its request left (a token fetch failed), which
    makes even a toggle safe to try again.
    """
    if retries > policy.max_retries or not may_send_again(
        idempotent=request.idempotent, maybe_applied=maybe_applied
    ):
        return None
    if not policy.may_retry(
        error, idempotent=request.idempotent or not sent, maybe_applied=maybe_applied
    ):
        return None
    retry_after = error.retry_after if isinstance(error, APIStatusError) else None
    return policy.delay(retries, retry_after)


def _deadline_reached(error: APIError, config: ClientConfig, attempts: int) -> APITimeoutError:
    """The call's deadline leaves no time for the retry the policy would make.

    The call raises :class:`APITimeoutError`, as any overrun deadline does; the failure that
    ended the last attempt is its ``__cause__`` and is named in the message.
    """
    timeout = APITimeoutError(
        f"the call's deadline of {config.deadline:g}s leaves no time to retry after "
        f"{attempts} attempt{'s' if attempts > 1 else ''}; the last one failed: {error}",
        # Any answer from eFundPay means it was sent; a connection error knows for itself.
        request_sent=error.request_sent if isinstance(error, APIConnectionError) else True,
    )
    timeout.__cause__ = error
    return timeout


def _finish(
    error: APIError,
    request: APIRequest[Any],
    url: str,
    attempts: int,
    maybe_applied: bool,
) -> APIError:
    """Stamp what the whole call knows onto the error it raises."""
    error.method = request.method
    error.url = url
    error.attempts = attempts
    error.idempotency_key = request.idempotency_key
    error.outcome_unknown = maybe_applied
    if maybe_applied:
        note = (
            _TOGGLE_UNKNOWN
            if not request.idempotent
            else _idempotent_unknown(request.idempotency_key)
        )
        # The note is a sentence of its own, whatever the message ended with.
        head = str(error).rstrip()
        error.add_detail(note if head.endswith((".", "]", ")")) else "." + note)
    return error


def _clamp(timeout: Timeout, deadline_at: float) -> Timeout | None:
    """The attempt's timeout, shortened to what is left of the call's deadline."""
    remaining = deadline_at - time.monotonic()
    if remaining <= 0.001:
        return None
    if remaining >= timeout.total:
        return timeout
    return attrs.evolve(
        timeout,
        total=remaining,
        connect=None if timeout.connect is None else min(timeout.connect, remaining),
        read=None if timeout.read is None else min(timeout.read, remaining),
    )
