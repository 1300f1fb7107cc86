"""Strict authentication: the fake checks credentials the way eFundPay's vendors document.

Off by default (a plain fake accepts ``Authorization: Bearer <api_key>``).  With
``FakeEFundPay(strict_auth=True)`` or ``strict_auth=StrictAuth(...)``:

- v3 (the toggle, on both of its routes) needs an access token from the fake's
  ``POST /v1/token`` and the vendor's request signature (``X-Signature``, ``X-Nonce-Str``,
  ``X-Timestamp``), checked against the bytes received (see ``_auth_v3``);
- v4 (status changes) needs a JWT signed by a registered key (see ``_auth_v4``).

:class:`StrictAuthState` is the running part: the fake's clock (skewable), the tokens,
nonces and JWT ids it has seen, and the counters a test reads as :class:`AuthStats`.  Every
check is synchronous and takes the state's lock, so the handler's loop thread and a test's
thread can share it.
"""

from __future__ import annotations

import email.utils
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from .._keys import KeySource
from ._auth_v3 import NonceStore, TokenStore, V3Request, grant_token, verify_v3
from ._auth_v4 import JWTVerifier
from ._keys import KeyPair, key_pair
from ._records import Rejection
from ._wire import CUSTOMERS_TOGGLE, OAUTH_TOKEN

__all__ = ["AuthStats", "StrictAuth", "StrictAuthState"]

T = TypeVar("T")


_POSITIVE = attrs.validators.gt(0)


def _secret_factory() -> str:
    return "fake_secret_" + secrets.token_hex(16)


@attrs.frozen(kw_only=True)
class StrictAuth:
    """Settings of the fake's strict authentication; every one has a sensible default.

    v3 (signed requests): ``v3_client_id`` and ``v3_client_secret`` are what
    ``POST /v1/token`` accepts in its Basic ``Authorization``; the merchant's signing key is
    ``v3_private_key`` (PEM bytes/str, a path, or a key object) or, when the test keeps the
    private half to itself, ``v3_public_key``; with neither, the fake makes an RSA 2048 key.
    ``token_expires_in`` / ``refresh_token_expires_in`` are the lifetimes it grants, in
    seconds; ``tolerance`` is how far ``X-Timestamp`` may be from the fake's clock, and how
    long an ``X-Nonce-Str`` is remembered (120 s, as the vendor documents).

    v4 (JWTs): ``jwt_key_id`` names the key in the JWT header's ``kid``; its key is
    ``jwt_private_key`` or ``jwt_public_key`` (an RSA key made when neither is given).  More
    keys (EC too) can be added with ``FakeEFundPay.add_jwt_key``.  ``jwt_leeway`` is the
    clock tolerance on ``exp``/``nbf``/``iat``.  ``accept_api_key=True`` also takes the plain
    secret key as the bearer token, the docs' other reading of v4 authentication.

    Example::

        FakeEFundPay(strict_auth=StrictAuth(token_expires_in=60, accept_api_key=True))
    """

    v3_client_id: str = "fake_client_id"
    v3_client_secret: str = attrs.field(factory=_secret_factory, repr=False)
    v3_private_key: KeySource | None = attrs.field(default=None, repr=False)
    v3_public_key: KeySource | None = attrs.field(default=None, repr=False)
    token_expires_in: int = attrs.field(default=7200, validator=_POSITIVE)
    refresh_token_expires_in: int = attrs.field(default=30 * 24 * 3600, validator=_POSITIVE)
    tolerance: int = attrs.field(default=120, validator=_POSITIVE)
    jwt_key_id: str = "fake_jwt_key_1"
    jwt_private_key: KeySource | None = attrs.field(default=None, repr=False)
    jwt_public_key: KeySource | None = attrs.field(default=None, repr=False)
    jwt_leeway: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    accept_api_key: bool = False


