"""Helpers for the ``test_fake_strict_*`` modules (named so to live among them; no tests here).

The requests are signed here, in the tests, with the vendor's algorithm written out from
its documentation (and checked against the vendor's published vector), with
``cryptography`` and PyJWT directly: nothing of the SDK or of the fake signs anything.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from yarl import URL

from tests.test_fake_support import CUS, SUB, Reply, Wire

#: The vendor's published signature example (Revenue Monster ``doc-v2``), copied verbatim.
VECTOR: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "rm-signature-vector.json").read_text()
)
_LOADED = serialization.load_pem_private_key(VECTOR["private_key_pem"].encode(), None)
assert isinstance(_LOADED, rsa.RSAPrivateKey)
VECTOR_KEY: rsa.RSAPrivateKey = _LOADED
VECTOR_PUBLIC_PEM = VECTOR_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)

TOGGLE_PATH = f"/v3/recurring-payment/{CUS}/toggle"
LEGACY_PATH = f"/v3/customer/{CUS}/status"
STATUS_PATH = f"/v4/subscriptions/{SUB}/status"


def vendor_signature(
    key: rsa.RSAPrivateKey, *, method: str, url: str, nonce: str, timestamp: str, body: bytes
) -> str:
    """``X-Signature`` as the vendor's signature-algorithm page describes it."""
    parts = [f"data={base64.b64encode(body).decode()}"] if body else []
    parts += [
        f"method={method.lower()}",
        f"nonceStr={nonce}",
        f"requestUrl={url}",
        "signType=sha256",
        f"timestamp={timestamp}",
    ]
    signature = key.sign("&".join(parts).encode(), padding.PKCS1v15(), hashes.SHA256())
    return "sha256 " + base64.b64encode(signature).decode()


@attrs.define
class V3Call:
    """One v3 request; any field can be made wrong on purpose before it is sent."""

    path: str = TOGGLE_PATH
    method: str = "POST"
    body: bytes = b""
    token: str | None = None
    nonce: str = attrs.field(factory=lambda: secrets.token_hex(16))
    timestamp: str = attrs.field(factory=lambda: str(int(time.time())))
    key: rsa.RSAPrivateKey = VECTOR_KEY
    # What the signature covers, when it should differ from what is sent.
    signed_url: str | None = None
    signed_method: str | None = None
    signed_body: bytes | None = None
    host: str | None = None
    extra_headers: Mapping[str, str] = attrs.field(factory=dict)

    def headers(self, base_url: str) -> dict[str, str]:
        """The headers of this call to a fake at ``base_url``."""
        url = self.signed_url or f"{base_url}{self.path}"
        signature = vendor_signature(
            self.key,
            method=self.signed_method or self.method,
            url=url,
            nonce=self.nonce,
            timestamp=self.timestamp,
            body=self.body if self.signed_body is None else self.signed_body,
        )
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-Signature": signature,
            "X-Nonce-Str": self.nonce,
            "X-Timestamp": self.timestamp,
        }
        if self.body:
            headers["Content-Type"] = "application/json"
        if self.host is not None:
            headers["Host"] = self.host
        return {**headers, **self.extra_headers}

    async def send(self, wire: Wire) -> Reply:
        """Send it to ``wire``'s fake."""
        base = f"http://{self.host}" if self.host else wire.fake.url
        return await wire.post(
            self.path, method=self.method, headers=self.headers(base), data=self.body or None
        )


def basic(client_id: str, secret: str) -> str:
    """An HTTP Basic ``Authorization`` value."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def token_reply(wire: Wire, grant: Any, *, authorization: str | None = None) -> Reply:
    """POST ``grant`` to the fake's ``/v1/token`` with its client credentials."""
    fake = wire.fake
    auth = authorization or basic(fake.v3_client_id, fake.v3_client_secret)
    return await wire.post(
        "/v1/token",
        headers={"Authorization": auth, "Content-Type": "application/json"},
        data=json.dumps(grant).encode(),
    )


async def fetch_token(wire: Wire) -> str:
    """A fresh access token for ``client_credentials``."""
    reply = await token_reply(wire, {"grantType": "client_credentials"})
    assert reply.status == 200, reply.body
    token: str = reply.json["accessToken"]
    return token


def jwt_claims(merchant: str, **changes: Any) -> dict[str, Any]:
    """The claims eFundPay's Go SDK puts in a v4 JWT; ``changes`` override or (``None``)
    remove them."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "efundpay-tests",
        "iat": now,
        "nbf": now - 60,
        "exp": now + 3600,
        "jti": str(uuid.uuid4()),
        "scopes": ["subscriptions.write"],
        "merchantId": merchant,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def v4_headers(token: str, merchant: str) -> dict[str, str]:
    """The headers of a v4 status change carrying ``token``."""
    return {"Authorization": f"Bearer {token}", "x-merchant-account-id": merchant}


def full_url(wire: Wire, path: str) -> URL:
    """The URL of ``path`` on ``wire``'s fake."""
    return URL(wire.fake.url + path, encoded=True)
