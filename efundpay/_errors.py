"""Every exception the SDK raises on purpose.

::

    EFundPayError
    ├── ConfigurationError              bad or missing settings; raised before any I/O
    ├── APIError                        something happened while talking to eFundPay
    │   ├── APIConnectionError          no usable response (refused, reset, DNS, TLS)
    │   │   ├── APITimeoutError         an attempt or the whole call ran out of time
    │   │   └── ClientClosedError       the client was closed before or during the call
    │   ├── APIResponseValidationError  a response that is not what the docs describe
    │   └── APIStatusError              eFundPay said no: .status_code .code .message .debug
    │       ├── BadRequestError             400
    │       ├── AuthenticationError         401
    │       ├── PermissionDeniedError       403
    │       ├── NotFoundError               404
    │       ├── ConflictError               409
    │       ├── UnprocessableEntityError    422
    │       ├── RateLimitError              429, or the v3 code ``EXCEEDED_LIMIT``
    │       └── InternalServerError         5xx
    └── WebhookVerificationError        a notification or webhook failed verification: .reason

Invalid arguments to an operation raise the built-in :class:`ValueError` or
:class:`TypeError` before anything is sent.

Two attributes matter most when money is involved:

``outcome_unknown``
    ``True`` when the request may have reached eFundPay and been applied, but the SDK could
    not learn the result (a read timeout, a connection reset after sending, a 5xx).  For an
    idempotent status change, replaying the call with the same ``idempotency_key`` is safe.
    A toggle is not idempotent: check the customer's state before toggling again.

``idempotency_key``
    The key that every attempt of the failed call carried (v4 status changes only), so a
    caller can replay the call after a crash without applying it twice.

No exception text ever contains the API key: it is replaced by ``[REDACTED]`` wherever it
would appear, even when eFundPay echoes it back.

Every exception here can be pickled with all its attributes (``headers`` are a picklable
:class:`~efundpay.Headers`), so it crosses a ``ProcessPoolExecutor`` or a task queue intact;
its ``__cause__`` (the transport's exception behind an :class:`APIConnectionError`) is not
carried across, as with any pickled exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._headers import Headers
from ._pickling import PicklableError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "EFundPayError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
    "status_error_class",
]


class EFundPayError(PicklableError):
    """Base class of every error the SDK raises on purpose."""


class ConfigurationError(EFundPayError):
    """A setting is missing or malformed; raised before any I/O.

    The message names both the constructor keyword and the environment variable::

        ConfigurationError: no API key: pass api_key=... or set EFUNDPAY_API_KEY
    """


class APIError(EFundPayError):
    """Something happened while talking to eFundPay.

    Attributes:
        message: what went wrong, never containing the API key.  For an
            :class:`APIStatusError` it is eFundPay's own message; ``str(error)`` adds the
            status, the code, the operation and the request id.
        method, url: the request that failed.
        idempotency_key: the key every attempt carried (v4 status changes), else ``None``.
        outcome_unknown: ``True`` when the request may have been applied even though the
            call failed; see the module docstring.
        attempts: how many attempts the call made before giving up.
    """

    message: str
    method: str | None
    url: str | None
    idempotency_key: str | None
    outcome_unknown: bool
    attempts: int

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        idempotency_key: str | None = None,
        outcome_unknown: bool = False,
        attempts: int = 1,
        text: str | None = None,
    ) -> None:
        super().__init__(message if text is None else text)
        self.message = message
        self.method = method
        self.url = url
        self.idempotency_key = idempotency_key
        self.outcome_unknown = outcome_unknown
        self.attempts = attempts

    def __str__(self) -> str:
        return str(self.args[0])

    def add_detail(self, detail: str) -> None:
        """Append a sentence to what ``str(error)`` says (the SDK's own guidance)."""
        self.args = (f"{self.args[0]}{detail}",)


class APIConnectionError(APIError):
    """No usable response: connection refused or reset, DNS or TLS failure, dropped reply.

    ``request_sent`` tells whether any part of the request may have reached the server; when
    it is ``False`` (refused, DNS failure, connect timeout) nothing can have been applied.
    """

    request_sent: bool

    def __init__(self, message: str, *, request_sent: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """An attempt (``timeout``) or the whole call (``deadline``) ran out of time."""


class ClientClosedError(APIConnectionError, RuntimeError):
    """The client was closed before the call, or while it ran.

    Like every failed call it carries ``idempotency_key``, ``attempts`` and
    ``outcome_unknown``: a status change cut off by ``close()`` may have been applied.  It is
    never retried.  It is also a :class:`RuntimeError`, what using a closed client raised
    before it was an :class:`APIError`.
    """


class APIResponseValidationError(APIError):
    """eFundPay answered, but not in the shape its docs describe.

    ``status_code``, ``headers`` and the raw ``body`` (text) are kept for diagnosis;
    the message names the offending field by its wire name, e.g. ``item.isActive``.
    """

    status_code: int | None
    headers: Headers
    body: str
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: str = "",
        request_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.headers = Headers(headers or {})
        self.body = body
        self.request_id = request_id


class APIStatusError(APIError):
    """eFundPay refused the request.

    Attributes:
        status_code: the HTTP status (a v3 envelope error may come with 200).
        code: eFundPay's error code, e.g. ``"EXCEEDED_LIMIT"``, when the body has one.
        message: eFundPay's message, or the status's reason phrase when it sent none.
        debug: the sandbox-only debug text of a v3 error, when present.
        details: any ``details``/``errors`` value the body carried.
        request_id: the ``x-request-id`` response header; quote it to eFundPay support.
        body: the decoded JSON body (sensitive values masked), or the raw text when it was
            not JSON.
        headers: the response headers, a case-insensitive :class:`~efundpay.Headers`.
        retry_after: the server's ``Retry-After`` in seconds, when it sent one.
    """

    status_code: int
    code: str | None
    debug: str | None
    details: Any
    request_id: str | None
    body: Any
    headers: Headers
    retry_after: float | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        debug: str | None = None,
        details: Any = None,
        request_id: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.status_code = status_code
        self.code = code
        self.debug = debug
        self.details = details
        self.request_id = request_id
        self.body = body
        self.headers = Headers(headers or {})
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400: the request was malformed or an option was rejected."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key lacks the scope (e.g. ``subscriptions.write``) or the merchant account."""


class NotFoundError(APIStatusError):
    """404: no customer or subscription with that id for this merchant account."""


class ConflictError(APIStatusError):
    """409: the change conflicts with the object's state or an idempotency key in use."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well formed but not allowed (e.g. resuming a cancelled plan)."""


class RateLimitError(APIStatusError):
    """429, or a 4xx/2xx v3 envelope with code ``EXCEEDED_LIMIT``: nothing was applied.

    A 5xx is never a rate limit, whatever its body says: a server that failed may have
    applied the change first.
    """


class InternalServerError(APIStatusError):
    """5xx: eFundPay failed; for a non-idempotent call the outcome is unknown."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int, code: str | None = None) -> type[APIStatusError]:
    """The most specific :class:`APIStatusError` subclass for a status and error code.

    The status decides first: a 5xx is an :class:`InternalServerError` even when its body
    says ``EXCEEDED_LIMIT`` (the change may have been applied before the server failed).
    """
    if status_code >= 500:
        return InternalServerError
    if code == "EXCEEDED_LIMIT":
        return RateLimitError
    return _BY_STATUS.get(status_code, APIStatusError)


class WebhookVerificationError(EFundPayError):
    """A notification (v3) or webhook (v4) that must not be trusted.

    ``reason`` says what failed, one of ``"missing_header"``, ``"malformed_header"``,
    ``"bad_signature"``, ``"stale_timestamp"``, ``"malformed_body"``; ``header`` names the
    header concerned, when one is.  The message never contains the body, a signature or a
    key: answer the sender with a 4xx and log the message as it is.
    """

    reason: str
    header: str | None

    def __init__(self, message: str, *, reason: str, header: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.header = header
