"""What a transport is: the :class:`Transport` protocol, the request and response it moves,
and :class:`MockTransport`, which answers from a function.

A transport takes one :class:`HTTPRequest` and returns one :class:`HTTPResponse` (any status),
or raises :class:`TransportError`.  It knows nothing of eFundPay: no URLs, headers or JSON
shapes of the API.  It must honour ``request.timeout`` and it must say, when it fails,
whether the request may have reached the server (``request_sent``): the client uses that to
decide whether a non-idempotent call can be retried safely.

Use :class:`MockTransport` in unit tests of code that calls the SDK::

    def handler(request: HTTPRequest) -> HTTPResponse:
        return HTTPResponse.from_json(200, {"id": "sub_1", "status": "paused"})

    client = AsyncEFundPay(api_key="sk_test_x", merchant_account_id="acct_1",
                           transport=MockTransport(handler))
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from ._config import Timeout
from ._secret import CREDENTIAL_HEADERS
from ._transport_errors import TransportClosedError, TransportTimeoutError

__all__ = ["HTTPRequest", "HTTPResponse", "Handler", "MockTransport", "Transport"]


def _headers(value: Mapping[str, str] | None) -> CIMultiDictProxy[str]:
    if isinstance(value, CIMultiDictProxy):
        return value
    return CIMultiDictProxy(CIMultiDict(value or {}))


def _headers_repr(headers: Mapping[str, str]) -> str:
    # Credential headers (the API key, a token, a signature): a repr (a test failure, a
    # debugger, a log line) must never show them.
    shown = {k: "[REDACTED]" if k.lower() in CREDENTIAL_HEADERS else v for k, v in headers.items()}
    return repr(shown)


def _content_repr(content: bytes) -> str:
    # A response body may hold card data and client keys: a repr shows its size only.
    return f"<{len(content)} bytes>"


@attrs.define
class HTTPRequest:
    """One HTTP request, fully built: the URL is already percent-encoded.

    The client builds one for every attempt and never reads it back, so a transport may
    change it (``attrs.evolve`` makes a changed copy).  A plain slotted class, not a frozen
    one: a frozen class pays a Python-level ``object.__setattr__`` call per field.
    """

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(repr=_headers_repr)
    # A body may carry a credential (a refresh-token grant): a repr shows its size only.
    content: bytes | None = attrs.field(repr=lambda c: "None" if c is None else _content_repr(c))
    timeout: Timeout
    #: When the whole call must end (``time.monotonic()``), or ``None``: bounds the wait
    #: for a pooled connection, and the attempt after it.
    deadline_at: float | None = None

    def json(self) -> Any:
        """The body decoded as JSON, or ``None`` without a body."""
        return None if self.content is None else json.loads(self.content)


@attrs.frozen
class HTTPResponse:
    """One HTTP response: status, case-insensitive headers, and the whole body."""

    status_code: int
    headers: CIMultiDictProxy[str] = attrs.field(converter=_headers, factory=dict)
    content: bytes = attrs.field(default=b"", repr=_content_repr)

    @classmethod
    def from_json(
        cls, status_code: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> HTTPResponse:
        """A response with a JSON body, for tests and mocks."""
        merged = {"Content-Type": "application/json", **(headers or {})}
        return cls(status_code, merged, json.dumps(body).encode())

    @property
    def text(self) -> str:
        """The body as text (invalid UTF-8 replaced)."""
        return self.content.decode("utf-8", errors="replace")


@runtime_checkable
class Transport(Protocol):
    """What the client needs from a transport.

    A transport must honour ``HTTPRequest.timeout``.  The client also times each request
    itself, a backstop half a second past it, unless the transport's class declares
    ``enforces_timeout = True``: a promise that nothing it does (connecting, waiting for the
    pool, sending, reading the whole body) can outlast ``timeout.total``.
    """

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and return the response, or raise :class:`TransportError`."""
        ...

    async def aclose(self) -> None:
        """Release connections.  Idempotent."""
        ...


Handler = Callable[[HTTPRequest], HTTPResponse | Awaitable[HTTPResponse]]


class MockTransport:
    """A transport that answers from a function, for unit tests without a server.

    The handler gets each :class:`HTTPRequest` and returns an :class:`HTTPResponse` (or an
    awaitable of one); it may raise :class:`TransportError` to simulate a network failure.
    Every request is appended to :attr:`requests`.  ``request.timeout.total`` is enforced,
    so a slow handler produces a timeout just as a slow server would.

    >>> mock = MockTransport(lambda request: HTTPResponse.from_json(404, {"code": "NOT_FOUND"}))
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[HTTPRequest] = []
        self.closed = False

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Record ``request`` and answer it with the handler."""
        if self.closed:
            raise TransportClosedError("the client is closed; create a new one", request_sent=False)
        self.requests.append(request)
        try:
            import anyio  # noqa: PLC0415 - a test double's need; import efundpay skips anyio

            with anyio.fail_after(request.timeout.total):
                result = self.handler(request)
                if inspect.isawaitable(result):
                    result = await result
        except TimeoutError as exc:
            raise TransportTimeoutError(
                f"timed out after {request.timeout.total:g}s", request_sent=True
            ) from exc
        return result

    async def aclose(self) -> None:
        """Mark the transport closed."""
        self.closed = True
