"""Strict v4 authentication: a JWT per request, minted here with PyJWT as eFundPay's Go SDK
does, verified by the fake against the keys registered under each ``kid``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from efundpay.testing import StrictAuth
from tests.test_fake_strict_support import jwt_claims, v4_headers
from tests.test_fake_support import SUB, Reply, Wire, open_wire

pytestmark = pytest.mark.anyio

PAUSE = {"status": "paused"}
OTHER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    # Keys made once for the module: making two RSA keys per test costs most of its time.
    async with open_wire(
        strict_auth=StrictAuth(jwt_private_key=JWT_KEY, v3_private_key=JWT_KEY)
    ) as wire:
        yield wire


async def test_a_strict_fake_makes_its_own_keys_when_given_none() -> None:
    async with open_wire(strict_auth=True) as wire:
        reply = await pause(wire, mint(wire))
        assert reply.status == 200
        assert wire.fake.jwt_private_key_pem != wire.fake.v3_private_key_pem


def mint(wire: Wire, *, key: Any = None, kid: str | None = None, alg: str = "RS512",
         **claims: Any) -> str:  # fmt: skip
    """A JWT as eFundPay's Go SDK makes it, signed with the fake's key unless told."""
    fake = wire.fake
    return jwt.encode(
        jwt_claims(fake.merchant_account_id, **claims),
        key if key is not None else fake.jwt_private_key_pem,
        algorithm=alg,
        headers={"kid": kid or fake.jwt_key_id, "typ": "JWT"},
    )


async def pause(wire: Wire, token: str, merchant: str | None = None) -> Reply:
    merchant = merchant or wire.fake.merchant_account_id
    return await wire.status(PAUSE, headers=v4_headers(token, merchant))


async def test_a_jwt_shaped_like_the_go_sdks_is_accepted(wire: Wire) -> None:
    reply = await pause(wire, mint(wire))

    assert reply.status == 200, reply.body
    assert wire.fake.subscription(SUB).status == "paused"
    assert wire.fake.auth_stats.rejections == {}


@pytest.mark.parametrize(("curve", "alg"), [(ec.SECP256R1(), "ES256"), (ec.SECP521R1(), "ES512")])
async def test_ecdsa_keys_registered_by_kid_are_accepted(
    wire: Wire, curve: ec.EllipticCurve, alg: str
) -> None:
    key = ec.generate_private_key(curve)
    wire.fake.add_jwt_key("ec-key", key.public_key())

    reply = await pause(wire, mint(wire, key=key, kid="ec-key", alg=alg))
    assert reply.status == 200, reply.body


async def test_the_fakes_own_key_decodes_with_pyjwt_independently(wire: Wire) -> None:
    # The PEM the fake hands out is a real RSA key whose tokens PyJWT verifies on its own.
    private = load_pem_private_key(wire.fake.jwt_private_key_pem, None)
    assert isinstance(private, rsa.RSAPrivateKey)
    token = mint(wire)
    assert jwt.decode(token, private.public_key(), algorithms=["RS512"])["jti"]


def _now() -> int:
    return int(time.time())


REJECTIONS: dict[str, tuple[dict[str, Any], int, str]] = {
    "unknown kid": ({"kid": "nobody"}, 401, "unknown_key_id"),
    "another key under the kid": ({"key": OTHER_RSA}, 401, "invalid_signature"),
    "RS256 with an RSA key": ({"alg": "RS256"}, 401, "invalid_token"),
    "HS256 with a shared secret": ({"alg": "HS256", "key": "x" * 32}, 401, "invalid_token"),
    "expired": ({"exp": _now() - 120, "iat": _now() - 3720, "nbf": _now() - 3780}, 401,
                "token_expired"),
    "not valid yet": ({"nbf": _now() + 600}, 401, "token_not_yet_valid"),
    "issued in the future": ({"iat": _now() + 600}, 401, "token_not_yet_valid"),
    "no jti": ({"jti": None}, 401, "missing_claim"),
    "no iat": ({"iat": None}, 401, "missing_claim"),
    "no nbf": ({"nbf": None}, 401, "missing_claim"),
    "no exp": ({"exp": None}, 401, "missing_claim"),
    "no merchantId": ({"merchantId": None}, 401, "missing_claim"),
    "no scopes": ({"scopes": None}, 403, "insufficient_scope"),
    "another scope": ({"scopes": ["subscriptions.read"]}, 403, "insufficient_scope"),
    "scopes as a string": ({"scopes": "subscriptions.write"}, 403, "insufficient_scope"),
    "another merchant": ({"merchantId": "acct_other"}, 403, "merchant_mismatch"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(REJECTIONS))
async def test_a_jwt_failing_a_check_is_refused_and_nothing_applied(wire: Wire, name: str) -> None:
    changes, status, code = REJECTIONS[name]
    reply = await pause(wire, mint(wire, **changes))

    assert (reply.status, reply.json["error"]["code"]) == (status, code)
    assert wire.fake.subscription(SUB).history == ()
    assert wire.fake.auth_stats.rejections == {code: 1}
    assert wire.fake.requests[-1].applied is False


@pytest.mark.parametrize(
    "authorization", ["Bearer not.a.jwt", "Bearer sk_test_fake", "Basic eDp5", ""]
)
async def test_a_bearer_that_is_not_a_jwt_is_refused(wire: Wire, authorization: str) -> None:
    headers = {"Authorization": authorization, "x-merchant-account-id": "acct_fake"}
    reply = await wire.status(PAUSE, headers=headers)

    assert reply.status == 401
    assert reply.json["error"]["code"] in ("invalid_token", "unauthorized")
    assert wire.fake.subscription(SUB).history == ()


async def test_an_unsigned_alg_none_jwt_is_refused(wire: Wire) -> None:
    unsigned: Any = None  # PyJWT's types want a key; "none" is the point of this test
    token = jwt.encode(
        jwt_claims("acct_fake"), unsigned, algorithm="none", headers={"kid": wire.fake.jwt_key_id}
    )
    reply = await pause(wire, token)
    assert (reply.status, reply.json["error"]["code"]) == (401, "invalid_token")


async def test_a_reused_jti_is_refused_and_not_applied(wire: Wire) -> None:
    token = mint(wire)
    assert (await pause(wire, token)).status == 200
    resume = await wire.status({"status": "active"}, headers=v4_headers(token, "acct_fake"))

    assert (resume.status, resume.json["error"]["code"]) == (401, "token_reused")
    assert wire.fake.subscription(SUB).status == "paused"


async def test_a_merchant_header_unlike_the_claim_is_refused(wire: Wire) -> None:
    reply = await pause(wire, mint(wire), merchant="acct_other")
    assert (reply.status, reply.json["error"]["code"]) == (403, "merchant_mismatch")


async def test_expiry_within_the_leeway_is_accepted(wire: Wire) -> None:
    reply = await pause(wire, mint(wire, exp=_now() - 10, iat=_now() - 70, nbf=_now() - 130))
    assert reply.status == 200, reply.body


async def test_jwt_lifetimes_are_checked_on_the_fakes_skewed_clock(wire: Wire) -> None:
    wire.fake.clock_skew = 3700
    reply = await pause(wire, mint(wire))
    assert (reply.status, reply.json["error"]["code"]) == (401, "token_expired")
    assert "Date" in reply.headers


async def test_the_plain_secret_key_is_accepted_only_when_switched_on() -> None:
    async with open_wire(strict_auth=StrictAuth(accept_api_key=True)) as wire:
        by_key = await wire.status(PAUSE, headers=v4_headers("sk_test_fake", "acct_fake"))
        by_jwt = await wire.status(
            {"status": "active"}, headers=v4_headers(mint(wire), "acct_fake")
        )
    assert (by_key.status, by_jwt.status) == (200, 200)
