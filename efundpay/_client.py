"""``AsyncEFundPay``: configuration, and the pipeline every call runs through.

build (resources) → auth headers → send (transport) → retry decision (``_retry``) →
decode (``_response``) → model.  One place decides each of these; nothing reaches back.
"""

from __future__ import annotations

import os
import platform
from types import TracebackType
from typing import Final, Literal, Self, TypeVar

import aiohttp

from ._config import ClientConfig, Environment, Timeout, resolve_config
from ._errors import (
    ConfigurationError,
)
from ._instrumentation import active as active_instrumentation
from ._logging import configure_from_env
from ._pipeline import run_call
from ._request import APIRequest
from ._retry import RetryPolicy
from ._transport import (
    AiohttpTransport,
    Transport,
)
from ._version import __version__
from .resources import AsyncCustomers, AsyncSubscriptions

__all__ = ["AsyncEFundPay"]

T = TypeVar("T")

USER_AGENT: Final = (
    f"efundpay/{__version__} python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
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
        transport = self._transport
        instrumentation = active_instrumentation()
        if instrumentation is None:  # the default: no wrapper, no cost beyond this check
            return await run_call(
                request, self._config, transport, self._headers[request.api], self._secrets
            )
        with instrumentation.call(request) as scope:
            return await run_call(
                request,
                self._config,
                scope.transport(transport),
                self._headers[request.api],
                self._secrets,
            )
