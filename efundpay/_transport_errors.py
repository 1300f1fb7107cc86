"""The transport's exceptions, and how aiohttp's exceptions become them.

A transport raises :class:`TransportError` (or a subclass) and nothing else, saying whether
the request may have reached the server.  :func:`from_aiohttp` is the one place that reads
aiohttp's exceptions, defensively, because they differ between the releases the SDK
accepts (``aiohttp>=3.10``): an attribute one release has, another lacks.
"""

from __future__ import annotations

import traceback
from typing import Final

import aiohttp

from ._config import Timeout
from ._pickling import PicklableError

__all__ = [
    "ResponseTooLargeError",
    "TransportClosedError",
    "TransportError",
    "TransportTimeoutError",
    "from_aiohttp",
]


class TransportError(PicklableError):
    """A request got no usable response.

    ``request_sent`` is ``False`` only when the transport knows no byte of the request left
    this process (connection refused, DNS failure, connect timeout): the server cannot have
    acted on it.
    """

    def __init__(self, message: str, *, request_sent: bool) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class TransportTimeoutError(TransportError):
    """The attempt ran out of time; ``request_sent`` says in which phase."""


class TransportClosedError(TransportError):
    """The transport was closed before the request, or while it was in flight.

    ``request_sent`` is ``False`` when it was closed before the request was started.
    """


class ResponseTooLargeError(TransportError):
    """The response body exceeded the transport's ``max_response_bytes``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, request_sent=True)


def _forget_locals(exc: BaseException) -> None:
    """Drop the local variables of the finished frames ``exc`` and its causes passed through.

    aiohttp's frames hold the request's headers as a plain ``CIMultiDict``, Authorization
    included; a traceback rendered with locals (``capture_locals``, ``pytest -l``, rich,
    Sentry) would show it.  File names and line numbers stay; only the locals go.  Frames
    still running (the SDK's own, which hold nothing in the clear) are left as they are.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        traceback.clear_frames(current.__traceback__)
        pending += [current.__cause__, current.__context__]


def _connect_failure(exc: aiohttp.ClientConnectorError) -> str:
    """What went wrong connecting, read defensively: aiohttp's exceptions vary by version.

    Up to aiohttp 3.13.3, ``ClientConnectorCertificateError`` is a ``ClientConnectorError``
    whose ``os_error`` property fails with ``AttributeError`` (it keeps a certificate error
    instead), so no attribute is read here without a fallback.
    """
    for name in ("certificate_error", "os_error"):
        try:
            cause = getattr(exc, name, None)
        except Exception:  # noqa: S112 - a broken property of an old aiohttp: try the next
            continue
        if cause is not None:
            return f"{type(cause).__name__}: {cause}"
    return _describe(exc)


# What OpenSSL says when the server answers a TLS handshake in plain HTTP: "wrong version
# number" up to OpenSSL 3.1, "record layer failure" from 3.2 on; "packet length too long"
# and "http request" on some builds.
_PLAIN_HTTP_SIGNS: Final = (
    "wrong_version_number",
    "wrong version number",
    "record layer failure",
    "record_layer_failure",
    "packet length too long",
    "http_request",
)


def _plain_http_hint(failure: str) -> str:
    """A hint when a TLS handshake met a plain-HTTP server (``https://`` to a local fake)."""
    lowered = failure.lower()
    if any(sign in lowered for sign in _PLAIN_HTTP_SIGNS):
        return (
            " (is the server plain http? use http:// for a local fake, e.g. "
            "base_url='http://127.0.0.1:8080')"
        )
    return ""


def _describe(exc: BaseException) -> str:
    """``Type: message`` of any exception, even one whose ``__str__`` fails."""
    try:
        text = str(exc)
    except Exception:  # the description must not fail in its turn
        text = "(no description)"
    return f"{type(exc).__name__}: {text}"


def from_aiohttp(exc: Exception, timeout: Timeout) -> TransportError:
    """The :class:`TransportError` for an exception raised while aiohttp sent a request.

    Anything aiohttp lets escape becomes one, not only its own ``ClientError``: some
    releases let an ``AttributeError``, a ``UnicodeError`` or a ``LookupError`` (an unknown
    charset) out of a hostile answer.  When in doubt, the request may have been sent.

    ``exc`` stays reachable as the ``__cause__`` of what the SDK raises, but the locals of
    the frames it passed through are dropped (:func:`_forget_locals`).
    """
    _forget_locals(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return TransportTimeoutError(
            f"timed out connecting ({timeout.connect:g}s)", request_sent=False
        )
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return TransportTimeoutError(
            f"timed out after sending, waiting for the response ({timeout.total:g}s per attempt)",
            request_sent=True,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        # Refused, DNS failure, TLS handshake failure: the request never left.
        failure = _connect_failure(exc)
        return TransportError(
            f"cannot connect: {failure}{_plain_http_hint(failure)}", request_sent=False
        )
    return TransportError(
        f"connection failed after the request was sent: {_describe(exc)}", request_sent=True
    )
