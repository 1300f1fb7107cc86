"""``AsyncEFundPay``: configuration, and the pipeline every call runs through.

build (resources) → auth headers → send (transport) → retry decision (``_retry``) →
decode (``_response``) → model.  One place decides each of these; nothing reaches back.
"""

from __future__ import annotations

import os
import platform
import warnings
import weakref
from ssl import SSLContext
from types import TracebackType
from typing import Final, Literal, Self, TypeVar

import aiohttp

from ._config import (
    ClientConfig,
    Environment,
    Timeout,
    missing_auth_message,
    missing_merchant_message,
    resolve_config,
)
from ._errors import (
    ConfigurationError,
)
from ._http import Transport
from ._instrumentation import active as active_instrumentation
from ._logging import configure_from_env
from ._network import Limits
from ._pipeline import run_call
from ._request import APIRequest, CallOptions
from ._retry import RetryPolicy
from ._secret import Secret, SecretHeaders, SecretMapping
from ._transport import AiohttpTransport, network_transport
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__
from .auth import Auth, BearerAuth
from .resources import AsyncCustomers, AsyncSubscriptions

__all__ = ["AsyncEFundPay"]

T = TypeVar("T")

USER_AGENT: Final = (
    f"efundpay/{__version__} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)

UNCLOSED_MESSAGE: Final = (
    "an AsyncEFundPay client was never closed; its connection pool has been closed for it. "
    "Use `async with AsyncEFundPay(...) as client:` or call `await client.aclose()` when done."
)


class _Pool:
    """The connection pool a client shares with its ``with_options`` copies.

    Alive while any of them is; a pool the client opened itself and nobody closed is closed
    when the last of them is garbage-collected, with one :class:`ResourceWarning` in the
    SDK's words instead of aiohttp's page of unclosed-session reports.
    """

    __slots__ = ("__weakref__", "finalizer", "transport")

    def __init__(self, transport: Transport, *, opened_here: bool) -> None:
        self.transport = transport
        self.finalizer = (
            weakref.finalize(self, _forgotten, transport)
            if opened_here and isinstance(transport, AiohttpTransport)
            else None
        )

    async def close(self) -> None:
        if self.finalizer is not None:
            self.finalizer.detach()
        await self.transport.aclose()


def _forgotten(transport: AiohttpTransport) -> None:
    # A client that never made a call opened nothing, and is not worth a warning.
    if transport.abandon():
        warnings.warn(UNCLOSED_MESSAGE, ResourceWarning, stacklevel=1)


class AsyncEFundPay:
    """The asynchronous eFundPay client.

    Args:
        api_key: your secret key (``sk_test_…`` or ``sk_live_…``), sent as a bearer token by
            every API without an Auth of its own; default ``EFUNDPAY_API_KEY``.
        merchant_account_id: sent as ``x-merchant-account-id`` on v4 calls (which need it;
            v3 calls do not); default ``EFUNDPAY_MERCHANT_ACCOUNT_ID``.
        auth: how v4 calls authenticate, an :class:`efundpay.auth.Auth`; default a
            :class:`~efundpay.auth.JWTAuth` from ``EFUNDPAY_JWT_KEY_ID`` and
            ``EFUNDPAY_PRIVATE_KEY_FILE``, else ``BearerAuth(api_key)``.
        v3_auth: how v3 calls authenticate; default a
            :class:`~efundpay.auth.SignedRequestAuth` from the ``EFUNDPAY_V3_*`` variables,
            else ``BearerAuth(api_key)``.
        v3_base_url: the host of v3 calls; default ``EFUNDPAY_V3_BASE_URL``, else
            ``base_url``.
        v3_route: ``"recurring-payment"`` (``POST /v3/recurring-payment/{id}/toggle``, the
            default) or ``"customer-status"`` (``PUT /v3/customer/{id}/status``, the route
            the vendor's SDKs call); default ``EFUNDPAY_V3_ROUTE``.
        environment: ``"production"`` or ``"sandbox"``; default ``EFUNDPAY_ENVIRONMENT``,
            else sandbox for a ``sk_test_`` key and production otherwise.
        base_url: overrides the environment's host (a proxy, or a local fake); default
            ``EFUNDPAY_BASE_URL``.  ``/v3/…`` and ``/v4/…`` paths are appended to it.
        timeout: seconds (or a :class:`Timeout`) for one attempt; default 30 s.
        max_retries: retries after the first attempt; default 2.
        deadline: seconds for the whole call, all attempts and waits included; default none
            (each attempt is still bounded by ``timeout``).
        retry: a :class:`RetryPolicy` for backoff caps and an ``on_retry`` hook.
        transport: how requests are sent; default an :class:`AiohttpTransport` made with
            ``limits``, ``proxy``, ``trust_env`` and ``verify``.
        limits: the connection pool, a :class:`Limits`; default 100 connections, idle ones
            kept 15 s.  Calls beyond it wait for a free one (``Timeout(pool=...)``).
        proxy: an ``http://`` proxy for every request (loopback hosts included), e.g.
            ``"http://user:pass@proxy.internal:3128"``; its credentials are never shown.
        trust_env: without ``proxy``, honour ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``
            and ``NO_PROXY``, and ``SSL_CERT_FILE``/``SSL_CERT_DIR``; default ``True``.
        verify: ``True`` (the system's CAs), a CA bundle path, or an
            :class:`ssl.SSLContext`; TLS verification cannot be switched off.

    Every problem with these raises :class:`ConfigurationError` here, before any I/O.

    Example::

        async with AsyncEFundPay(api_key="sk_test_…", merchant_account_id="acct_1") as client:
            sub = await client.subscriptions.pause("sub_123")

    A missing API key is reported here when no API has an Auth of its own; otherwise the
    first call of an API without credentials (or a v4 call without a merchant account)
    raises :class:`ConfigurationError`, before any I/O.
    """

    customers: AsyncCustomers
    subscriptions: AsyncSubscriptions

    def __init__(
        self,
        *,
        api_key: str | Secret | None = None,
        merchant_account_id: str | None = None,
        environment: Environment | Literal["production", "sandbox"] | None = None,
        base_url: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
        transport: Transport | None = None,
        auth: Auth | None = None,
        v3_auth: Auth | None = None,
        v3_base_url: str | None = None,
        v3_route: Literal["recurring-payment", "customer-status"] | None = None,
        limits: Limits | None = None,
        proxy: str | Secret | None = None,
        trust_env: bool = True,
        verify: bool | str | SSLContext = True,
    ) -> None:
        if isinstance(api_key, str):
            api_key = Secret(api_key)  # from here on no frame holds the key as plain text
        config = resolve_config(
            api_key=api_key,
            merchant_account_id=merchant_account_id,
            environment=environment,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            deadline=deadline,
            retry=retry,
            env=SecretMapping(os.environ),
            auth=auth,
            v3_auth=v3_auth,
            v3_base_url=v3_base_url,
            v3_route=v3_route,
        )
        if transport is not None and not isinstance(transport, Transport):
            raise ConfigurationError("transport must implement handle_request() and aclose()")
        opened_here = transport is None
        if transport is None:
            transport = network_transport(
                limits=limits, proxy=proxy, trust_env=trust_env, verify=verify
            )
        elif limits is not None or proxy is not None or verify is not True:
            raise ConfigurationError(
                "limits=, proxy= and verify= configure the default transport; with "
                "transport=..., set them on that transport"
            )
        configure_from_env()
        pool = _Pool(transport, opened_here=opened_here)
        self._setup(config, pool, owns_transport=True)

    def _setup(self, config: ClientConfig, pool: _Pool, *, owns_transport: bool) -> None:
        self._config = config
        self._pool = pool  # every with_options copy holds it, so it outlives the original
        self._transport = pool.transport
        self._owns_transport = owns_transport
        bearer = None if config.api_key is None else BearerAuth(config.api_key)
        self._auth: dict[str, Auth | None] = {
            "v3": config.v3_auth or bearer,
            "v4": config.auth or bearer,
        }
        # Redacted from every error and log line, whichever Auth a call uses.
        self._secrets = () if config.api_key is None else (config.api_key,)
        # The fixed headers of each API; credentials are added per attempt by its Auth.
        # Held as SecretHeaders so that a call copies them rather than checking them again.
        common = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        v4 = {**common, "Content-Type": "application/json"}
        if config.merchant_account_id is not None:
            v4["x-merchant-account-id"] = config.merchant_account_id
        self._headers: dict[str, SecretHeaders] = {
            "v3": SecretHeaders(common),
            "v4": SecretHeaders(v4),
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
    def merchant_account_id(self) -> str | None:
        """The merchant account sent with v4 calls (``None`` on a v3-only client)."""
        return self._config.merchant_account_id

    @property
    def v3_base_url(self) -> str:
        """The resolved host of v3 calls (``base_url`` unless set apart)."""
        return self._config.v3_base_url

    @property
    def auth(self) -> Auth | None:
        """How v4 calls authenticate (``None``: no credentials for them)."""
        return self._auth["v4"]

    @property
    def v3_auth(self) -> Auth | None:
        """How v3 calls authenticate (``None``: no credentials for them)."""
        return self._auth["v3"]

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
        timeout: Timeout | float | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven | None = NOT_GIVEN,
        deadline: float | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | NotGiven | None = NOT_GIVEN,
        merchant_account_id: str | NotGiven | None = NOT_GIVEN,
        auth: Auth | NotGiven | None = NOT_GIVEN,
        v3_auth: Auth | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A client with other settings that shares this one's connection pool.

        A setting left out (:data:`efundpay.NOT_GIVEN`) is kept; ``None`` clears it:
        ``deadline=None`` removes the deadline, ``merchant_account_id=None`` the merchant
        account, ``auth=None`` / ``v3_auth=None`` an Auth of its own (the API key signs
        again), and ``timeout``, ``max_retries`` and ``retry`` go back to their defaults.

        A platform serving many merchants makes one copy per merchant, each with its
        ``merchant_account_id`` and, if they differ, its ``auth`` and ``v3_auth``; every
        copy uses the one pool (and, for the blocking client, the one loop thread).
        Closing a copy does nothing; closing the original closes the shared pool.

        Example::

            patient = client.with_options(timeout=60, max_retries=5)
            await patient.subscriptions.cancel("sub_123")
            other = client.with_options(merchant_account_id="acct_2")
        """
        try:
            config = self._config.evolve(
                timeout=timeout,
                max_retries=max_retries,
                deadline=deadline,
                retry=retry,
                merchant_account_id=merchant_account_id,
                auth=auth,
                v3_auth=v3_auth,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(str(exc)) from None
        clone = object.__new__(type(self))
        clone._setup(config, self._pool, owns_transport=False)
        return clone

    def __repr__(self) -> str:
        config = getattr(self, "_config", None)
        if config is None:  # refused by its constructor: a traceback with locals shows this
            return f"<{type(self).__name__} (not configured)>"
        shown = [f"base_url={self.base_url!r}"]
        if config.v3_base_url != config.base_url:
            shown.append(f"v3_base_url={config.v3_base_url!r}")
        shown.append(f"merchant_account_id={self.merchant_account_id!r}")
        if config.api_key is not None:
            shown.append(f"api_key={config.api_key.masked()!r}")
        shown += [
            f"{name}={value!r}"
            for name, value in (("auth", config.auth), ("v3_auth", config.v3_auth))
            if value is not None
        ]
        return f"<{type(self).__name__} {' '.join(shown)}>"

    # -- lifecycle -------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (a no-op on a ``with_options`` copy).  Idempotent."""
        if self._owns_transport:
            await self._pool.close()

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
        auth = self._auth[request.api]
        if auth is None:
            raise ConfigurationError(missing_auth_message(request.api))
        config = self._config
        if request.api == "v4" and config.merchant_account_id is None:
            raise ConfigurationError(missing_merchant_message())
        headers = self._headers[request.api]
        options = request.options
        if options is not None:  # only a call given its own timeout, retries or headers
            config, headers = _for_this_call(config, headers, options)
        transport = self._transport
        instrumentation = active_instrumentation()
        if instrumentation is None:  # the default: no wrapper, no cost beyond this check
            return await run_call(
                request,
                config=config,
                transport=transport,
                auth=auth,
                headers=headers,
                secrets=self._secrets,
            )
        with instrumentation.call(request) as scope:
            return await run_call(
                request,
                config=config,
                transport=scope.transport(transport),
                auth=auth,
                headers=headers,
                secrets=self._secrets,
            )


def _for_this_call(
    config: ClientConfig, headers: SecretHeaders, options: CallOptions
) -> tuple[ClientConfig, SecretHeaders]:
    """The client's settings with one call's own (already checked) in their place.

    Extra headers join the fixed ones, so every attempt sends them, before the Auth adds
    its own; they can name no header the SDK sets (see ``PROTECTED_HEADERS``).
    """
    if options.timeout is not None or options.max_retries is not None:
        config = config.evolve(
            timeout=NOT_GIVEN if options.timeout is None else options.timeout,
            max_retries=NOT_GIVEN if options.max_retries is None else options.max_retries,
        )
    if options.extra_headers:
        headers = SecretHeaders(headers)  # a copy: the client's own stay as they are
        for name, value in options.extra_headers.items():
            headers[name] = value
    return config, headers
