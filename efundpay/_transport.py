"""The default transport: one aiohttp session with a bounded pool (see :mod:`._http` for
what a transport is, and the mock one)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import ssl
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import aiohttp
import attrs
from yarl import URL

from . import _forksafe
from ._config import Timeout
from ._errors import ConfigurationError
from ._http import HTTPRequest, HTTPResponse
from ._network import Limits, Proxy, ProxyRoutes, resolve_proxies, tls_context
from ._secret import Secret, SecretHeaders, SecretMapping
from ._transport_errors import (
    ResponseTooLargeError,
    TransportClosedError,
    TransportError,
    TransportTimeoutError,
    from_aiohttp,
)

__all__ = ["AiohttpTransport", "network_transport"]

DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_MAX_CACHED_TIMEOUTS = 16


def _sendable(headers: Mapping[str, str]) -> Mapping[str, str]:
    # What aiohttp is handed: a SecretHeaders as a plain dict, which aiohttp copies in C.  It
    # goes straight into the call, never into a local of the SDK's frames.
    return headers.to_dict() if type(headers) is SecretHeaders else headers


class AiohttpTransport:
    """The default transport: one :class:`aiohttp.ClientSession` with a connection pool.

    The session is created lazily, inside the event loop of the first request, and belongs
    to that loop: using the transport from another loop raises :class:`RuntimeError` instead
    of hanging.  After ``os.fork()`` the child starts a fresh pool and leaves the parent's
    sockets alone.

    A request beyond the pool's ``max_connections`` waits for a free connection.  That wait
    is bounded by ``Timeout(pool=...)`` (and the call's deadline) alone: it does not use up
    the attempt's ``connect`` or ``total``, and when it runs out nothing was sent.

    Args:
        limits: the pool's size and keep-alive, a :class:`~efundpay.Limits`.
        proxy: an ``http://`` proxy URL for every request (loopback hosts included); it may
            carry credentials, which are never shown.
        trust_env: without ``proxy``, honour ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``
            and ``NO_PROXY``; and ``SSL_CERT_FILE``/``SSL_CERT_DIR`` for the trusted CAs.
        verify: ``True`` (verify TLS against the system store, or ``SSL_CERT_FILE``), the
            path of a CA bundle, or an :class:`ssl.SSLContext`.  There is deliberately no
            way to switch verification off.
        max_response_bytes: larger response bodies are refused.
        max_connections: shorthand for ``limits=Limits(max_connections=...)``.
        keepalive_timeout: shorthand for ``limits=Limits(keepalive_expiry=...)``.
    """

    #: aiohttp's total timeout bounds connecting, sending and reading the body, and the pool
    #: wait is bounded here: the client needs no second timer (see :class:`Transport`).
    enforces_timeout: ClassVar[bool] = True

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        proxy: str | Secret | None = None,
        trust_env: bool = True,
        verify: bool | str | ssl.SSLContext = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_connections: int | None = None,
        keepalive_timeout: float | None = None,
    ) -> None:
        if limits is None:
            limits = Limits()
            if max_connections is not None:
                limits = attrs.evolve(limits, max_connections=max_connections)
            if keepalive_timeout is not None:
                limits = attrs.evolve(limits, keepalive_expiry=keepalive_timeout)
        elif max_connections is not None or keepalive_timeout is not None:
            raise ValueError("pass limits= or max_connections=/keepalive_timeout=, not both")
        if not isinstance(limits, Limits):
            raise TypeError(f"limits must be an efundpay.Limits, not {type(limits).__name__}")
        self.limits = limits
        self.max_connections = limits.max_connections
        self.max_response_bytes = max_response_bytes
        # Resolved once here, never per request: the proxy for each host, and the TLS context.
        env = SecretMapping(os.environ)
        self._proxies: ProxyRoutes = resolve_proxies(proxy, trust_env=trust_env, env=env)
        self._proxied = self._proxies.any  # checked per request: a plain attribute
        self._ssl: ssl.SSLContext | bool = tls_context(verify, trust_env=trust_env, env=env) or True
        # The pool's size: a slot per connection.  An asyncio.Semaphore binds to a loop only
        # when first waited on, so it can be made here.
        self._pool = asyncio.Semaphore(limits.max_connections)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generation = _forksafe.generation
        self._timeouts: dict[Timeout, aiohttp.ClientTimeout] = {}
        # The last one looked up, recognised by identity: no hashing of a Timeout per call.
        self._last_timeout: Timeout | None = None
        self._last_client_timeout = aiohttp.ClientTimeout()
        self._closed = False
        # Requests in flight, cancelled by aclose() so that each fails at once with a
        # TransportClosedError instead of running on (or being cut off without a word).
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._cut_off: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("open" if self._session else "idle")
        proxy = " proxied" if self._proxied else ""
        return f"<AiohttpTransport max_connections={self.max_connections}{proxy} {state}>"

    @property
    def proxies(self) -> ProxyRoutes:
        """The proxy routes resolved when the transport was made (credentials masked)."""
        return self._proxies

    def _open_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._generation != _forksafe.generation:
            self._abandon_after_fork()
        if self._session is not None:
            if self._loop is not loop:
                raise RuntimeError(
                    "this client's connection pool belongs to another event loop; aiohttp "
                    "connections cannot move between loops. Create one client per event loop "
                    "(for example in your application's lifespan), or use the sync client "
                    "from blocking code."
                )
            return self._session
        if self._closed:
            raise TransportClosedError("the client is closed; create a new one", request_sent=False)
        limits = self.limits
        # The pool's size is kept by self._pool, whose wait has a bound of its own; aiohttp's
        # own limit would make callers wait inside its connect timeout instead.
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=0,
            keepalive_timeout=limits.keepalive_expiry if limits.keepalive else None,
            force_close=not limits.keepalive,
            ssl=self._ssl,
        )
        # No skip_auto_headers: aiohttp adds its own User-Agent only to a request without
        # one (the client always sends the SDK's), and a skip list would cost a copy of the
        # headers on every request.
        self._session = aiohttp.ClientSession(
            connector=connector,
            # eFundPay authenticates every request by its API key; cookies have no part in
            # it.  Keeping none means no state that varies from call to call, and no cookie
            # bookkeeping on each request and response.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
            raise_for_status=False,
            # Proxies and CA bundles are resolved by this transport, once: aiohttp's own
            # reading of the environment (and of ~/.netrc) stays off.
            trust_env=False,
        )
        self._loop = loop
        return self._session

    def _abandon_after_fork(self) -> None:
        # After fork() the parent's sockets and event loop are shared memory we must not
        # touch: closing them here would disturb the parent's live connections (and its
        # epoll set).  Detach the session so nothing tries, and start afresh in this process.
        if self._session is not None:
            # Keep the connector too: detached and unreferenced, it would be finalized here
            # and close the parent's pooled connections through the parent's event loop.
            _FORK_ORPHANS.append((self._session, self._session.connector))
            self._session.detach()
        self._session = None
        # The parent's requests in flight hold slots that would never be given back here.
        self._pool = asyncio.Semaphore(self.limits.max_connections)
        self._loop = None
        self._generation = _forksafe.generation

    def _client_timeout(self, timeout: Timeout) -> aiohttp.ClientTimeout:
        if timeout is self._last_timeout:  # the client's own timeout, call after call
            return self._last_client_timeout
        cached = self._timeouts.get(timeout)
        if cached is None:
            # ceil_threshold=inf: aiohttp otherwise rounds timeouts of 5 s or more up to the
            # next whole second, letting an attempt (or a deadline) overrun by up to 1 s.
            cached = aiohttp.ClientTimeout(
                total=timeout.total,
                connect=timeout.connect,
                sock_read=timeout.read,
                ceil_threshold=math.inf,
            )
            # Only a client's configured timeouts repeat; a deadline makes a new one per
            # attempt (what is left of it), and caching those would grow without bound.
            if len(self._timeouts) < _MAX_CACHED_TIMEOUTS:
                self._timeouts[timeout] = cached
        self._last_timeout, self._last_client_timeout = timeout, cached
        return cached

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Send one request through the pool; see :class:`Transport`."""
        session = self._open_session()
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - aiohttp itself needs a task
            return await self._send(session, request)
        self._in_flight.add(task)
        try:
            return await self._send(session, request)
        except asyncio.CancelledError:
            if task not in self._cut_off:
                raise
            # This cancellation is aclose()'s own, not the caller's: it is taken back and
            # reported as what it is, a request cut off by closing the client.
            task.uncancel()
            raise TransportClosedError(
                "the client was closed while the request was in flight", request_sent=True
            ) from None
        finally:
            self._in_flight.discard(task)
            self._cut_off.discard(task)

    async def _send(self, session: aiohttp.ClientSession, request: HTTPRequest) -> HTTPResponse:
        pool = self._pool
        if pool.locked():
            request = await self._wait_for_connection(pool, request)
        else:
            await pool.acquire()  # a free slot: returns at once, no timer
        try:
            url = URL(request.url, encoded=True)
            proxy = self._proxies.proxy_for(url) if self._proxied else None
            # Awaited rather than entered with `async with`: the body is read whole, which
            # already hands the connection back; release() covers every other way out.
            if proxy is None:
                response = await session.request(
                    request.method,
                    url,
                    headers=_sendable(request.headers),
                    data=request.content,
                    timeout=self._client_timeout(request.timeout),
                    allow_redirects=False,
                )
            else:
                response = await self._via_proxy(session, request, url, proxy)
            try:
                content = await self._read_body(response)
            finally:
                response.release()
            return HTTPResponse(response.status, response.headers, content)
        except TransportError:
            raise  # the body over the cap: already this module's own
        except Exception as exc:
            # Mapped by one function that knows every aiohttp release the SDK accepts.
            raise from_aiohttp(exc, request.timeout) from exc
        finally:
            pool.release()

    async def _via_proxy(
        self, session: aiohttp.ClientSession, request: HTTPRequest, url: URL, proxy: Proxy
    ) -> aiohttp.ClientResponse:
        headers: Mapping[str, str] = request.headers
        proxy_headers = None
        if proxy.authorization is not None:
            # To the proxy alone: on the CONNECT of a tunnel, or on a plain-http request
            # (which the proxy reads and forwards without it); aiohttp releases differ in
            # which of these they would fill in themselves.  Held in SecretHeaders, whose
            # repr masks it, like every other credential header.
            if url.scheme == "https":
                proxy_headers = SecretHeaders()
                proxy_headers["Proxy-Authorization"] = proxy.authorization.reveal()
            else:
                headers = SecretHeaders(request.headers)
                headers["Proxy-Authorization"] = proxy.authorization.reveal()
        return await session.request(
            request.method,
            url,
            headers=headers,
            data=request.content,
            timeout=self._client_timeout(request.timeout),
            allow_redirects=False,
            proxy=proxy.url,
            proxy_headers=proxy_headers,
        )

    async def _wait_for_connection(
        self, pool: asyncio.Semaphore, request: HTTPRequest
    ) -> HTTPRequest:
        """Wait for a free connection; the request, its timeout shortened by a deadline.

        The wait is bounded by ``Timeout.pool`` and the call's deadline, and by nothing
        else: it is not part of the attempt, so it does not use up ``connect`` or ``total``.
        """
        bound = request.timeout.pool
        deadline_at = request.deadline_at
        if deadline_at is not None:
            left = deadline_at - time.monotonic()
            bound = left if bound is None else min(bound, left)
        try:
            async with asyncio.timeout(bound):
                await pool.acquire()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task not in self._cut_off:
                raise
            # aclose() ended the wait: unlike a request in flight, this one never left.
            task.uncancel()
            raise TransportClosedError(
                "the client was closed while the request waited for a connection; nothing was sent",
                request_sent=False,
            ) from None
        except TimeoutError:
            raise TransportTimeoutError(
                f"timed out after {bound:g}s waiting for a free connection in the pool "
                f"(all {self.max_connections} in use; see Limits(max_connections=...) and "
                "Timeout(pool=...)); nothing was sent",
                request_sent=False,
            ) from None
        if deadline_at is None:
            return request
        left = deadline_at - time.monotonic()
        if left >= request.timeout.total:
            return request
        # What is left of the deadline after the wait now bounds the attempt.
        timeout = request.timeout
        shortened = attrs.evolve(
            timeout,
            total=max(left, 0.001),
            connect=None if timeout.connect is None else min(timeout.connect, max(left, 0.001)),
        )
        return attrs.evolve(request, timeout=shortened)

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.max_response_bytes
        length = response.content_length
        if length is not None and length > limit:
            raise ResponseTooLargeError(
                f"response body of {length} bytes exceeds the {limit}-byte cap"
            )
        if length is not None and "Content-Encoding" not in response.headers:
            # The usual answer: a declared length within the cap and no compression that
            # could expand it, so it is read in one go.
            return await response.read()
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > limit:
                raise ResponseTooLargeError(f"response body exceeds the {limit}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the pool.  Idempotent; a no-op after ``fork()`` for the parent's pool.

        Requests still in flight fail with :class:`TransportClosedError`.
        """
        self._closed = True
        for task in self._in_flight - self._cut_off:
            self._cut_off.add(task)
            task.cancel()
        session, self._session = self._session, None
        if session is None or self._generation != _forksafe.generation:
            return
        await session.close()

    def abandon(self) -> bool:
        """Close the pool without awaiting: for a client nobody closed (from a finalizer).

        A session whose loop still runs is closed there, as :meth:`aclose` would; one whose
        loop has ended is detached and its connector marked closed, leaving aiohttp nothing
        to warn about.  Returns whether a pool was open.
        """
        self._closed = True
        session, self._session = self._session, None
        loop, self._loop = self._loop, None
        if session is None or session.closed or self._generation != _forksafe.generation:
            return False
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(_close_on_loop, session)
            return True
        connector = session.connector
        session.detach()
        if connector is not None:  # its loop gone, there is nothing to wait for
            with contextlib.suppress(StopIteration):
                next(connector.close().__await__())
        return True


# Sessions closed by abandon(): referenced until closed, or the loop could drop the task.
_ABANDONED: set[asyncio.Task[None]] = set()


def _close_on_loop(session: aiohttp.ClientSession) -> None:
    task = asyncio.ensure_future(session.close())
    _ABANDONED.add(task)
    task.add_done_callback(_ABANDONED.discard)


def network_transport(
    *,
    limits: Limits | None,
    proxy: str | Secret | None,
    trust_env: bool,
    verify: bool | str | ssl.SSLContext,
) -> AiohttpTransport:
    """The client's default transport; a bad setting is a :class:`ConfigurationError`."""
    if not isinstance(trust_env, bool):
        raise ConfigurationError(f"trust_env must be True or False, not {trust_env!r}")
    try:
        return AiohttpTransport(limits=limits, proxy=proxy, trust_env=trust_env, verify=verify)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(str(exc)) from None


# Sessions inherited across fork(): kept referenced so their finalizers never run here.
_FORK_ORPHANS: list[tuple[aiohttp.ClientSession, aiohttp.BaseConnector | None]] = []
