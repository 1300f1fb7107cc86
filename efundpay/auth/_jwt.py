"""``JWTAuth``: a JWT minted per attempt and sent as the v4 bearer token.

The shape is the one eFundPay's own Go SDK mints: header ``{"typ": "JWT", "alg": "RS512",
"kid": <key id>}`` (``ES256``/``ES512`` for P-256/P-521 keys), claims ``iss``, ``iat``,
``nbf = iat - 60``, ``exp = iat + 3600``, ``jti`` (a random UUID), ``scopes`` (the
operation's) and ``merchantId``.  Signed with PyJWT (the ``signing`` extra).
"""

from __future__ import annotations

import math
import operator
import threading
import types
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from .._errors import ConfigurationError
from .._keys import EXTRA_HINT, KeySource, load_private_key
from .._request import new_idempotency_key
from .._secret import Secret
from ._base import Auth, AuthRequest, Rejection
from ._bearer import require_text
from ._clock import Clock

if TYPE_CHECKING:
    from .._keys import PrivateKey

__all__ = ["JWTAuth", "require_jwt"]

# How far before ``iat`` a token is already valid: absorbs a server clock behind ours.
NOT_BEFORE_LEEWAY: Final = 60
DEFAULT_LIFETIME: Final = 3600
# How many of the JWTs minted last ``secrets()`` reports (those not yet expired): more than
# the attempts one client's default pool (100 connections) can have in flight, and a bound
# however long the process runs.  Any older one still echoed is caught by its shape
# (``_redact``).
RECENT_JWTS: Final = 256
_TOKEN: Final = operator.itemgetter(1)
_CURVES: Final = {"secp256r1": "ES256", "secp521r1": "ES512"}


def require_jwt(what: str) -> types.ModuleType:
    """PyJWT, or a ConfigurationError naming the ``signing`` extra."""
    try:
        import jwt  # noqa: PLC0415 - the signing extra is optional
    except ImportError:
        raise ConfigurationError(f"{what} needs the PyJWT package: {EXTRA_HINT}") from None
    return jwt


def algorithm_for(key: PrivateKey, what: str) -> str:
    """``RS512`` for RSA, ``ES256``/``ES512`` for P-256/P-521; other curves are refused."""
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415

    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return "RS512"
    algorithm = _CURVES.get(key.curve.name)
    if algorithm is None:
        raise ConfigurationError(
            f"{what}: an EC key on {key.curve.name} cannot sign eFundPay JWTs; use an RSA "
            "key, or an EC key on P-256 (ES256) or P-521 (ES512)"
        )
    return algorithm


def _positive_seconds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigurationError("JWTAuth lifetime must be a positive whole number of seconds")
    return value


