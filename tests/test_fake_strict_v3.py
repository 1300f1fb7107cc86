"""Strict v3 authentication: tokens from ``/v1/token`` and the vendor's request signature.

Requests are signed in the tests with the vendor's published key, by the vendor's algorithm
(checked against the published vector first); the fake knows only the public half.
"""

from __future__ import annotations

import base64
import email.utils
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from efundpay.testing import FakeEFundPay, StrictAuth
from tests.test_fake_strict_support import (
    LEGACY_PATH,
    VECTOR,
    VECTOR_KEY,
    VECTOR_PUBLIC_PEM,
    V3Call,
    basic,
    fetch_token,
    token_reply,
    vendor_signature,
)
from tests.test_fake_support import CUS, Wire, open_wire

pytestmark = pytest.mark.anyio

OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    settings = StrictAuth(v3_public_key=VECTOR_PUBLIC_PEM, jwt_public_key=VECTOR_PUBLIC_PEM)
    async with open_wire(strict_auth=settings) as wire:
        yield wire


def test_the_tests_signer_reproduces_the_vendors_published_vector() -> None:
    data = VECTOR["string_to_sign"].split("&", 1)[0].removeprefix("data=")
    signature = vendor_signature(
        VECTOR_KEY,
        method=VECTOR["method"],
        url=VECTOR["request_url"],
        nonce=VECTOR["nonce_str"],
        timestamp=VECTOR["timestamp"],
        body=base64.b64decode(data),
    )
    assert signature == VECTOR["x_signature"]


async def test_token_endpoint_grants_client_credentials_with_every_documented_field(
    wire: Wire,
) -> None:
    wire.fake.token_expires_in = 60
    reply = await token_reply(wire, {"grantType": "client_credentials"})

    assert reply.status == 200
    assert set(reply.json) == {
        "accessToken", "tokenType", "expiresIn", "refreshToken", "refreshTokenExpiresIn",
    }  # fmt: skip
    assert (reply.json["tokenType"], reply.json["expiresIn"]) == ("Bearer", 60)
    assert reply.json["refreshTokenExpiresIn"] == 30 * 24 * 3600
    assert wire.fake.auth_stats.token_fetches == 1
    assert wire.fake.requests[0].operation == "oauth.token"
    assert wire.fake.requests[0].applied is False


