"""v3 authentication as the vendor documents it: OAuth2 tokens and signed requests.

``POST /v1/token`` takes ``Authorization: Basic base64(clientId:clientSecret)`` and JSON
``{"grantType": "client_credentials"}`` or ``{"grantType": "refresh_token",
"refreshToken": …}``, and answers ``accessToken``, ``tokenType``, ``expiresIn``,
``refreshToken``, ``refreshTokenExpiresIn``.  A refresh token stays valid until it expires
or :meth:`TokenStore.revoke` (the fake does not rotate them).

Every v3 call is then checked from the bytes received, never from what a client meant:

1. ``Authorization: Bearer <token>``: unknown or revoked → 401 ``TOKEN_INVALID``, past its
   lifetime → 401 ``TOKEN_EXPIRED``;
2. ``X-Timestamp``: unix seconds within ``tolerance`` of the fake's clock → else
   400 ``INVALID_TIMESTAMP`` (a stale request is malformed, not a bad credential; the code
   says nothing was applied);
3. ``X-Signature: sha256 <base64>``: RSASSA-PKCS1-v1_5/SHA-256 over the string to sign
   rebuilt from the method, the URL as the client addressed it (scheme, ``Host`` header,
   raw path) and the body bytes → else 401 ``INVALID_REQUEST_SIGNATURE``;
4. ``X-Nonce-Str``: present, without spaces, not seen within ``tolerance`` → else
   401 ``INVALID_REQUEST_SIGNATURE`` (a replayed request).

A nonce is remembered only once the whole request passed, so a rejected request never
burns one.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._canonical import v3_string_to_sign
from .._keys import rsa_verify
from ._records import Rejection

if TYPE_CHECKING:
    from .._keys import PublicKey

__all__ = ["NonceStore", "TokenStore", "V3Request", "grant_token", "verify_v3"]


@attrs.frozen
class V3Request:
    """A request as received: what the checks need (a v3 signature covers all of it)."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


class TokenStore:
    """Access and refresh tokens by value, with their expiry on the fake's clock.

    Not locked itself: :class:`~._strict.StrictAuthState` holds its lock around every use.
    """

    def __init__(self, *, expires_in: int, refresh_expires_in: int) -> None:
        self.expires_in = expires_in
        self.refresh_expires_in = refresh_expires_in
        self._access: dict[str, float] = {}
        self._refresh: dict[str, float] = {}

    def issue(self, now: float) -> dict[str, Any]:
        """A new token pair, as the token endpoint's JSON answer."""
        access = "fat_" + secrets.token_urlsafe(24)
        refresh = "frt_" + secrets.token_urlsafe(24)
        self._access[access] = now + self.expires_in
        self._refresh[refresh] = now + self.refresh_expires_in
        return {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": self.expires_in,
            "refreshToken": refresh,
            "refreshTokenExpiresIn": self.refresh_expires_in,
        }

    @staticmethod
    def _check(store: dict[str, float], token: str, now: float, what: str) -> None:
        expiry = store.get(token)
        if expiry is None:
            raise Rejection(401, "TOKEN_INVALID", f"The {what} is invalid or was revoked")
        if expiry <= now:
            raise Rejection(401, "TOKEN_EXPIRED", f"The {what} has expired")

    def check_access(self, token: str, now: float) -> None:
        """Accept a live access token or raise ``TOKEN_INVALID`` / ``TOKEN_EXPIRED``."""
        self._check(self._access, token, now, "access token")

    def check_refresh(self, token: str, now: float) -> None:
        """Accept a live refresh token or raise ``TOKEN_INVALID`` / ``TOKEN_EXPIRED``."""
        self._check(self._refresh, token, now, "refresh token")

    def revoke(self) -> None:
        """Forget every access and refresh token: they become ``TOKEN_INVALID``."""
        self._access.clear()
        self._refresh.clear()

    def expire(self, now: float) -> None:
        """End every access token's lifetime now: they become ``TOKEN_EXPIRED``."""
        for token in self._access:
            self._access[token] = min(self._access[token], now)

    def live(self, now: float) -> int:
        """How many access tokens are still valid."""
        return sum(expiry > now for expiry in self._access.values())