class JWTAuth(Auth):
    """Sign each v4 attempt with a fresh JWT (``Authorization: Bearer <jwt>``).

    Args:
        key_id: the id eFundPay knows your public key by, sent as the ``kid`` header.
        private_key: PEM bytes or text, a path to a PEM file, or a loaded ``cryptography``
            RSA or EC (P-256, P-521) private key.
        issuer: the ``iss`` claim; default the call's merchant account id.
        lifetime: seconds until ``exp``; default 3600.
        clock: a function returning Unix time, for tests; default :func:`time.time`.

    A key that cannot sign raises :class:`~efundpay.ConfigurationError` here.  The token
    is new on every attempt (a new ``jti``), so a retry never reuses one.  The tokens
    minted lately are :meth:`secrets`: an error or log line that echoes one shows
    ``[REDACTED]`` instead.

    Example::

        auth = JWTAuth(key_id="key_1", private_key=Path("/run/secrets/efundpay.pem"))
        client = AsyncEFundPay(merchant_account_id="acct_1", auth=auth)
    """

    __slots__ = (
        "_algorithm",
        "_clock",
        "_issuer",
        "_jwt",
        "_key",
        "_lifetime",
        "_minted",
        "_minted_lock",
        "key_id",
    )

    def __init__(
        self,
        *,
        key_id: str,
        private_key: KeySource,
        issuer: str | None = None,
        lifetime: int = DEFAULT_LIFETIME,
        clock: Callable[[], float] | None = None,
    ) -> None:
        what = "JWTAuth private_key"
        self._key = load_private_key(private_key, what=what)
        del private_key  # PEM text, perhaps: no later raise may show it in this frame
        self._jwt = require_jwt("JWTAuth")
        self.key_id = require_text(key_id, "JWTAuth key_id")
        self._issuer = None if issuer is None else require_text(issuer, "JWTAuth issuer")
        self._lifetime = _positive_seconds(lifetime)
        self._algorithm = algorithm_for(self._key, what)
        self._clock = Clock(clock)
        # (expiry, token) of the JWTs minted last, oldest first, behind a lock: calls on
        # other threads mint while one reads them.
        self._minted: deque[tuple[float, Secret]] = deque(maxlen=RECENT_JWTS)
        self._minted_lock = threading.Lock()
        try:  # a key that cannot sign (too small for the algorithm, say) is told now
            self._jwt.encode({}, self._key, algorithm=self._algorithm)
        except Exception as exc:
            raise ConfigurationError(
                f"{what} cannot sign {self._algorithm} tokens: {type(exc).__name__}"
            ) from None

    @property
    def algorithm(self) -> str:
        """The JWS algorithm: ``RS512``, ``ES256`` or ``ES512``."""
        return self._algorithm

    def claims(self, request: AuthRequest) -> dict[str, object]:
        """The claims of the token for ``request`` (a new ``jti`` each time)."""
        if request.merchant_account_id is None:
            raise ConfigurationError("JWTAuth needs the call's merchant_account_id")
        issued = int(self._clock.time())
        return {
            "iss": self._issuer or request.merchant_account_id,
            "iat": issued,
            "nbf": issued - NOT_BEFORE_LEEWAY,
            "exp": issued + self._lifetime,
            "jti": new_idempotency_key(),  # a random UUID, made as every other one
            "scopes": list(request.scopes),
            "merchantId": request.merchant_account_id,
        }

    async def authenticate(self, request: AuthRequest) -> None:
        """Set ``Authorization: Bearer <a JWT minted for this attempt>``."""
        claims = self.claims(request)
        # Held as a Secret from the start: no local variable ever shows the token.
        token = Secret(
            self._jwt.encode(
                claims,
                self._key,
                algorithm=self._algorithm,
                headers={"typ": "JWT", "kid": self.key_id},
            )
        )
        expires = claims.get("exp")
        with self._minted_lock:
            self._minted.append((expires if isinstance(expires, int | float) else math.inf, token))
        request.headers["Authorization"] = "Bearer " + token.reveal()

    def secrets(self) -> tuple[Secret, ...]:
        """The JWTs minted lately that have not expired: any may be echoed in an answer.

        At most the last 256 minted, so the list is bounded however many calls are made;
        errors, log lines and the command line's output are cleaned of them.
        """
        now = self._clock.time()
        with self._minted_lock:
            minted = self._minted
            # Tokens expire in the order they were minted (one lifetime; a clock correction
            # can only keep one a little longer than needed, which is harmless).
            while minted and minted[0][0] <= now:
                minted.popleft()
            return tuple(map(_TOKEN, minted))  # in C: this runs for every attempt

    async def on_rejection(self, request: AuthRequest, rejection: Rejection) -> bool:
        """Resend once with a new token; a clock-skew rejection first corrects the clock."""
        if rejection.code == "INVALID_TIMESTAMP":
            self._clock.learn(rejection)
        return True

    def __repr__(self) -> str:
        # getattr: a traceback with locals shows ``self`` of an __init__ that failed midway
        key_id, algorithm = getattr(self, "key_id", None), getattr(self, "_algorithm", None)
        return f"JWTAuth(key_id={key_id!r}, algorithm={algorithm!r})"
