"""How calls authenticate: the :class:`Auth` seam and its three implementations.

- :class:`BearerAuth`: the API key as ``Authorization: Bearer <key>`` (the default).
- :class:`JWTAuth`: a JWT signed with your private key, new on every attempt (v4).
- :class:`SignedRequestAuth`: an OAuth2 access token plus an RSA signature of every
  request (v3).

``JWTAuth`` and ``SignedRequestAuth`` need the ``signing`` extra
(``pip install "efundpay[signing]"``).  Subclass :class:`Auth` to sign elsewhere (a KMS, an
HSM, a vault).  See the authentication guide in the docs.
"""

from ._base import REJECTION_CODES, Auth, AuthRequest, Rejection
from ._bearer import BearerAuth
from ._jwt import JWTAuth
from ._signed import SignedRequestAuth

__all__ = [
    "REJECTION_CODES",
    "Auth",
    "AuthRequest",
    "BearerAuth",
    "JWTAuth",
    "Rejection",
    "SignedRequestAuth",
]
