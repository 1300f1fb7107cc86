"""Reading eFundPay's answers: a model on success, the right exception otherwise.

Success bodies are read strictly (see :mod:`efundpay._convert`).  Error bodies are read
defensively, because eFundPay does not publish the v4 error shape: the HTTP status decides
the exception class, then whatever the body has of ``code``, ``message``, ``debug`` and
``details`` -- at the top level or under ``error`` -- fills it in.  The raw body is kept.
A v3 envelope whose ``code`` is not ``SUCCESS`` is an error even with HTTP 200.

An error body is parsed first and redacted as the parsed structure (:func:`redact_json`):
text redaction, whose card-number pattern also matches a 13-digit epoch-ms timestamp, is
only for bodies that are not JSON, so that it can never break the JSON that names the error.
A body nested too deep to parse reads as text that is not JSON, never as a ``RecursionError``.
"""

from __future__ import annotations

import http
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, Generic, TypeVar

from ._convert import ConversionError, structure
from ._errors import APIResponseValidationError, APIStatusError, status_error_class
from ._headers import Headers
from ._http import HTTPResponse
from ._redact import Secrets, redact_json, redact_text
from ._request import APIRequest
from ._retry import parse_retry_after

__all__ = ["APIResponse", "read_response", "request_id_of"]

T = TypeVar("T")

_NOT_JSON = object()


class APIResponse(Generic[T]):
    """eFundPay's answer to one call, as ``with_raw_response`` returns it.

    What the HTTP exchange was, and the model on demand::

        response = await client.subscriptions.with_raw_response.pause("sub_123")
        response.status_code, response.request_id, response.attempts
        subscription = response.parse()  # the Subscription the plain call returns

    Attributes:
        status_code: the HTTP status of the last attempt (always 2xx: any other raises,
            exactly as the plain call does).
        headers: the response headers, case-insensitive (:class:`~efundpay.Headers`).
        request_id: eFundPay's id for the request (quote it to support), or ``None``.
        elapsed: a :class:`~datetime.timedelta` from the call's start to this answer, every
            attempt and every wait between them included.
        attempts: how many attempts the call made (1 when the first one succeeded).
        idempotency_key: the key every attempt carried (v4 calls), or ``None`` (the toggle).
        content: the raw body bytes; :attr:`text` and :meth:`json` read them.
    """

    __slots__ = (
        "_model",
        "_request",
        "_response",
        "attempts",
        "elapsed",
        "headers",
        "idempotency_key",
        "request_id",
        "status_code",
    )

    def __init__(
        self,
        response: HTTPResponse,
        request: APIRequest[T],
        model: T,
        *,
        attempts: int,
        elapsed: float,
    ) -> None:
        self._response = response
        self._request = request
        self._model = model
        self.status_code = response.status_code
        self.headers = Headers(response.headers)
        self.request_id = request_id_of(response)
        self.elapsed = timedelta(seconds=elapsed)
        self.attempts = attempts
        self.idempotency_key = request.idempotency_key

    @property
    def content(self) -> bytes:
        """The body as received."""
        return self._response.content

    @property
    def text(self) -> str:
        """The body as text (invalid UTF-8 replaced)."""
        return self._response.text

    def json(self) -> Any:
        """The body parsed as JSON (raises :class:`ValueError` when it is not JSON)."""
        return json.loads(self._response.content)

    def parse(self) -> T:
        """The model the plain call returns.

        The call has already read it: an answer that is not what eFundPay's docs describe,
        or a v3 envelope whose ``code`` is not ``SUCCESS``, failed the call itself (retried,
        resent or raised with ``outcome_unknown`` exactly as for the plain call), so a raw
        response in hand always parses.
        """
        return self._model

    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code}] {self._request.operation} "
            f"request_id={self.request_id!r} attempts={self.attempts}>"
        )


def read_response(
    response: HTTPResponse, request: APIRequest[T], *, url: str, secrets: Secrets
) -> T:
    """The model ``request`` asks for, or raise APIStatusError / APIResponseValidationError."""
    if not 200 <= response.status_code < 300:
        raise _status_error(response, request, url=url, secrets=secrets)
    data = _json(response.content)
    if not isinstance(data, dict):
        what = "not JSON" if data is _NOT_JSON else f"JSON {type(data).__name__}, not an object"
        raise _invalid(response, request, f"the body is {what}", url=url, secrets=secrets)
    path = "$"
    if request.api == "v3":
        code = data.get("code")
        if code != "SUCCESS":
            if isinstance(code, str) and code:
                raise _status_error(response, request, url=url, secrets=secrets)
            raise _invalid(response, request, "$.code: missing", url=url, secrets=secrets)
        data, path = data.get("item"), "item"
    try:
        return structure(data, request.model, path=path)
    except ConversionError as exc:
        raise _invalid(response, request, exc.problems, url=url, secrets=secrets) from None


