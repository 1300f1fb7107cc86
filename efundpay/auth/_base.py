"""The :class:`Auth` seam: what the call pipeline asks of every way of authenticating.

For each *attempt* of a call, after the URL and the body bytes are final, the pipeline builds
an :class:`AuthRequest` (method, full URL, body bytes, a fresh header mapping) and awaits
``auth.authenticate(request)``, which writes its headers into ``request.headers``.  When
eFundPay answers with a rejection that proves nothing was applied (HTTP 401, or the codes in
:data:`REJECTION_CODES`), the pipeline tells the same object through
``auth.on_rejection(request, rejection)``; if that returns ``True`` the call is sent once more
with new headers.  This is httpx's ``Auth.auth_flow`` cut down to two awaitable hooks, so
that the pipeline alone keeps the rules about what may be sent again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._http import HTTPRequest, HTTPResponse
from .._retry import http_date, may_have_applied
from .._secret import Secret, SecretHeaders
from .._transport_errors import TransportError, TransportTimeoutError

if TYPE_CHECKING:
    from .._config import Timeout
    from .._errors import APIStatusError

__all__ = ["REJECTION_CODES", "Auth", "AuthRequest", "Rejection", "rejection_of"]

#: Error codes that prove eFundPay refused a request before applying it, for a reason fresh
#: credentials can fix.  HTTP 401 counts too, whatever the code.
REJECTION_CODES: Final = frozenset(
    {"TOKEN_EXPIRED", "TOKEN_INVALID", "INVALID_REQUEST_SIGNATURE", "INVALID_TIMESTAMP"}
)

Sender = Callable[[HTTPRequest], Awaitable[HTTPResponse]]


class AuthRequest:
    """One attempt of a call, as an :class:`Auth` sees it.

    Attributes:
        method: ``"POST"``, ``"PUT"``…
        url: the full URL requested, exactly as it is sent (already percent-encoded).
        content: the exact body bytes sent (``None`` for none): sign these.
        headers: this attempt's own header mapping; write the credential headers here.
            Its ``repr`` masks ``Authorization`` and ``X-Signature``.
        api: ``"v3"`` or ``"v4"``.
        merchant_account_id: the call's merchant account (``None`` on a v3 call without one).
        scopes: the permissions the operation needs, e.g. ``("subscriptions.write",)``.
        extensions: a dict for the Auth's own notes about this attempt (the token it used,
            say), handed back to :meth:`Auth.on_rejection`.
        timeout: the attempt's time limits, which :meth:`send` applies too.
    """

    __slots__ = (
        "_sender",
        "api",
        "content",
        "extensions",
        "headers",
        "merchant_account_id",
        "method",
        "scopes",
        "timeout",
        "url",
    )

    def __init__(
        self,
        *,
        method: str,
        url: str,
        content: bytes | None,
        headers: SecretHeaders,
        api: str,
        merchant_account_id: str | None,
        scopes: tuple[str, ...],
        sender: Sender,
        timeout: Timeout,
    ) -> None:
        self.method = method
        self.url = url
        self.content = content
        self.headers = headers
        self.api = api
        self.merchant_account_id = merchant_account_id
        self.scopes = scopes
        self.extensions: dict[str, Any] = {}
        self._sender = sender
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<AuthRequest {self.method} {self.url} headers={self.headers!r}>"

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | Secret | None = None,
    ) -> HTTPResponse:
        """Send a request of the Auth's own (a token fetch) through the client's transport.

        It goes through the same connection pool, proxies and test doubles as the call, with
        the attempt's time limit.  A body that carries a credential may be given as a
        :class:`~efundpay._secret.Secret`; it is revealed only as the request is built.
        Raises :class:`~efundpay.APIConnectionError` (or ``APITimeoutError``) when no
        response arrives; any HTTP status is returned as it is.
        """
        from .._errors import APIConnectionError, APITimeoutError  # noqa: PLC0415 - cycle

        try:
            return await self._sender(
                HTTPRequest(
                    method,
                    url,
                    headers,
                    content.reveal().encode() if isinstance(content, Secret) else content,
                    self.timeout,
                )
            )
        except (TransportError, TimeoutError) as exc:
            timed_out = isinstance(exc, TransportTimeoutError | TimeoutError)
            error_class = APITimeoutError if timed_out else APIConnectionError
            # The call's own request has not been sent: nothing of it can have been applied.
            raise error_class(
                f"the credentials request {method} {url} failed: {exc}",
                request_sent=False,
                method=method,
                url=url,
            ) from exc


@attrs.frozen
class Rejection:
    """eFundPay refused an attempt before applying it; what an :class:`Auth` may learn from it.

    Attributes:
        status_code: the HTTP status (v3 may answer 200 with an error code).
        code: the error code (``TOKEN_EXPIRED``…), from ``code`` or ``error.code``, if any.
        headers: the response headers (case-insensitive).
    """

    status_code: int
    code: str | None
    headers: Mapping[str, str] = attrs.field(repr=False)

    @property
    def server_time(self) -> float | None:
        """The server's clock from the ``Date`` header, as a Unix timestamp, or ``None``."""
        # Looked up without regard to case: an error's headers may be a plain dict.
        raw = next((v for k, v in self.headers.items() if k.lower() == "date"), None)
        return http_date(raw) if raw else None