@pytest.mark.parametrize(
    "authorization",
    [None, basic("fake_client_id", "wrong"), basic("someone", "x"), "Bearer x", "Basic %%%"],
)
async def test_token_endpoint_refuses_wrong_client_credentials(
    wire: Wire, authorization: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    reply = await wire.post(
        "/v1/token", headers=headers, data=b'{"grantType":"client_credentials"}'
    )

    assert (reply.status, reply.json["code"]) == (401, "INVALID_CLIENT")
    assert reply.json["item"] is None
    assert wire.fake.auth_stats.token_fetches == 0
    assert wire.fake.auth_stats.rejections == {"INVALID_CLIENT": 1}


async def test_refresh_grant_issues_a_new_token_and_counts_as_a_refresh(wire: Wire) -> None:
    first = await token_reply(wire, {"grantType": "client_credentials"})
    refreshed = await token_reply(
        wire, {"grantType": "refresh_token", "refreshToken": first.json["refreshToken"]}
    )

    assert refreshed.status == 200
    assert refreshed.json["accessToken"] != first.json["accessToken"]
    call = V3Call(token=refreshed.json["accessToken"])
    assert (await call.send(wire)).status == 200
    stats = wire.fake.auth_stats
    assert (stats.token_fetches, stats.token_refreshes) == (1, 1)


@pytest.mark.parametrize(
    ("grant", "status", "code"),
    [
        ({"grantType": "refresh_token", "refreshToken": "frt_unknown"}, 401, "TOKEN_INVALID"),
        ({"grantType": "refresh_token"}, 400, "INVALID_REQUEST"),
        ({"grantType": "password"}, 400, "UNSUPPORTED_GRANT_TYPE"),
        (["client_credentials"], 400, "INVALID_REQUEST"),
    ],
)
async def test_token_endpoint_refuses_bad_grants(
    wire: Wire, grant: object, status: int, code: str
) -> None:
    reply = await token_reply(wire, grant)
    assert (reply.status, reply.json["code"]) == (status, code)


async def test_revoked_refresh_tokens_are_refused(wire: Wire) -> None:
    first = await token_reply(wire, {"grantType": "client_credentials"})
    wire.fake.revoke_tokens()
    reply = await token_reply(
        wire, {"grantType": "refresh_token", "refreshToken": first.json["refreshToken"]}
    )
    assert (reply.status, reply.json["code"]) == (401, "TOKEN_INVALID")


@pytest.mark.parametrize(("path", "method"), [(None, "POST"), (LEGACY_PATH, "PUT")])
async def test_a_correctly_signed_toggle_is_applied_on_both_routes(
    wire: Wire, path: str | None, method: str
) -> None:
    call = V3Call(token=await fetch_token(wire), method=method)
    if path is not None:
        call.path = path
    reply = await call.send(wire)

    assert reply.status == 200, reply.body
    assert reply.json["item"]["isActive"] is False
    assert wire.fake.customer(CUS).toggle_count == 1
    assert wire.fake.auth_stats.rejections == {}


async def test_a_signed_body_is_verified_over_the_bytes_received(wire: Wire) -> None:
    body = b'{"note":"caf\xc3\xa9 \\u003cb\\u003e"}'
    call = V3Call(token=await fetch_token(wire), path=LEGACY_PATH, method="PUT", body=body)
    assert (await call.send(wire)).status == 200
    assert wire.fake.requests[-1].body == body


async def test_the_url_signed_is_the_one_the_client_addressed_through_the_host_header(
    wire: Wire,
) -> None:
    token = await fetch_token(wire)
    # Sent to 127.0.0.1, addressed (Host header) and signed as another host and port.
    addressed = V3Call(token=token, host="api.efundpay.test:8443")
    assert (await addressed.send(wire)).status == 200

    actual_socket = V3Call(token=token, host="api.efundpay.test:8443")
    actual_socket.signed_url = f"{wire.fake.url}{actual_socket.path}"
    reply = await actual_socket.send(wire)
    assert (reply.status, reply.json["code"]) == (401, "INVALID_REQUEST_SIGNATURE")


def _tampered_body(call: V3Call) -> None:
    call.path, call.method, call.body = LEGACY_PATH, "PUT", b'{"a":1}'
    call.signed_body = b'{"a":2}'


def _stale(seconds: int) -> Callable[[V3Call], None]:
    def change(call: V3Call) -> None:
        call.timestamp = str(int(time.time()) + seconds)

    return change


TAMPERINGS: dict[str, tuple[Callable[[V3Call], None], int, str]] = {
    "tampered body": (_tampered_body, 401, "INVALID_REQUEST_SIGNATURE"),
    "tampered url": (
        lambda call: setattr(call, "signed_url", "http://127.0.0.1:1/v3/recurring-payment/x/toggle"),
        401,
        "INVALID_REQUEST_SIGNATURE",
    ),
    "tampered method": (lambda call: setattr(call, "signed_method", "PUT"), 401,
                        "INVALID_REQUEST_SIGNATURE"),
    "another key": (lambda call: setattr(call, "key", OTHER_KEY), 401,
                    "INVALID_REQUEST_SIGNATURE"),
    "no signature": (lambda call: setattr(call, "extra_headers", {"X-Signature": ""}), 401,
                     "INVALID_REQUEST_SIGNATURE"),
    "sha1 sign type": (
        lambda call: setattr(call, "extra_headers", {"X-Signature": "sha1 AAAA"}),
        401,
        "INVALID_REQUEST_SIGNATURE",
    ),
    "nonce with a space": (lambda call: setattr(call, "nonce", "a b"), 401,
                           "INVALID_REQUEST_SIGNATURE"),
    "timestamp 121 s old": (_stale(-121), 400, "INVALID_TIMESTAMP"),
    "timestamp 121 s ahead": (_stale(121), 400, "INVALID_TIMESTAMP"),
    "timestamp in ms": (lambda call: setattr(call, "timestamp", call.timestamp + "000"), 400,
                        "INVALID_TIMESTAMP"),
    "unknown token": (lambda call: setattr(call, "token", "fat_unknown"), 401, "TOKEN_INVALID"),
    "the api key as token": (lambda call: setattr(call, "token", "sk_test_fake"), 401,
                             "TOKEN_INVALID"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(TAMPERINGS))
async def test_a_request_that_fails_a_check_is_refused_and_not_applied(
    wire: Wire, name: str
) -> None:
    tamper, status, code = TAMPERINGS[name]
    call = V3Call(token=await fetch_token(wire))
    tamper(call)
    reply = await call.send(wire)

    assert (reply.status, reply.json["code"], reply.json["error"]["code"]) == (status, code, code)
    assert reply.json["item"] is None
    assert wire.fake.customer(CUS).toggle_count == 0
    assert wire.fake.auth_stats.rejections == {code: 1}
    record = wire.fake.requests[-1]
    assert (record.applied, record.error_code) == (False, code)


async def test_a_reused_nonce_is_refused_and_not_applied(wire: Wire) -> None:
    call = V3Call(token=await fetch_token(wire))
    assert (await call.send(wire)).status == 200
    replay = await call.send(wire)

    assert (replay.status, replay.json["code"]) == (401, "INVALID_REQUEST_SIGNATURE")
    assert "already used" in replay.json["error"]["message"]
    assert wire.fake.customer(CUS).toggle_count == 1


async def test_a_nonce_is_forgotten_after_120_seconds_on_the_fakes_clock(wire: Wire) -> None:
    token = await fetch_token(wire)
    first = V3Call(token=token)
    assert (await first.send(wire)).status == 200
    wire.fake.clock_skew = 150
    later = V3Call(token=token, nonce=first.nonce, timestamp=str(int(time.time()) + 150))
    assert (await later.send(wire)).status == 200


async def test_a_rejected_request_does_not_burn_its_nonce(wire: Wire) -> None:
    call = V3Call(token=await fetch_token(wire), key=OTHER_KEY)
    assert (await call.send(wire)).status == 401
    call.key = VECTOR_KEY
    assert (await call.send(wire)).status == 200


async def test_expired_and_revoked_tokens_are_refused_with_their_codes(wire: Wire) -> None:
    token = await fetch_token(wire)
    wire.fake.expire_tokens()
    expired = await V3Call(token=token).send(wire)
    wire.fake.revoke_tokens()
    revoked = await V3Call(token=token).send(wire)

    assert (expired.status, expired.json["code"]) == (401, "TOKEN_EXPIRED")
    assert (revoked.status, revoked.json["code"]) == (401, "TOKEN_INVALID")
    assert wire.fake.customer(CUS).toggle_count == 0
    assert wire.fake.auth_stats.rejections == {"TOKEN_EXPIRED": 1, "TOKEN_INVALID": 1}


async def test_a_token_expires_after_expires_in_on_the_fakes_clock(wire: Wire) -> None:
    wire.fake.token_expires_in = 600
    token = await fetch_token(wire)
    wire.fake.clock_skew = 601
    reply = await V3Call(token=token, timestamp=str(int(time.time()) + 601)).send(wire)
    assert (reply.status, reply.json["code"]) == (401, "TOKEN_EXPIRED")


async def test_a_skewed_clock_shows_in_the_date_header_and_moves_the_timestamp_window(
    wire: Wire,
) -> None:
    wire.fake.clock_skew = 300
    token = await fetch_token(wire)
    client_clock = await V3Call(token=token).send(wire)
    assert (client_clock.status, client_clock.json["code"]) == (400, "INVALID_TIMESTAMP")

    server_now = email.utils.parsedate_to_datetime(client_clock.headers["Date"]).timestamp()
    # The Date header is the fake's clock, five minutes ahead (bounded, not timed).
    assert 240 < server_now - time.time() < 360
    corrected = await V3Call(token=token, timestamp=str(int(server_now))).send(wire)
    assert corrected.status == 200


async def test_the_token_route_is_absent_from_a_plain_fake() -> None:
    async with open_wire() as plain:
        reply = await plain.post("/v1/token", data=b'{"grantType":"client_credentials"}')
    assert reply.status == 404


async def test_the_legacy_route_toggles_on_a_plain_fake_and_takes_only_put() -> None:
    async with open_wire() as plain:
        put = await plain.post(LEGACY_PATH, method="PUT")
        post = await plain.post(LEGACY_PATH)
    assert (put.status, put.json["item"]["isActive"]) == (200, False)
    assert (post.status, post.headers["Allow"]) == (405, "PUT")
    assert plain.fake.customer(CUS).toggle_count == 1


async def test_faults_can_meet_the_token_endpoint(wire: Wire) -> None:
    wire.fake.fail_next(503, operation="oauth.token")
    failed = await token_reply(wire, {"grantType": "client_credentials"})
    granted = await token_reply(wire, {"grantType": "client_credentials"})

    assert (failed.status, failed.json["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert "Date" in failed.headers
    assert granted.status == 200
    assert wire.fake.auth_stats.token_fetches == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_strict_env_names_every_setting_with_keys_in_files_or_variables(tmp_path: Path) -> None:
    with FakeEFundPay(strict_auth=True) as fake:
        inline = fake.strict_env()
        in_files = fake.strict_env(tmp_path)
        common = {
            "EFUNDPAY_BASE_URL": fake.url,
            "EFUNDPAY_V3_BASE_URL": fake.url,
            "EFUNDPAY_MERCHANT_ACCOUNT_ID": "acct_fake",
            "EFUNDPAY_V3_CLIENT_ID": fake.v3_client_id,
            "EFUNDPAY_V3_CLIENT_SECRET": fake.v3_client_secret,
            "EFUNDPAY_V3_TOKEN_URL": fake.url + "/v1/token",
            "EFUNDPAY_JWT_KEY_ID": fake.jwt_key_id,
        }

    assert inline == {
        **common,
        "EFUNDPAY_V3_PRIVATE_KEY": fake.v3_private_key_pem.decode(),
        "EFUNDPAY_PRIVATE_KEY": fake.jwt_private_key_pem.decode(),
    }
    assert {k: v for k, v in in_files.items() if not k.endswith("_FILE")} == common
    for name, pem in [("EFUNDPAY_V3_PRIVATE_KEY_FILE", fake.v3_private_key_pem),
                      ("EFUNDPAY_PRIVATE_KEY_FILE", fake.jwt_private_key_pem)]:  # fmt: skip
        path = Path(in_files[name])
        assert (path.parent, path.read_bytes()) == (tmp_path, pem)
        assert path.stat().st_mode & 0o777 == 0o600


def test_strict_members_of_a_plain_fake_say_how_to_turn_it_on() -> None:
    fake = FakeEFundPay()
    assert fake.strict_auth is None
    with pytest.raises(RuntimeError, match="strict_auth=True"):
        fake.revoke_tokens()
    with pytest.raises(RuntimeError, match="strict_auth=True"):
        _ = fake.v3_client_secret


def test_a_fake_given_only_public_keys_has_no_private_pem_to_hand_out() -> None:
    fake = FakeEFundPay(strict_auth=StrictAuth(v3_public_key=VECTOR_PUBLIC_PEM,
                                               jwt_public_key=VECTOR_PUBLIC_PEM))  # fmt: skip
    with pytest.raises(RuntimeError, match="only the v3 public key"):
        _ = fake.v3_private_key_pem
    with pytest.raises(RuntimeError, match="only the JWT public key"):
        _ = fake.jwt_private_key_pem
    with pytest.raises(ValueError, match="not both"):
        FakeEFundPay(strict_auth=StrictAuth(v3_public_key=VECTOR_PUBLIC_PEM,
                                            v3_private_key=VECTOR["private_key_pem"]))  # fmt: skip


@pytest.mark.parametrize(
    "settings",
    [{"token_expires_in": 0}, {"refresh_token_expires_in": -1}, {"tolerance": 0},
     {"jwt_leeway": -1.0}],
)  # fmt: skip
def test_strict_auth_refuses_lifetimes_and_tolerances_that_cannot_work(
    settings: dict[str, float],
) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        StrictAuth(**settings)  # type: ignore[arg-type]