#: ``json.loads`` of a ``str`` with no options is this, less its checks of its arguments.
_decode: Final = json.JSONDecoder().decode


def _json(content: bytes) -> Any:
    # RecursionError: JSON nested deeper than the parser's recursion limit is not JSON this
    # SDK can read; the caller treats it as any other body that is not JSON.
    try:
        # UTF-8, as JSON between systems must be, decoded without json.loads' sniffing of
        # the encoding (a few Python calls per response).
        return _decode(content.decode())
    except (ValueError, RecursionError):  # ValueError includes UnicodeDecodeError
        pass
    try:  # anything else json.loads reads: a UTF-8 byte order mark, UTF-16 or UTF-32
        return json.loads(content)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _invalid(
    response: HTTPResponse,
    request: APIRequest[Any],
    problems: str | list[str],
    *,
    url: str,
    secrets: Secrets,
) -> APIResponseValidationError:
    listed = problems if isinstance(problems, str) else "; ".join(problems)
    content_type = response.headers.get("Content-Type", "no content type")
    message = redact_text(
        f"eFundPay's response to {request.operation} (HTTP {response.status_code}, "
        f"{content_type}) is not what its docs describe: {listed}",
        secrets,
    )
    return APIResponseValidationError(
        message,
        status_code=response.status_code,
        headers=response.headers,
        body=redact_text(response.text, secrets),
        request_id=request_id_of(response),
        method=request.method,
        url=url,
        idempotency_key=request.idempotency_key,
    )


def request_id_of(response: HTTPResponse) -> str | None:
    """eFundPay's id for the request (``x-request-id``, or ``request-id``), if it sent one.

    An id that is not visible ASCII (a control character, or undecodable bytes, which arrive
    as lone surrogates) is returned escaped (``\\x1b``, ``\\udcff``): it goes into error
    messages and log lines, where it must neither steer a terminal nor break a UTF-8 handler.
    """
    value = response.headers.get("x-request-id") or response.headers.get("request-id")
    if value is None or (value.isascii() and value.isprintable()):
        return value
    return value.encode("unicode_escape").decode("ascii")


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _first(*candidates: object) -> str | None:
    for candidate in candidates:
        text = _text(candidate)
        if text is not None:
            return text
    return None


def error_fields(body: object) -> tuple[str | None, str | None, str | None, Any]:
    """``(code, message, debug, details)`` from any plausible error body shape.

    >>> error_fields({"error": {"code": "not_found", "message": "No such subscription"}})
    ('not_found', 'No such subscription', None, None)
    """
    if not isinstance(body, Mapping):
        return None, None, None, body if isinstance(body, list) else None
    nested = body.get("error")
    listed = body.get("errors")
    if isinstance(nested, Mapping):
        inner: Mapping[str, Any] = nested
    elif isinstance(listed, list) and listed and isinstance(listed[0], Mapping):
        inner = listed[0]  # a list of errors: the first one speaks for the response
    else:
        inner = {}
    code = _first(inner.get("code"), inner.get("type"), body.get("code"), body.get("error_code"))
    if code == "SUCCESS":
        code = None
    message = _first(
        inner.get("message"),
        inner.get("detail"),
        nested,  # {"error": "Subscription not found"}
        body.get("message"),
        body.get("detail"),
        body.get("error_description"),
        body.get("reason"),
        body.get("title"),
    )
    debug = _first(inner.get("debug"), body.get("debug"))
    details = next(
        (
            value
            for value in (
                body.get("details"),
                body.get("errors"),
                inner.get("details"),
            )
            if value is not None
        ),
        None,
    )
    return code, message, debug, details


def _status_error(
    response: HTTPResponse,
    request: APIRequest[Any],
    *,
    url: str,
    secrets: Secrets,
) -> APIStatusError:
    status = response.status_code
    parsed = _json(response.content)
    body: Any
    if parsed is _NOT_JSON:
        body = redact_text(response.text, secrets)
    else:
        body = redact_json(parsed, secrets)
    code, message, debug, details = error_fields(body)
    if message is None and isinstance(body, str) and body.strip() and "<" not in body[:200]:
        message = body.strip()[:300]  # a short plain-text body; never dump an HTML page
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "HTTP error"
    request_id = request_id_of(response)
    summary = f"{reason} ({status})"
    if code:
        summary += f": {code}"
    if message:
        summary += f" - {message}"
    summary += f" [{request.operation}"
    summary += f", request_id={request_id}]" if request_id else "]"
    return status_error_class(status, code)(
        redact_text(message or reason, secrets),
        text=redact_text(summary, secrets),
        status_code=status,
        code=code,
        debug=redact_text(debug, secrets) if debug else None,
        details=details,
        request_id=request_id,
        body=body,
        headers=response.headers,
        retry_after=parse_retry_after(response.headers),
        method=request.method,
        url=url,
        idempotency_key=request.idempotency_key,
    )
