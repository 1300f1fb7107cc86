"""The fake's request log keeps credentials for tests to read, but never shows them: no
``repr`` or ``str`` of a record, its headers or the whole log prints the API key, an access
or refresh token, a client secret, a JWT or a signature."""

from __future__ import annotations

import pprint
from collections.abc import Iterator

import jwt
import pytest

from efundpay import EFundPay
from efundpay.testing import FakeEFundPay, RecordedHeaders, RecordedRequest, StrictAuth
from tests.test_fake_strict_support import (
    VECTOR_KEY,
    VECTOR_PUBLIC_PEM,
    V3Call,
    basic,
    fetch_token,
    jwt_claims,
    token_reply,
    v4_headers,
)
from tests.test_fake_support import open_wire


def renderings(records: list[RecordedRequest]) -> Iterator[str]:
    """Every way a test, pytest or a logger might print the log."""
    yield repr(records)
    yield str(records)
    yield pprint.pformat(records)
    for record in records:
        yield repr(record)
        yield str(record)
        yield f"{record}"
        yield repr(record.headers)
        yield str(record.headers)


def test_the_api_key_never_shows_in_the_log_of_a_plain_fake() -> None:
    with FakeEFundPay(api_key="sk_test_do_not_print_me") as fake:
        with EFundPay(**fake.client_kwargs()) as client:
            client.subscriptions.pause("sub_1234567890abcdef")
            client.customers.toggle("cus_123")
        records = fake.requests

    for text in renderings(records):
        assert "do_not_print_me" not in text
    assert "[REDACTED]" in repr(records[0])
    assert "'x-merchant-account-id': 'acct_fake'" in repr(records[0].headers)
    # Still there for a test that needs to look.
    assert records[0].headers["Authorization"] == "Bearer sk_test_do_not_print_me"
    assert isinstance(records[0].headers, RecordedHeaders)
    assert records[0].headers.getall("authorization") == ["Bearer sk_test_do_not_print_me"]


@pytest.mark.anyio
async def test_tokens_secrets_jwts_and_signatures_never_show_in_a_strict_fakes_log() -> None:
    async with open_wire(strict_auth=StrictAuth(v3_public_key=VECTOR_PUBLIC_PEM)) as wire:
        fake = wire.fake
        granted = await token_reply(wire, {"grantType": "client_credentials"})
        refresh = granted.json["refreshToken"]
        await token_reply(wire, {"grantType": "refresh_token", "refreshToken": refresh})
        call = V3Call(token=await fetch_token(wire), key=VECTOR_KEY)
        signature = call.headers(fake.url)["X-Signature"].split(" ", 1)[1]
        assert (await call.send(wire)).status == 200
        token = jwt.encode(jwt_claims("acct_fake"), fake.jwt_private_key_pem, algorithm="RS512",
                           headers={"kid": fake.jwt_key_id})  # fmt: skip
        reply = await wire.status({"status": "paused"}, headers=v4_headers(token, "acct_fake"))
        assert reply.status == 200
        records = fake.requests
        secrets = {
            "access token": granted.json["accessToken"],
            "refresh token": refresh,
            "client secret": fake.v3_client_secret,
            "basic credentials": basic(fake.v3_client_id, fake.v3_client_secret).split()[1],
            "signature": signature,
            "signature start": signature[:24],
            "jwt": token,
            "jwt signature": token.rsplit(".", 1)[1],
            "call token": call.token or "",
        }

    for text in renderings(records):
        for name, value in secrets.items():
            assert value not in text, f"the {name} shows in the log"
    assert records[1].json["refreshToken"] == refresh  # kept, only not shown
    assert "'refreshToken': '[REDACTED]'" in repr(records[1])
    assert "'X-Nonce-Str': " + repr(call.nonce) in repr(records[3].headers)
