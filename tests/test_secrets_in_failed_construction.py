"""A failed construction or token fetch shows no secret in any frame's locals.

Each failure is rendered as ``traceback`` with ``capture_locals`` would show it (and so
``pytest -l``, rich or Sentry): neither the PEM of a private key nor a token may appear.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import efundpay
from efundpay import AsyncEFundPay, ConfigurationError, HTTPRequest, HTTPResponse, MockTransport
from efundpay._env_auth import auth_from_env, v3_auth_from_env
from efundpay.auth import JWTAuth, SignedRequestAuth
from tests.helpers import NO_WAIT
from tests.signing_server import pem, rsa_key

ACCESS = "at_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
REFRESH = "rt_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9"
GARBAGE = (
    "-----BEGIN PRIVATE KEY-----\n"
    "GARBAGEdGhpcyBpcyBub3QgYSBrZXkgYXQgYWxs\n"
    "-----END PRIVATE KEY-----\n"
)


def rendered(error: BaseException) -> str:
    """The SDK's frames of the chain, with their locals, as ``capture_locals`` shows them.

    The test's own frames (which hold the secrets it planted) are left out.
    """
    shown: list[str] = []
    seen: BaseException | None = error
    while seen is not None:
        summary = traceback.TracebackException.from_exception(seen, capture_locals=True)
        for frame in summary.stack:
            if f"{os.sep}efundpay{os.sep}" in frame.filename:
                shown.append(f"{frame.filename}:{frame.lineno} {frame.name} {frame.locals}")
        shown.append("".join(summary.format_exception_only()))
        seen = seen.__cause__ or seen.__context__
    return "\n".join(shown)


def body_line(pem_text: bytes | str) -> str:
    """A line of the PEM body: key material, unlike the BEGIN/END lines."""
    text = pem_text.decode() if isinstance(pem_text, bytes) else pem_text
    return text.splitlines()[1]


def assert_hidden(error: BaseException, *secrets: str) -> None:
    shown = rendered(error)
    assert "efundpay" in shown, "at least one SDK frame is rendered"
    for secret in secrets:
        assert secret not in shown
        # an env var holds the PEM with "\n" written out, and bytes reprs escape newlines
        assert secret[:24] not in shown


def v3_env(private_key: str) -> dict[str, str]:
    return {
        "EFUNDPAY_V3_CLIENT_ID": "1234",
        "EFUNDPAY_V3_CLIENT_SECRET": "cs_secret_value_abcdef",
        "EFUNDPAY_V3_PRIVATE_KEY": private_key,
        "EFUNDPAY_V3_TOKEN_URL": "https://oauth.example/v1/token",
    }


def test_an_ec_key_in_the_environment_for_v3_signing_is_not_shown() -> None:
    text = pem(ec.generate_private_key(ec.SECP256R1())).decode()
    with pytest.raises(ConfigurationError) as caught:
        v3_auth_from_env(v3_env(text.replace("\n", "\\n")))
    assert_hidden(caught.value, body_line(text), "cs_secret_value_abcdef")


def test_garbage_pem_in_the_environment_is_not_shown() -> None:
    with pytest.raises(ConfigurationError) as caught:
        v3_auth_from_env(v3_env(GARBAGE))
    assert_hidden(caught.value, body_line(GARBAGE))


def test_a_p384_key_in_the_environment_for_jwts_is_not_shown() -> None:
    text = pem(ec.generate_private_key(ec.SECP384R1())).decode()
    env = {"EFUNDPAY_JWT_KEY_ID": "key_1", "EFUNDPAY_PRIVATE_KEY": text}
    with pytest.raises(ConfigurationError, match="secp384r1") as caught:
        auth_from_env(env)
    assert_hidden(caught.value, body_line(text))


def test_a_garbage_key_file_is_not_shown(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text(GARBAGE)
    for build in (
        lambda: JWTAuth(key_id="key_1", private_key=path),
        lambda: SignedRequestAuth(
            client_id="1234", client_secret="cs_x", private_key=path, token_url="https://t.example"
        ),
    ):
        with pytest.raises(ConfigurationError) as caught:
            build()
        assert_hidden(caught.value, body_line(GARBAGE))


def test_an_ec_key_file_for_v3_signing_is_not_shown(tmp_path: Path) -> None:
    text = pem(ec.generate_private_key(ec.SECP256R1()))
    path = tmp_path / "key.pem"
    path.write_bytes(text)
    with pytest.raises(ConfigurationError) as caught:
        SignedRequestAuth(
            client_id="1234", client_secret="cs_x", private_key=path, token_url="https://t.example"
        )
    assert_hidden(caught.value, body_line(text))


@pytest.mark.anyio
@pytest.mark.parametrize(
    "grant",
    [
        {"tokenType": "mac", "expiresIn": 7200},
        {"tokenType": "Bearer"},  # no expiresIn
    ],
)
async def test_a_bad_token_answer_shows_no_token(grant: dict[str, object]) -> None:
    def handler(request: HTTPRequest) -> HTTPResponse:
        assert request.url.startswith("https://oauth.example/")
        return HTTPResponse.from_json(
            200, {"item": {"accessToken": ACCESS, "refreshToken": REFRESH, **grant}}
        )

    auth = SignedRequestAuth(
        client_id="1234",
        client_secret="cs_secret_value_abcdef",
        private_key=pem(rsa_key("v3")),
        token_url="https://oauth.example/v1/token",
    )
    async with AsyncEFundPay(
        v3_auth=auth,
        v3_base_url="https://open.example",
        transport=MockTransport(handler),
        retry=NO_WAIT,
    ) as client:
        with pytest.raises(efundpay.APIError) as caught:
            await client.customers.toggle("cus_1")
    assert_hidden(caught.value, ACCESS, REFRESH, "cs_secret_value_abcdef")


def test_a_refused_setting_shows_no_secret_the_environment_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The settings are read from os.environ, which holds the key in the clear; the SDK's
    # frames hold it only as a view whose repr names the variables, never their values.
    key = "sk_test_EnvironmentKeyNeverInLocals01"
    monkeypatch.setenv("EFUNDPAY_API_KEY", key)
    monkeypatch.setenv("EFUNDPAY_ENVIRONMENT", "not-an-environment")
    with pytest.raises(ConfigurationError) as raised:
        AsyncEFundPay()
    text = rendered(raised.value)
    assert "EFUNDPAY_API_KEY" in text  # the frames with the settings were rendered
    assert key not in text


def test_a_blocking_client_refused_by_its_settings_renders_with_its_locals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "sk_test_BlockingClientKeyNeverShown02"
    monkeypatch.setenv("EFUNDPAY_API_KEY", key)
    monkeypatch.setenv("EFUNDPAY_ENVIRONMENT", "not-an-environment")
    with pytest.raises(ConfigurationError) as raised:
        efundpay.EFundPay()
    text = rendered(raised.value)  # a half-built client's repr must not fail the rendering
    assert "(not configured)" in text
    assert key not in text