@attrs.frozen
class AuthStats:
    """What strict authentication has done so far (a snapshot).

    ``token_fetches`` counts tokens granted for ``client_credentials``, ``token_refreshes``
    those granted for a ``refresh_token``; ``rejections`` counts refused requests by error
    code (``TOKEN_EXPIRED``, ``INVALID_REQUEST_SIGNATURE``, ``token_reused``…), on every
    route including ``/v1/token``.

    Example::

        assert fake.auth_stats.token_fetches == 1
        assert fake.auth_stats.rejections == {"TOKEN_EXPIRED": 1}
    """

    token_fetches: int
    token_refreshes: int
    rejections: Mapping[str, int]


class StrictAuthState:
    """The running checks of one strict fake; see the module docstring."""

    def __init__(self, settings: StrictAuth, *, api_key: str) -> None:
        self.settings = settings
        self.v3_keys: KeyPair = key_pair(
            settings.v3_private_key, settings.v3_public_key, what="StrictAuth v3 key"
        )
        jwt_keys = key_pair(
            settings.jwt_private_key, settings.jwt_public_key, what="StrictAuth JWT key"
        )
        self.jwt_private_pem = jwt_keys.private_pem
        self.clock_skew = 0.0
        self.lock = threading.Lock()
        self.tokens = TokenStore(
            expires_in=settings.token_expires_in,
            refresh_expires_in=settings.refresh_token_expires_in,
        )
        self._nonces = NonceStore(settings.tolerance)
        self.jwt = JWTVerifier(
            leeway=settings.jwt_leeway, api_key=api_key, accept_api_key=settings.accept_api_key
        )
        self.jwt.add_key(settings.jwt_key_id, jwt_keys.public_key)
        self._fetches = 0
        self._refreshes = 0
        self._rejections: Counter[str] = Counter()

    def now(self) -> float:
        """The fake's clock: real time plus :attr:`clock_skew` seconds."""
        return time.time() + self.clock_skew

    def date_header(self) -> str:
        """An HTTP ``Date`` for the fake's clock, so a client can measure the skew."""
        return email.utils.formatdate(self.now(), usegmt=True)

    def stats(self) -> AuthStats:
        """A snapshot of the counters."""
        with self.lock:
            return AuthStats(self._fetches, self._refreshes, dict(self._rejections))

    def _checked(self, check: Callable[[float], T]) -> T:
        # One lock for every check: the order of nonces, JWT ids and tokens is the order
        # the checks ran in, and a rejection is counted with the decision that made it.
        with self.lock:
            try:
                return check(self.now())
            except Rejection as rejection:
                self._rejections[rejection.code] += 1
                raise

    def token(self, headers: Mapping[str, str], body: bytes) -> dict[str, object]:
        """Answer ``POST /v1/token``: the grant's JSON, or a :class:`Rejection`."""

        def check(now: float) -> dict[str, object]:
            answer, refreshed = grant_token(
                self.tokens,
                headers,
                body,
                now=now,
                client_id=self.settings.v3_client_id,
                client_secret=self.settings.v3_client_secret,
            )
            if refreshed:
                self._refreshes += 1
            else:
                self._fetches += 1
            return answer

        return self._checked(check)

    def authenticate(self, operation: str | None, request: V3Request) -> dict[str, object] | None:
        """Check a request to ``operation``: the token endpoint's answer for ``/v1/token``,
        ``None`` for an accepted call, or a :class:`Rejection`."""
        if operation == OAUTH_TOKEN:
            return self.token(request.headers, request.body)
        if operation == CUSTOMERS_TOGGLE:
            self.check_v3(request)
        else:
            headers = request.headers
            self.check_v4(headers.get("Authorization"), headers.get("x-merchant-account-id"))
        return None

    def check_v3(self, request: V3Request) -> None:
        """Accept a v3 call or raise the vendor's :class:`Rejection`."""
        self._checked(
            lambda now: verify_v3(
                request,
                now=now,
                tokens=self.tokens,
                nonces=self._nonces,
                public_key=self.v3_keys.public_key,
                tolerance=self.settings.tolerance,
            )
        )

    def check_v4(self, authorization: str | None, merchant: str | None) -> None:
        """Accept a v4 call's bearer credential or raise a :class:`Rejection`."""
        self._checked(lambda now: self.jwt.verify(authorization, merchant, now=now))