def _codes(body: object) -> list[str]:
    if not isinstance(body, Mapping):
        return []
    found = [body.get("code")]
    nested = body.get("error")
    if isinstance(nested, Mapping):
        found.append(nested.get("code"))
    return [code for code in found if isinstance(code, str)]


def rejection_of(error: APIStatusError) -> Rejection | None:
    """The :class:`Rejection` ``error`` is, or ``None`` when it may not be resent for auth.

    An answer that may have been applied (a 5xx, a 408) is never a rejection, whatever
    code its body carries: only a refusal proves that nothing happened.
    """
    if may_have_applied(error):
        return None
    codes = _codes(error.body)
    code = next((c for c in codes if c in REJECTION_CODES), None)
    if code is None and error.status_code != 401:
        return None
    return Rejection(error.status_code, code or error.code, error.headers)


class Auth:
    """How calls prove who sends them; subclass it to sign with a KMS, an HSM or a vault.

    The pipeline calls :meth:`authenticate` once per attempt, after the URL and the body
    bytes are final, with a fresh :attr:`AuthRequest.headers` mapping: every retry gets new
    headers (a new nonce, timestamp, signature or JWT).  :meth:`on_rejection` hears of a
    rejection that proves nothing was applied; returning ``True`` asks for one resend with
    new headers (never more than one per call, and never for a toggle that may already have
    been applied).  Both run on the client's event loop, so they must not block: run a
    blocking SDK in a thread (``await anyio.to_thread.run_sync(...)``).

    Keep credentials in :class:`~efundpay._secret.Secret` (or a loaded key object) and write
    ``secret.reveal()`` straight into ``request.headers``, never into a variable: then no
    traceback, debugger or log can show them.

    Example: a signer whose private key never leaves a KMS::

        import base64
        from efundpay.auth import Auth, AuthRequest

        class KMSJWTAuth(Auth):
            def __init__(self, kms, key_id):
                self._kms, self._key_id = kms, key_id

            async def authenticate(self, request: AuthRequest) -> None:
                # build header.claims, have the KMS sign them, and set the bearer token
                signing_input = make_signing_input(self._key_id, request.merchant_account_id,
                                                   request.scopes)
                signature = await self._kms.sign(signing_input)
                request.headers["Authorization"] = (
                    "Bearer " + signing_input + "." + base64.urlsafe_b64encode(signature)
                    .rstrip(b"=").decode()
                )

        client = AsyncEFundPay(merchant_account_id="acct_1", auth=KMSJWTAuth(kms, "key-1"))

    A token-based Auth fetches its token with :meth:`AuthRequest.send`, which goes through
    the client's own transport, and returns ``True`` from :meth:`on_rejection` after
    dropping the token that was refused.
    """

    async def authenticate(self, request: AuthRequest) -> None:
        """Write this attempt's credential headers into ``request.headers``."""
        raise NotImplementedError(f"{type(self).__name__} must implement authenticate()")

    async def on_rejection(self, request: AuthRequest, rejection: Rejection) -> bool:
        """eFundPay refused the attempt ``request`` described; ``True`` to resend it once.

        The default is ``False``: credentials that do not change cannot do better.
        """
        return False

    def secrets(self) -> tuple[Secret, ...]:
        """The secrets this Auth holds now, removed from error messages and logs."""
        return ()
