"""How ``efundpay demo`` authenticates: as the real services require, when it can.

With the ``signing`` extra installed, the demo's fake checks credentials strictly
(``FakeEFundPay(strict_auth=True)``): the toggle is a signed v3 call (an OAuth2 access token
fetched once, then ``X-Signature`` over every request) and the status changes carry a JWT
made per attempt.  Without the extra, the fake accepts the API key as a bearer token and the
demo says how to see the rest.  Nothing secret is shown: the JWT's header and claims are
printed without its signature (the part that makes it a credential).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Final

from .. import HTTPRequest, HTTPResponse, Transport
from ..auth import JWTAuth, SignedRequestAuth
from ..testing import FakeEFundPay

__all__ = ["SIGNING_HINT", "JWTPeek", "signing_available", "signing_kwargs"]

SIGNING_HINT: Final = (
    'Signed v3 calls and v4 JWTs are shown with the signing extra: pip install "efundpay[signing]"'
)


def signing_available() -> bool:
    """Whether the ``signing`` extra (cryptography and PyJWT) can be imported."""
    try:
        import cryptography  # noqa: F401, PLC0415
        import jwt  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def signing_kwargs(fake: FakeEFundPay) -> dict[str, Any]:
    """Client keywords that authenticate to a strict ``fake`` as the real services require."""
    return {
        "merchant_account_id": fake.merchant_account_id,
        "base_url": fake.url,
        "auth": JWTAuth(key_id=fake.jwt_key_id, private_key=fake.jwt_private_key_pem),
        "v3_auth": SignedRequestAuth(
            client_id=fake.v3_client_id,
            client_secret=fake.v3_client_secret,
            private_key=fake.v3_private_key_pem,
            token_url=fake.token_url,
        ),
    }


def _segment(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


class JWTPeek:
    """A transport that notes the header and claims of the first v4 JWT it carries."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.header: dict[str, Any] | None = None
        self.claims: dict[str, Any] | None = None

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request``; the first time a v4 call goes out, keep its JWT's readable parts."""
        authorization = request.headers.get("authorization", "")
        if self.header is None and "/v4/" in request.url and authorization.count(".") == 2:
            header, claims, _signature = authorization.removeprefix("Bearer ").split(".")
            self.header, self.claims = _segment(header), _segment(claims)
        return await self.inner.handle_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()
