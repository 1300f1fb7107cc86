"""v4 authentication: a JWT per request, verified with PyJWT against registered keys.

eFundPay's own SDK signs ``{"typ": "JWT", "alg": "RS512", "kid": …}`` with claims ``iss``,
``iat``, ``nbf``, ``exp``, ``jti``, ``scopes`` and ``merchantId``; its docs accept ECDSA keys
too.  The fake requires, in this order (each failure is the v4 error it names):

- a ``kid`` it knows (401 ``unknown_key_id``), an algorithm that fits the key — ``RS512``
  for RSA, ``ES256``/``ES512`` for EC — and a valid signature (401 ``invalid_signature``;
  anything unreadable is 401 ``invalid_token``);
- ``iat``, ``nbf``, ``exp``, ``jti`` and ``merchantId`` present (401 ``missing_claim``);
- ``exp`` not past and ``nbf``/``iat`` not in the future, on the fake's clock give or take
  the leeway (401 ``token_expired`` / ``token_not_yet_valid``);
- ``scopes`` containing ``subscriptions.write`` (403 ``insufficient_scope``);
- ``merchantId`` equal to the ``x-merchant-account-id`` header (403 ``merchant_mismatch``);
- a ``jti`` not seen before while that token could be valid (401 ``token_reused``).

With ``accept_api_key`` the plain secret key is accepted as the bearer token as well.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._records import Rejection

if TYPE_CHECKING:
    from .._keys import PublicKey

__all__ = ["REQUIRED_SCOPE", "JWTVerifier"]

REQUIRED_SCOPE: Final = "subscriptions.write"
_REQUIRED: Final = ("iat", "nbf", "exp", "jti", "merchantId")


def _unauthorized(code: str, message: str) -> Rejection:
    return Rejection(401, code, message)


class JWTVerifier:
    """Registered public keys by ``kid``, the JWT ids seen, and the checks above.

    Not locked itself: :class:`~._strict.StrictAuthState` holds its lock around every use.
    """

    def __init__(self, *, leeway: float, api_key: str, accept_api_key: bool) -> None:
        self.leeway = leeway
        self._api_key = api_key
        self.accept_api_key = accept_api_key
        self._keys: dict[str, PublicKey] = {}
        self._seen: dict[str, float] = {}

    def add_key(self, key_id: str, public_key: PublicKey) -> None:
        """Accept JWTs whose ``kid`` is ``key_id``, verified with ``public_key``."""
        self._keys[key_id] = public_key

    def _algorithms(self, key: PublicKey) -> list[str]:
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

        return ["RS512"] if isinstance(key, rsa.RSAPublicKey) else ["ES256", "ES512"]

    def verify(self, authorization: str | None, merchant: str | None, *, now: float) -> None:
        """Accept the ``Authorization`` of a v4 call or raise a :class:`Rejection`."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("unauthorized", "Authorization: Bearer <JWT> is required")
        if self.accept_api_key and hmac.compare_digest(token.encode(), self._api_key.encode()):
            return
        claims = self._decode(token)
        self._check_times(claims, now)
        scopes = claims.get("scopes")
        if not isinstance(scopes, list) or REQUIRED_SCOPE not in scopes:
            raise Rejection(403, "insufficient_scope", f"The JWT lacks the {REQUIRED_SCOPE} scope")
        claimed = claims["merchantId"]
        if merchant is not None and not (
            isinstance(claimed, str) and hmac.compare_digest(claimed.encode(), merchant.encode())
        ):
            raise Rejection(
                403, "merchant_mismatch", "merchantId does not match x-merchant-account-id"
            )
        jti = claims["jti"]
        self._seen = {seen: until for seen, until in self._seen.items() if until > now}
        if not isinstance(jti, str) or jti in self._seen:
            raise _unauthorized("token_reused", "This jti was already used")
        self._seen[jti] = float(claims["exp"]) + self.leeway

    def _decode(self, token: str) -> Mapping[str, Any]:
        import jwt  # noqa: PLC0415  (the signing extra; strict fakes only)

        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise _unauthorized("invalid_token", "The bearer token is not a JWT") from None
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise _unauthorized("unknown_key_id", "The JWT's kid names no registered key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self._algorithms(key),
                # Times are checked on the fake's (skewable) clock, below.
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": list(_REQUIRED),
                },
            )
        except jwt.MissingRequiredClaimError as exc:
            raise _unauthorized("missing_claim", f"The JWT lacks the {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise _unauthorized("invalid_signature", "The JWT signature does not verify") from None
        except jwt.InvalidTokenError as exc:
            # The message names the failed check (algorithm, format), never the token.
            raise _unauthorized("invalid_token", f"The JWT is not acceptable: {exc}") from None
        return claims

    def _check_times(self, claims: Mapping[str, Any], now: float) -> None:
        times = {name: claims[name] for name in ("iat", "nbf", "exp")}
        for name, value in times.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _unauthorized("invalid_token", f"The {name!r} claim must be a number")
        if times["exp"] <= now - self.leeway:
            raise _unauthorized("token_expired", "The JWT has expired")
        if times["nbf"] > now + self.leeway or times["iat"] > now + self.leeway:
            raise _unauthorized("token_not_yet_valid", "The JWT is not valid yet (nbf/iat)")
