"""Settings of the auth seam: keywords, EFUNDPAY_* variables, hosts, routes, with_options."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay import AsyncEFundPay, ConfigurationError, HTTPResponse, MockTransport
from efundpay.auth import Auth, AuthRequest, BearerAuth, JWTAuth, SignedRequestAuth
from tests.helpers import API_KEY, SEED_SUBSCRIPTION, ok_customer
from tests.signing_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    KEY_ID,
    MERCHANT,
    SigningServer,
    jwt_auth,
    pem,
    rsa_key,
    serving,
    signed_auth,
)

pytestmark = pytest.mark.anyio

AUTH_VARS = (
    "EFUNDPAY_API_KEY",
    "EFUNDPAY_MERCHANT_ACCOUNT_ID",
    "EFUNDPAY_ENVIRONMENT",
    "EFUNDPAY_BASE_URL",
    "EFUNDPAY_V3_BASE_URL",
    "EFUNDPAY_V3_ROUTE",
    "EFUNDPAY_JWT_KEY_ID",
    "EFUNDPAY_PRIVATE_KEY_FILE",
    "EFUNDPAY_PRIVATE_KEY",
    "EFUNDPAY_V3_CLIENT_ID",
    "EFUNDPAY_V3_CLIENT_SECRET",
    "EFUNDPAY_V3_PRIVATE_KEY_FILE",
    "EFUNDPAY_V3_PRIVATE_KEY",
    "EFUNDPAY_V3_TOKEN_URL",
    "EFUNDPAY_LOG",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AUTH_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[SigningServer]:
    with serving() as running:
        yield running


def write_keys(tmp_path: Path) -> tuple[Path, Path]:
    jwt_file, v3_file = tmp_path / "jwt.pem", tmp_path / "v3.pem"
    jwt_file.write_bytes(pem(rsa_key("jwt")))
    v3_file.write_bytes(pem(rsa_key("v3"), pkcs8=False))
    return jwt_file, v3_file


async def test_the_environment_alone_configures_jwt_and_signed_requests(
    server: SigningServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    jwt_file, v3_file = write_keys(tmp_path)
    for name, value in {
        "EFUNDPAY_MERCHANT_ACCOUNT_ID": MERCHANT,
        "EFUNDPAY_BASE_URL": server.url,
        "EFUNDPAY_JWT_KEY_ID": KEY_ID,
        "EFUNDPAY_PRIVATE_KEY_FILE": str(jwt_file),
        "EFUNDPAY_V3_CLIENT_ID": CLIENT_ID,
        "EFUNDPAY_V3_CLIENT_SECRET": CLIENT_SECRET,
        "EFUNDPAY_V3_PRIVATE_KEY_FILE": str(v3_file),
        "EFUNDPAY_V3_TOKEN_URL": server.token_url,
    }.items():
        monkeypatch.setenv(name, value)

    async with AsyncEFundPay() as client:  # no API key anywhere
        assert isinstance(client.auth, JWTAuth)
        assert isinstance(client.v3_auth, SignedRequestAuth)
        await client.customers.toggle("cus_1")
        await client.subscriptions.pause("sub_1")

    assert [r["refused"] for r in server.v3_requests] == [None]
    assert server.v4_requests[0]["header"]["kid"] == KEY_ID


def test_pem_text_in_a_variable_works_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFUNDPAY_JWT_KEY_ID", KEY_ID)
    # As an env file holds it: one line, with \n escapes.
    monkeypatch.setenv("EFUNDPAY_PRIVATE_KEY", pem(rsa_key("jwt")).decode().replace("\n", "\\n"))
    assert isinstance(AsyncEFundPay().auth, JWTAuth)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"EFUNDPAY_JWT_KEY_ID": KEY_ID}, "EFUNDPAY_PRIVATE_KEY_FILE or EFUNDPAY_PRIVATE_KEY"),
        ({"EFUNDPAY_PRIVATE_KEY_FILE": "/k.pem"}, "EFUNDPAY_JWT_KEY_ID"),
        (
            {"EFUNDPAY_V3_CLIENT_ID": CLIENT_ID, "EFUNDPAY_V3_TOKEN_URL": "https://o.example"},
            "EFUNDPAY_V3_CLIENT_SECRET; nor EFUNDPAY_V3_PRIVATE_KEY_FILE or "
            "EFUNDPAY_V3_PRIVATE_KEY",
        ),
        ({"EFUNDPAY_V3_CLIENT_SECRET": "s"}, "EFUNDPAY_V3_CLIENT_ID"),
    ],
)
def test_a_partial_set_of_variables_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, given: dict[str, str], missing: str
) -> None:
    monkeypatch.setenv("EFUNDPAY_API_KEY", API_KEY)  # the key from the environment too
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as raised:
        AsyncEFundPay()
    assert missing in str(raised.value)


def test_an_api_key_keyword_wins_over_an_auth_the_environment_describes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "jwt.pem"
    key_file.write_bytes(pem(rsa_key("jwt")))
    monkeypatch.setenv("EFUNDPAY_JWT_KEY_ID", KEY_ID)
    monkeypatch.setenv("EFUNDPAY_PRIVATE_KEY_FILE", str(key_file))
    assert isinstance(AsyncEFundPay(merchant_account_id="acct_1").auth, JWTAuth)
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id="acct_1")
    assert isinstance(client.auth, BearerAuth)


def test_keywords_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFUNDPAY_JWT_KEY_ID", KEY_ID)  # half a set: would be an error
    mine = BearerAuth("sk_test_mine")
    assert AsyncEFundPay(auth=mine).auth is mine


def test_without_any_auth_the_api_key_signs_both_apis() -> None:
    client = AsyncEFundPay(api_key=API_KEY)
    assert isinstance(client.auth, BearerAuth)
    assert isinstance(client.v3_auth, BearerAuth)


async def test_an_api_without_credentials_fails_at_its_first_call_before_any_io() -> None:
    transport = MockTransport(lambda request: HTTPResponse.from_json(200, SEED_SUBSCRIPTION))
    client = AsyncEFundPay(merchant_account_id=MERCHANT, auth=jwt_auth(), transport=transport)
    await client.subscriptions.pause("sub_1")

    with pytest.raises(ConfigurationError) as raised:
        await client.customers.toggle("cus_1")

    assert "api_key" in str(raised.value)
    assert "EFUNDPAY_API_KEY" in str(raised.value)
    assert "v3_auth" in str(raised.value)
    assert len(transport.requests) == 1


def test_an_auth_that_is_not_an_auth_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"efundpay\.auth\.Auth"):
        AsyncEFundPay(api_key=API_KEY, auth="sk_test_x")  # type: ignore[arg-type]


async def test_v3_goes_to_its_own_host_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = MockTransport(lambda request: ok_customer())
    client = AsyncEFundPay(
        api_key=API_KEY, v3_base_url="https://sb-open.example/", transport=transport
    )
    await client.customers.toggle("cus_1")
    monkeypatch.setenv("EFUNDPAY_V3_BASE_URL", "https://open.example")
    from_env = AsyncEFundPay(api_key=API_KEY, transport=transport)
    await from_env.customers.toggle("cus_1")

    assert [r.url for r in transport.requests] == [
        "https://sb-open.example/v3/recurring-payment/cus_1/toggle",
        "https://open.example/v3/recurring-payment/cus_1/toggle",
    ]
    monkeypatch.delenv("EFUNDPAY_V3_BASE_URL")
    assert AsyncEFundPay(api_key=API_KEY).v3_base_url == "https://sandbox.efundpay.com"


async def test_the_customer_status_route_is_chosen_by_keyword_or_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transport = MockTransport(lambda request: ok_customer())
    await AsyncEFundPay(
        api_key=API_KEY, v3_route="customer-status", transport=transport
    ).customers.toggle("cus_1")
    monkeypatch.setenv("EFUNDPAY_V3_ROUTE", "customer-status")
    await AsyncEFundPay(api_key=API_KEY, transport=transport).customers.toggle("cus_2")

    assert [(r.method, r.url.split(".com", 1)[1]) for r in transport.requests] == [
        ("PUT", "/v3/customer/cus_1/status"),
        ("PUT", "/v3/customer/cus_2/status"),
    ]
    assert all(r.content is None for r in transport.requests)
    monkeypatch.setenv("EFUNDPAY_V3_ROUTE", "toggle")
    with pytest.raises(ConfigurationError, match="EFUNDPAY_V3_ROUTE"):
        AsyncEFundPay(api_key=API_KEY)


async def test_with_options_switches_merchant_and_auth_and_shares_the_pool() -> None:
    transport = MockTransport(lambda request: HTTPResponse.from_json(200, SEED_SUBSCRIPTION))
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id="acct_a", transport=transport)
    other = client.with_options(merchant_account_id="acct_b", auth=jwt_auth())
    await client.subscriptions.pause("sub_1")
    await other.subscriptions.pause("sub_1")

    first, second = transport.requests
    assert first.headers["x-merchant-account-id"] == "acct_a"
    assert first.headers["Authorization"] == f"Bearer {API_KEY}"
    assert second.headers["x-merchant-account-id"] == "acct_b"
    assert second.headers["Authorization"].startswith("Bearer ey")
    assert other._transport is client._transport
    assert client.merchant_account_id == "acct_a"
    with pytest.raises(ConfigurationError, match="merchant_account_id"):
        client.with_options(merchant_account_id="acct b")


def test_reprs_show_which_auth_and_no_secret(server: SigningServer) -> None:
    client = AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, v3_auth=signed_auth(server)
    )
    text = repr(client) + repr(client._config) + repr(client.v3_auth) + repr(client.auth)
    assert "SignedRequestAuth(client_id='client_1234'" in text
    assert "BearerAuth(api_key='sk_test_…')" in text
    assert API_KEY not in text
    assert CLIENT_SECRET not in text


async def test_a_custom_auth_is_asked_once_per_attempt_with_the_final_url_and_body() -> None:
    seen: list[tuple[str, str, bytes | None, int]] = []

    class Counting(Auth):
        async def authenticate(self, request: AuthRequest) -> None:
            seen.append((request.method, request.url, request.content, id(request.headers)))
            request.headers["Authorization"] = f"Custom {len(seen)}"

    answers = iter([HTTPResponse(503), HTTPResponse.from_json(200, SEED_SUBSCRIPTION)])
    transport = MockTransport(lambda request: next(answers))
    client = AsyncEFundPay(
        merchant_account_id=MERCHANT,
        auth=Counting(),
        transport=transport,
        retry=__import__("tests.helpers").helpers.NO_WAIT,
    )
    await client.subscriptions.pause("sub_1", reason="a <b> & c")

    assert len(seen) == 2
    assert seen[0][:3] == seen[1][:3]
    assert seen[0][2] == transport.requests[0].content
    assert seen[0][2] == b'{"reason":"a \\u003cb\\u003e \\u0026 c","status":"paused"}'
    assert seen[0][3] != seen[1][3], "a new header mapping per attempt"
    assert [r.headers["Authorization"] for r in transport.requests] == ["Custom 1", "Custom 2"]
