"""JWTAuth (v4): tokens decoded independently with PyJWT and the public key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import efundpay
from efundpay import ConfigurationError, HTTPRequest, HTTPResponse, MockTransport
from efundpay.auth import JWTAuth, Rejection
from tests.helpers import SEED_SUBSCRIPTION
from tests.signing_server import (
    KEY_ID,
    MERCHANT,
    SigningServer,
    jwt_auth,
    pem,
    rsa_key,
    serving,
    signing_client,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def server() -> Iterator[SigningServer]:
    with serving() as running:
        yield running


def bearer_of(request: HTTPRequest) -> str:
    return request.headers["Authorization"].removeprefix("Bearer ")


async def test_a_v4_call_carries_a_jwt_the_public_key_verifies(server: SigningServer) -> None:
    before = int(time.time())
    async with signing_client(server) as client:
        sub = await client.subscriptions.pause("sub_1")

    assert sub.status == "paused"
    [seen] = server.v4_requests
    assert seen["header"] == {"typ": "JWT", "alg": "RS512", "kid": KEY_ID}
    claims = seen["claims"]
    assert claims["iss"] == MERCHANT, "the issuer defaults to the merchant account"
    assert claims["merchantId"] == MERCHANT
    assert claims["scopes"] == ["subscriptions.write"]
    assert before <= claims["iat"] <= int(time.time())
    assert claims["nbf"] == claims["iat"] - 60
    assert claims["exp"] == claims["iat"] + 3600
    assert uuid.UUID(claims["jti"]).version == 4


async def test_the_issuer_can_be_set(server: SigningServer) -> None:
    async with signing_client(server, auth=jwt_auth(issuer="platform_9")) as client:
        await client.subscriptions.cancel("sub_1")
    assert server.v4_requests[0]["claims"]["iss"] == "platform_9"


async def test_every_attempt_has_a_new_jwt_with_a_new_jti(server: SigningServer) -> None:
    server.v4_faults.extend(["503", "503"])
    async with signing_client(server) as client:
        await client.subscriptions.resume("sub_1")

    assert [r["fresh_jti"] for r in server.v4_requests] == [True, True, True]
    assert len({r["claims"]["jti"] for r in server.v4_requests}) == 3


async def test_a_rejected_jwt_gets_one_resend_with_a_new_token_not_counted_as_a_retry(
    server: SigningServer,
) -> None:
    server.v4_faults.append("TOKEN_INVALID")
    async with signing_client(server, max_retries=0) as client:
        sub = await client.subscriptions.pause("sub_1")

    assert sub.status == "paused"
    assert len(server.v4_requests) == 2
    assert server.v4_requests[0]["claims"]["jti"] != server.v4_requests[1]["claims"]["jti"]


async def test_a_jwt_invalid_timestamp_corrects_iat_from_the_date_header() -> None:
    answers = iter(
        [
            HTTPResponse.from_json(
                401,
                {"code": "INVALID_TIMESTAMP"},
                {
                    "Date": time.strftime(
                        "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 600)
                    )
                },
            ),
            HTTPResponse.from_json(200, SEED_SUBSCRIPTION),
        ]
    )
    transport = MockTransport(lambda request: next(answers))
    client = efundpay.AsyncEFundPay(
        merchant_account_id=MERCHANT, auth=jwt_auth(), transport=transport
    )
    await client.subscriptions.pause("sub_1")

    first, second = (
        jwt.decode(bearer_of(r), options={"verify_signature": False}) for r in transport.requests
    )
    assert second["iat"] - first["iat"] >= 598


@pytest.mark.parametrize(
    ("curve", "algorithm"), [(ec.SECP256R1(), "ES256"), (ec.SECP521R1(), "ES512")]
)
async def test_ec_keys_sign_with_the_matching_algorithm(
    curve: ec.EllipticCurve, algorithm: str
) -> None:
    key = ec.generate_private_key(curve)
    transport = MockTransport(lambda request: HTTPResponse.from_json(200, SEED_SUBSCRIPTION))
    auth = JWTAuth(key_id="ec_1", private_key=pem(key, pkcs8=False))
    client = efundpay.AsyncEFundPay(
        merchant_account_id="acct_1", auth=auth, api_key="sk_test_x", transport=transport
    )
    await client.subscriptions.pause("sub_1")

    token = bearer_of(transport.requests[0])
    assert jwt.get_unverified_header(token) == {"typ": "JWT", "alg": algorithm, "kid": "ec_1"}
    claims = jwt.decode(token, key.public_key(), algorithms=[algorithm])
    assert claims["merchantId"] == "acct_1"
    assert auth.algorithm == algorithm


def test_other_curves_are_refused_clearly() -> None:
    with pytest.raises(ConfigurationError, match=r"secp384r1.*P-256 \(ES256\) or P-521"):
        JWTAuth(key_id="k", private_key=ec.generate_private_key(ec.SECP384R1()))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"not a key", "not a PEM private key"),
        (pem(rsa_key("jwt")).replace(b"PRIVATE", b"PUBLIC"), "not a PEM private key"),
        ("/nonexistent/key.pem", "cannot read the key file"),
        (ed25519.Ed25519PrivateKey.generate(), "an RSA or EC private key is needed"),
    ],
)
def test_a_key_that_cannot_sign_is_refused_at_construction(source: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        JWTAuth(key_id="k", private_key=source)


def test_a_key_file_path_is_read(tmp_path: Path) -> None:
    path = tmp_path / "jwt.pem"
    path.write_bytes(pem(rsa_key("jwt")))
    assert JWTAuth(key_id="k", private_key=path).algorithm == "RS512"
    assert JWTAuth(key_id="k", private_key=str(path)).algorithm == "RS512"


def test_the_repr_names_the_key_id_and_nothing_secret() -> None:
    assert repr(jwt_auth()) == "JWTAuth(key_id='key_live_1', algorithm='RS512')"


@pytest.mark.parametrize("name", ["Date", "date", "DATE"])
def test_a_rejection_reads_the_server_clock_from_date_in_any_case(name: str) -> None:
    rejection = Rejection(401, "INVALID_TIMESTAMP", {name: "Sun, 06 Nov 1994 08:49:37 GMT"})
    assert rejection.server_time == 784111777.0
    assert Rejection(401, None, {name: "yesterday"}).server_time is None
