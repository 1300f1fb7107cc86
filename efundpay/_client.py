"""``AsyncEFundPay``: configuration, and the pipeline every call runs through.

build (resources) → auth headers → send (transport) → retry decision (``_retry``) →
decode (``_response``) → model.  One place decides each of these; nothing reaches back.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import time
from types import TracebackType
from typing import Any, Final, Literal, Self, TypeVar

import aiohttp
import anyio
import attrs

from ._config import ClientConfig, Environment, Timeout, resolve_config
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
)
from ._instrumentation import active as active_instrumentation
from ._logging import configure_from_env, log_attempt, log_failed_attempt, logger
from ._redact import redact_text
from ._request import APIRequest
from ._response import read_response
from ._retry import RetryEvent, RetryPolicy
from ._transport import (
    AiohttpTransport,
    HTTPRequest,
    ResponseTooLargeError,
    Transport,
    TransportError,
    TransportTimeoutError,
)
from ._version import __version__
from .resources import AsyncCustomers, AsyncSubscriptions

__all__ = ["AsyncEFundPay"]

T = TypeVar("T")

USER_AGENT: Final = (
    f"efundpay/{__version__} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)

_TOGGLE_UNKNOWN: Final = (
    " The outcome is unknown: the toggle may have been applied. Do not simply repeat it "
    "(a second toggle flips the customer back); check the customer's current state first "
    "(isActive in the eFundPay dashboard, or the request_id with eFundPay support) and "
    "toggle again only if it did not change."
)

# A transport must honour ``HTTPRequest.timeout``; this margin past it is a backstop for one
# that does not, so that no attempt (and no deadline) can overrun by more than this.  The
# SDK's own AiohttpTransport needs none: aiohttp's total timeout already bounds connecting,
# sending and reading the body, and a second timer costs about 25 µs of CPU per call.
_BACKSTOP_GRACE: Final = 0.5
_NO_BACKSTOP: Final = contextlib.nullcontext()  # reusable: nothing to allocate per attempt

# Built once: json.dumps() with any non-default option builds a new encoder on every call.
_JSON_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _idempotent_unknown(key: str | None) -> str:
    return (
        f" The change may have been applied; repeating the call with "
        f"idempotency_key={key!r} is safe and applies it at most once."
    )


class AsyncEFundPay:
    """The asynchronous eFundPay client.

    Args:
        api_key: your secret key (``sk_test_…`` or ``sk_live_…``); default
            ``EFUNDPAY_API_KEY``.
        merchant_account_id: sent as ``x-merchant-account-id`` on v4 calls; default
            ``EFUNDPAY_MERCHANT_ACCOUNT_ID``.
        environment: ``"production"`` or ``"sandbox"``; default ``EFUNDPAY_ENVIRONMENT``,
            else sandbox for a ``sk_test_`` key and production otherwise.
        base_url: overrides the environment's host (a proxy, or a local fake); default
            ``EFUNDPAY_BASE_URL``.  ``/v3/…`` and ``/v4/…`` paths are appended to it.
        timeout: seconds (or a :class:`Timeout`) for one attempt; default 30 s.
        max_retries: retries after the first attempt; default 2.
        deadline: seconds for the whole call, all attempts and waits included; default none
            (each attempt is still bounded by ``timeout``).
        retry: a :class:`RetryPolicy` for backoff caps and an ``on_retry`` hook.
        transport: how requests are sent; default an :class:`AiohttpTransport`.

    Every problem with these raises :class:`ConfigurationError` here, before any I/O.

    Example::

        async with AsyncEFundPay(api_key="sk_test_…", merchant_account_id="acct_1") as client:
            sub = await client.subscriptions.pause("sub_123")
    """

    customers: AsyncCustomers
    subscriptions: AsyncSubscriptions

    def __init__(
        self,
        *,
        api_key: str | None = None,
        merchant_account_id: str | None = None,
        environment: Environment | Literal["production", "sandbox"] | None = None,
        base_url: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
    ) -> None:
        config = resolve_config(
            api_key=api_key,
            merchant_account_id=merchant_account_id,
            environment=environment,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            deadline=deadline,
            retry=retry,
            env=os.environ,
        )
        if transport is not None and not isinstance(transport, Transport):
            raise ConfigurationError("transport must implement handle_request() and aclose()")
        configure_from_env()
        self._setup(config, transport or AiohttpTransport(), owns_transport=True)

    def _setup(self, config: ClientConfig, transport: Transport, *, owns_transport: bool) -> None:
        self._config = config
        self._transport = transport
        self._owns_transport = owns_transport
        self._secrets = (config.api_key,)
        common = {
            "Authorization": f"Bearer {config.api_key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self._headers = {
            "v3": common,
            "v4": {
                **common,
                "Content-Type": "application/json",
                "x-merchant-account-id": config.merchant_account_id,
            },
        }
        self.customers = AsyncCustomers(self)
        self.subscriptions = AsyncSubscriptions(self)

    # -- configuration ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The resolved base URL, e.g. ``"https://sandbox.efundpay.com"``."""
        return self._config.base_url

    @property
    def environment(self) -> Environment:
        """The resolved environment (informational when ``base_url`` is set)."""
        return self._config.environment

    @property
    def merchant_account_id(self) -> str:
        """The merchant account sent with v4 calls."""
        return self._config.merchant_account_id

    @property
    def timeout(self) -> Timeout:
        """The per-attempt time limits."""
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed call may be retried."""
        return self._config.retry.max_retries

    @property
    def deadline(self) -> float | None:
        """The bound on a whole call in seconds, or ``None``."""
        return self._config.deadline

    def with_options(
        self,
        *,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> Self:
        """A client with other call settings that shares this one's connection pool.

        Closing the copy does nothing; closing the original closes the shared pool.

        Example::

            patient = client.with_options(timeout=60, max_retries=5)
            await patient.subscriptions.cancel("sub_123")
        """
        try:
            config = self._config.evolve(
                timeout=timeout, max_retries=max_retries, deadline=deadline, retry=retry
            )
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(str(exc)) from None
        clone = object.__new__(type(self))
        clone._setup(config, self._transport, owns_transport=False)
        return clone

    def __repr__(self) -> str:
        prefix = next(
            (p for p in ("sk_test_", "sk_live_") if self._config.api_key.startswith(p)), ""
        )
        return (
            f"<{type(self).__name__} base_url={self.base_url!r} "
            f"merchant_account_id={self.merchant_account_id!r} api_key='{prefix}…'>"
        )

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (a no-op on a ``with_options`` copy).  Idempotent."""
        if self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the pipeline ----------------------------------------------------------------------

    async def _request(self, request: APIRequest[T]) -> T:
        """Run one call, inside the installed instrumentation's scope when there is one."""
        instrumentation = active_instrumentation()
        if instrumentation is None:  # the default: no wrapper, no cost beyond this check
            return await self._run(request, self._transport)
        with instrumentation.call(request) as scope:
            return await self._run(request, scope.transport(self._transport))

    async def _run(self, request: APIRequest[T], transport: Transport) -> T:
        """Every attempt of one call, every retry decision, and the decoding."""
        config = self._config
        url = config.base_url + request.path
        headers = self._headers[request.api]
        if request.idempotency_key is not None:
            headers = {**headers, "idempotency-key": request.idempotency_key}
        content = None
        if request.body is not None:
            content = _JSON_ENCODER.encode(request.body).encode()
        deadline_at = None if config.deadline is None else time.monotonic() + config.deadline
        maybe_applied = False
        attempt = 0
        while True:
            attempt += 1
            timeout = config.timeout if deadline_at is None else _clamp(config.timeout, deadline_at)
            if timeout is None:
                raise self._finish(
                    APITimeoutError(f"the call's deadline of {config.deadline}s has passed"),
                    request,
                    url,
                    attempt - 1,
                    maybe_applied,
                )
            started = time.perf_counter()
            backstop = (
                _NO_BACKSTOP
                if type(transport) is AiohttpTransport
                else anyio.fail_after(timeout.total + _BACKSTOP_GRACE)
            )
            try:
                with backstop:
                    response = await transport.handle_request(
                        HTTPRequest(request.method, url, headers, content, timeout)
                    )
            except (TransportError, TimeoutError) as exc:
                # A bare TimeoutError is the backstop above, or a transport's own asyncio or
                # anyio timeout: either way the request may have been sent.
                if not isinstance(exc, TransportError):
                    exc = TransportTimeoutError(
                        f"no response within {timeout.total}s", request_sent=True
                    )
                error = self._transport_error(exc, request, url, timeout)
                log_failed_attempt(request, error, url=url, attempt=attempt, started=started)
            else:
                log_attempt(
                    request,
                    response,
                    url=url,
                    attempt=attempt,
                    started=started,
                    sent=content,
                    secrets=self._secrets,
                )
                try:
                    return read_response(response, request, url=url, secrets=self._secrets)
                except (APIStatusError, APIResponseValidationError) as exc:
                    error = exc
            maybe_applied = maybe_applied or _may_have_applied(error)
            delay = self._retry_delay(error, request, attempt, deadline_at)
            if delay is None:
                raise self._finish(error, request, url, attempt, maybe_applied)
            policy = config.retry
            if policy.on_retry is not None:
                policy.on_retry(
                    RetryEvent(request.operation, attempt, error, delay, request.idempotency_key)
                )
            logger.info(
                "%s: retrying in %.2fs after attempt %d: %s",
                request.operation,
                delay,
                attempt,
                error,
            )
            await anyio.sleep(delay)

    def _transport_error(
        self, exc: TransportError, request: APIRequest[Any], url: str, timeout: Timeout
    ) -> APIError:
        if isinstance(exc, ResponseTooLargeError):
            return APIResponseValidationError(
                f"eFundPay's response to {request.operation} was refused: {exc}",
                method=request.method,
                url=url,
            )
        error_class = (
            APITimeoutError if isinstance(exc, TransportTimeoutError) else APIConnectionError
        )
        detail = str(exc)
        if error_class is APITimeoutError and timeout is not self._config.timeout:
            detail += f" (the call's deadline of {self._config.deadline}s)"
        return error_class(
            redact_text(f"{request.operation}: {detail} [{request.method} {url}]", self._secrets),
            request_sent=exc.request_sent,
            method=request.method,
            url=url,
        )

    def _retry_delay(
        self, error: APIError, request: APIRequest[Any], attempt: int, deadline_at: float | None
    ) -> float | None:
        policy = self._config.retry
        if attempt > policy.max_retries or not policy.may_retry(
            error, idempotent=request.idempotent
        ):
            return None
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        delay = policy.delay(attempt, retry_after)
        if (
            delay is not None
            and deadline_at is not None
            and time.monotonic() + delay >= deadline_at
        ):
            return None
        return delay

    def _finish(
        self,
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


def _may_have_applied(error: APIError) -> bool:
    if isinstance(error, APIConnectionError):
        return error.request_sent
    if isinstance(error, APIResponseValidationError):
        # eFundPay answered (2xx, or a body too large to read): the change was probably made.
        return True
    if isinstance(error, APIStatusError):
        return error.status_code >= 500 or error.status_code == 408
    return False


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
