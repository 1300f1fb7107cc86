"""SignedRequestAuth reproduces the vendor's published signature byte for byte."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from efundpay import HTTPRequest, HTTPResponse, Timeout
from efundpay._canonical import canonical_json
from efundpay._secret import SecretHeaders
from efundpay.auth import AuthRequest, SignedRequestAuth

pytestmark = pytest.mark.anyio

# Published by the vendor (see its "source"): key, request, string to sign and signature.
VECTOR: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "rm-signature-vector.json").read_text(encoding="utf-8")
)


async def test_the_per_attempt_signature_matches_the_vendor_vector() -> None:
    token_requests: list[HTTPRequest] = []

    async def token_endpoint(request: HTTPRequest) -> HTTPResponse:
        token_requests.append(request)
        return HTTPResponse.from_json(
            200, {"accessToken": "at_vector", "tokenType": "Bearer", "expiresIn": 3600}
        )

    auth = SignedRequestAuth(
        client_id="vector",
        client_secret="vector-secret",
        private_key=VECTOR["private_key_pem"],  # PKCS#1 text, as published
        token_url="https://sb-oauth.revenuemonster.my/v1/token",
        nonce=lambda: VECTOR["nonce_str"],
        clock=lambda: float(VECTOR["timestamp"]),
    )
    body = canonical_json(VECTOR["body"])
    request = AuthRequest(
        method=VECTOR["method"].upper(),
        url=VECTOR["request_url"],
        content=body,
        headers=SecretHeaders({"Accept": "application/json"}),
        api="v3",
        merchant_account_id=None,
        scopes=(),
        sender=token_endpoint,
        timeout=Timeout(),
    )
    await auth.authenticate(request)

    assert request.headers["X-Signature"] == VECTOR["x_signature"]
    assert request.headers["X-Nonce-Str"] == VECTOR["nonce_str"]
    assert request.headers["X-Timestamp"] == VECTOR["timestamp"]
    assert request.headers["Authorization"] == "Bearer at_vector"
    assert VECTOR["string_to_sign"].startswith("data=" + base64.b64encode(body).decode())
    assert [r.url for r in token_requests] == ["https://sb-oauth.revenuemonster.my/v1/token"]