class NonceStore:
    """The nonces seen in the last ``window`` seconds."""

    def __init__(self, window: int) -> None:
        self.window = window
        self._seen: dict[str, float] = {}

    def seen(self, nonce: str, now: float) -> bool:
        """Whether ``nonce`` was used within the window (forgetting older ones)."""
        self._seen = {n: at for n, at in self._seen.items() if at > now - self.window}
        return nonce in self._seen

    def remember(self, nonce: str, now: float) -> None:
        """Record ``nonce`` as used at ``now``."""
        self._seen[nonce] = now


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else None


def _same(given: str, wanted: str) -> bool:
    return hmac.compare_digest(given.encode(), wanted.encode())


def grant_token(
    tokens: TokenStore,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    client_id: str,
    client_secret: str,
) -> tuple[dict[str, Any], bool]:
    """The token endpoint: (JSON answer, whether it was a refresh), or a :class:`Rejection`."""
    credentials = _basic_credentials(headers.get("Authorization"))
    if credentials is None or not (
        _same(credentials[0], client_id) & _same(credentials[1], client_secret)
    ):
        raise Rejection(
            401, "INVALID_CLIENT", "Basic authentication with the client id and secret is required"
        )
    content_type = headers.get("Content-Type", "").split(";")[0].strip().lower()
    try:
        grant = json.loads(body) if content_type == "application/json" else None
    except ValueError:
        grant = None
    if not isinstance(grant, dict):
        raise Rejection(400, "INVALID_REQUEST", "A JSON object body is required")
    kind = grant.get("grantType")
    if kind == "client_credentials":
        return tokens.issue(now), False
    if kind == "refresh_token":
        refresh = grant.get("refreshToken")
        if not isinstance(refresh, str):
            raise Rejection(400, "INVALID_REQUEST", "refreshToken is required")
        tokens.check_refresh(refresh, now)
        return tokens.issue(now), True
    raise Rejection(
        400, "UNSUPPORTED_GRANT_TYPE", "grantType must be client_credentials or refresh_token"
    )


def _signature_bytes(header: str | None) -> bytes:
    sign_type, _, encoded = (header or "").partition(" ")
    if sign_type != "sha256" or not encoded:
        raise _bad_signature("X-Signature must be 'sha256 <base64 signature>'")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise _bad_signature("X-Signature is not valid base64") from None


def _bad_signature(message: str) -> Rejection:
    return Rejection(401, "INVALID_REQUEST_SIGNATURE", message)


def verify_v3(
    request: V3Request,
    *,
    now: float,
    tokens: TokenStore,
    nonces: NonceStore,
    public_key: PublicKey,
    tolerance: int,
) -> None:
    """Accept a v3 call, or raise the :class:`Rejection` the vendor would send."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Rejection(401, "TOKEN_INVALID", "Authorization: Bearer <access token> is required")
    tokens.check_access(token, now)
    timestamp = request.headers.get("X-Timestamp") or ""
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(int(timestamp) - now) > tolerance:
        raise Rejection(
            400,
            "INVALID_TIMESTAMP",
            f"X-Timestamp must be unix seconds within {tolerance}s of the server",
        )
    nonce = request.headers.get("X-Nonce-Str") or ""
    if not nonce or any(char.isspace() for char in nonce):
        raise _bad_signature("X-Nonce-Str is required and may not contain spaces")
    signature = _signature_bytes(request.headers.get("X-Signature"))
    message = v3_string_to_sign(
        method=request.method, nonce=nonce, timestamp=timestamp, body=request.body, url=request.url
    )
    if not rsa_verify(public_key, signature, message.encode(), hash_name="sha256"):
        raise _bad_signature("X-Signature does not match the request received")
    if nonces.seen(nonce, now):
        raise _bad_signature(f"X-Nonce-Str was already used in the last {tolerance}s")
    nonces.remember(nonce, now)
