"""``SignedRequestAuth``: v3 requests with an OAuth2 token and an RSA signature per attempt.

Every attempt carries ``Authorization: Bearer <accessToken>``, a fresh ``X-Nonce-Str``, an
``X-Timestamp`` (Unix seconds on the server's clock, as far as the SDK has learnt it) and
``X-Signature: sha256 <base64 RSASSA-PKCS1-v1_5 SHA-256>`` over
:func:`efundpay._canonical.v3_string_to_sign` of the exact method, URL and body bytes sent.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import Final

from .._canonical import v3_string_to_sign
from .._errors import ConfigurationError
from .._keys import KeySource, load_private_key, rsa_sha256_sign
from .._secret import Secret
from .._urls import normalize_base_url
from ._base import Auth, AuthRequest, Rejection
from ._bearer import as_secret, require_text
from ._clock import Clock
from ._token import Token, TokenCache, fetch_token

__all__ = ["SignedRequestAuth", "new_nonce"]

# The AuthRequest.extensions key under which an attempt keeps the token it used.
_TOKEN_NOTE: Final = "efundpay.v3_token"  # noqa: S105 - a key name, not a token


def new_nonce() -> str:
    """32 random hexadecimal characters: no spaces, never repeated in practice."""
    return secrets.token_hex(16)


class SignedRequestAuth(Auth):
    """Sign v3 calls the way eFundPay's v3 (Revenue Monster's Open API) requires.

    Args:
        client_id, client_secret: the OAuth2 client credentials.
        private_key: the merchant's RSA private key: PEM bytes or text (PKCS#1 or PKCS#8),
            a path to a PEM file, or a loaded ``cryptography`` key.
        token_url: the token endpoint, e.g. ``"https://sb-oauth.revenuemonster.my/v1/token"``.
        nonce: a function returning a nonce, for tests; default 32 random hex characters.
        clock: a function returning Unix time, for tests; default :func:`time.time`.

    The token is fetched on the first call through the client's own transport, shared by
    every call (concurrent first calls wait for one fetch), and refreshed shortly before
    ``expiresIn`` runs out (by the refresh token, else by client credentials).  A rejected
    token is replaced once and the call resent once.

    Example::

        v3_auth = SignedRequestAuth(
            client_id="1234", client_secret=os.environ["V3_SECRET"],
            private_key=Path("/run/secrets/v3.pem"),
            token_url="https://sb-oauth.revenuemonster.my/v1/token",
        )
        client = AsyncEFundPay(v3_auth=v3_auth, v3_base_url="https://sb-open.revenuemonster.my")
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | Secret,
        private_key: KeySource,
        token_url: str,
        nonce: Callable[[], str] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        client_secret = as_secret(client_secret, "SignedRequestAuth client_secret")
        self._key = load_private_key(private_key, what="SignedRequestAuth private_key")
        del private_key  # PEM text, perhaps: no later raise may show it in this frame
        try:
            rsa_sha256_sign(self._key, b"efundpay")  # a key that cannot sign is told now
        except ConfigurationError:
            raise ConfigurationError(
                "SignedRequestAuth private_key: v3 requests are signed with RSA (SHA-256); "
                "an RSA private key is needed"
            ) from None
        self.client_id = require_text(client_id, "SignedRequestAuth client_id")
        if ":" in client_id:  # it is joined to the secret with ':' in the Basic header
            raise ConfigurationError("SignedRequestAuth client_id must not contain ':'")
        if not client_secret:
            raise ConfigurationError("SignedRequestAuth client_secret must not be empty")
        self.token_url = normalize_base_url(
            require_text(token_url, "SignedRequestAuth token_url"),
            source="SignedRequestAuth token_url",
        )
        self._client_secret = client_secret
        self._nonce = nonce or new_nonce
        self._clock = Clock(clock)
        self.tokens = TokenCache()

    def __repr__(self) -> str:
        # getattr: a traceback with locals shows ``self`` of an __init__ that failed midway
        return (
            f"SignedRequestAuth(client_id={getattr(self, 'client_id', None)!r}, "
            f"client_secret='…', token_url={getattr(self, 'token_url', None)!r})"
        )

    async def _token(self, request: AuthRequest) -> Token:
        async def fetch(old: Token | None) -> Token:
            return await fetch_token(
                request,
                old,
                token_url=self.token_url,
                client_id=self.client_id,
                client_secret=self._client_secret,
                now=self._clock.local(),
            )

        return await self.tokens.get(self._clock.local(), fetch)

    async def authenticate(self, request: AuthRequest) -> None:
        """Set the bearer token, nonce, timestamp and signature of this attempt."""
        token = await self._token(request)
        request.extensions[_TOKEN_NOTE] = token
        self.sign(request, token.access, nonce=self._nonce(), timestamp=int(self._clock.time()))

    def sign(self, request: AuthRequest, access: Secret, *, nonce: str, timestamp: int) -> None:
        """Write the four v3 headers for ``request`` with the given nonce and timestamp."""
        if not nonce or any(c.isspace() for c in nonce):
            raise ValueError("a nonce must be non-empty and hold no whitespace")
        request.headers["Authorization"] = "Bearer " + access.reveal()
        request.headers["X-Nonce-Str"] = nonce
        request.headers["X-Timestamp"] = str(timestamp)
        request.headers["X-Signature"] = "sha256 " + base64.b64encode(
            rsa_sha256_sign(
                self._key,
                v3_string_to_sign(
                    method=request.method,
                    nonce=nonce,
                    timestamp=str(timestamp),
                    body=request.content,
                    url=request.url,
                ).encode(),
            )
        ).decode("ascii")

    async def on_rejection(self, request: AuthRequest, rejection: Rejection) -> bool:
        """Correct the clock (``INVALID_TIMESTAMP``) or drop the token, and resend once.

        A bad signature is resent with a new nonce and timestamp on the same token; any
        other rejection (HTTP 401, ``TOKEN_EXPIRED``, ``TOKEN_INVALID``) replaces the token.
        """
        if rejection.code == "INVALID_TIMESTAMP":
            self._clock.learn(rejection)
        elif rejection.code != "INVALID_REQUEST_SIGNATURE":
            self.tokens.expire(request.extensions.get(_TOKEN_NOTE))
        return True

    def secrets(self) -> tuple[Secret, ...]:
        """The client secret and the tokens held now."""
        token = self.tokens.token
        if token is None:
            return (self._client_secret,)
        held = (self._client_secret, token.access)
        return held if token.refresh is None else (*held, token.refresh)
