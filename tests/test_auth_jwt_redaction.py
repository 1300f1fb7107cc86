"""A JWT the SDK minted never shows in an error or a log line, even when eFundPay echoes it.

An error body that quotes the request's ``Authorization`` header would otherwise show a token
valid for an hour.  ``JWTAuth.secrets()`` reports the JWTs it minted lately (bounded, expired
ones dropped), and text shaped like a signed JWT or a PEM private key is redacted whoever
made it (a custom ``Auth`` signing with a KMS reports nothing).

The server is a real aiohttp server on 127.0.0.1 that answers 400 with the header it received
quoted in its body; each token it captured is checked with PyJWT against the public key, so
what is looked for is the credential that really went over the wire.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp import web

import efundpay
from efundpay import AsyncEFundPay, HTTPRequest, HTTPResponse, Timeout, _redact
from efundpay._secret import SecretHeaders
from efundpay.auth import Auth, AuthRequest, JWTAuth
from efundpay.auth._jwt import RECENT_JWTS
from efundpay.redaction import REDACTED, redact_text
from tests.helpers import NO_WAIT
from tests.signing_server import KEY_ID, MERCHANT, pem, rsa_key

pytestmark = pytest.mark.anyio


class EchoServer:
    """Answers every call with 400, quoting the ``Authorization`` header it received."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        self.url = ""
        self.as_text = False

    async def handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        self.authorizations.append(header)
        token = header.removeprefix("Bearer ")
        if self.as_text:  # a proxy's page: not JSON, redacted as text
            return web.Response(status=400, text=f"<p>bad credentials: {header}</p>")
        return web.json_response(
            {
                "code": "invalid_request",
                "message": f"the token {token} is not accepted",
                "error": {"code": "invalid_request", "message": header, "debug": [token]},
                "echo": token,
            },
            status=400,
        )

    def tokens(self) -> list[str]:
        """The JWTs received, each verified with the public key (PyJWT, not the SDK)."""
        public_key = rsa_key("jwt").public_key()
        found = []
        for header in self.authorizations:
            token = header.removeprefix("Bearer ")
            claims = jwt.decode(
                token, public_key, algorithms=["RS512"], options={"verify_aud": False}
            )
            assert claims["merchantId"] == MERCHANT
            found.append(token)
        return found


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = EchoServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


def _jwt_auth(**options: Any) -> JWTAuth:
    return JWTAuth(key_id=KEY_ID, private_key=pem(rsa_key("jwt")), **options)


async def _failed_pause(server: EchoServer, auth: Auth) -> efundpay.APIStatusError:
    client = AsyncEFundPay(
        merchant_account_id=MERCHANT, base_url=server.url, auth=auth, retry=NO_WAIT
    )
    async with client:
        with pytest.raises(efundpay.BadRequestError) as caught:
            await client.subscriptions.pause("sub_1")
    return caught.value


def _texts(error: efundpay.APIStatusError, caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        str(error),
        repr(error),
        repr(error.body),
        json.dumps(error.body),
        str(error.message),
        str(error.debug),
        caplog.text,
    ]


@pytest.mark.parametrize("as_text", [False, True], ids=["json body", "text body"])
@pytest.mark.parametrize("shape_rule", [True, False], ids=["with", "without shape rule"])
async def test_a_minted_jwt_echoed_in_an_error_body_shows_in_no_error_or_debug_log(
    echo: EchoServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    as_text: bool,
    shape_rule: bool,
) -> None:
    if not shape_rule:  # JWTAuth.secrets() alone must do it
        monkeypatch.setattr(_redact, "_JWT_SHAPE", r"(?!)")
    caplog.set_level(logging.DEBUG, logger="efundpay")
    echo.as_text = as_text
    error = await _failed_pause(echo, _jwt_auth())

    [token] = echo.tokens()
    texts = _texts(error, caplog)
    assert "request body" in caplog.text or "response body" in caplog.text  # DEBUG was on
    assert REDACTED in str(error) or REDACTED in json.dumps(error.body)  # it was echoed
    leaks = [text for text in texts if token in text]
    assert leaks == []
    # Nor any of its three parts: the signature alone could not be replayed, but the
    # header and claims are not meant to be shown either.
    assert not any(part in text for part in token.split(".") for text in texts)


async def test_jwtauth_reports_the_tokens_it_minted_and_drops_expired_ones(
    echo: EchoServer,
) -> None:
    later = [0.0]
    auth = _jwt_auth(lifetime=60, clock=lambda: time.time() + later[0])
    for _ in range(2):
        await _failed_pause(echo, auth)
    minted = echo.tokens()
    assert [secret.reveal() for secret in auth.secrets()] == minted
    later[0] = 61.0  # both have expired: nothing an answer could echo is still usable
    assert auth.secrets() == ()


async def test_jwtauth_keeps_a_bounded_number_of_recent_tokens() -> None:
    async def never_sends(request: HTTPRequest) -> HTTPResponse:
        raise AssertionError("JWTAuth sends nothing")

    auth = _jwt_auth()
    sent = []
    for _ in range(RECENT_JWTS + 10):
        request = AuthRequest(
            method="POST",
            url="https://api.example/v4/subscriptions/sub_1/status",
            content=b"{}",
            headers=SecretHeaders(),
            api="v4",
            merchant_account_id=MERCHANT,
            scopes=("subscriptions.write",),
            sender=never_sends,
            timeout=Timeout(),
        )
        await auth.authenticate(request)
        sent.append(request.headers["Authorization"].removeprefix("Bearer "))
    assert len(set(sent)) == len(sent)
    assert [secret.reveal() for secret in auth.secrets()] == sent[-RECENT_JWTS:]


class KMSStyleAuth(Auth):
    """A custom Auth that mints its own JWT and reports no secrets."""

    async def authenticate(self, request: AuthRequest) -> None:
        request.headers["Authorization"] = "Bearer " + jwt.encode(
            {"merchantId": MERCHANT, "iss": MERCHANT},
            rsa_key("jwt"),
            algorithm="RS512",
            headers={"kid": KEY_ID},
        )


async def test_a_jwt_from_a_custom_auth_is_redacted_by_its_shape(
    echo: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="efundpay")
    error = await _failed_pause(echo, KMSStyleAuth())
    [token] = echo.tokens()
    assert [text for text in _texts(error, caplog) if token in text] == []


def test_a_private_key_pem_is_redacted_whole_or_cut_short() -> None:
    text = pem(rsa_key("jwt")).decode()
    lines = text.splitlines()[1:-1]
    for shown in (f"key was {text} ok", f'{{"key": "{text[:200]}', json.dumps({"k": text})):
        cleaned = redact_text(shown)
        assert REDACTED in cleaned
        assert not any(line in cleaned for line in lines)
        assert "PRIVATE KEY" not in cleaned
    pkcs1 = pem(rsa_key("jwt"), pkcs8=False).decode()
    assert redact_text(pkcs1) == REDACTED + "\n"


@pytest.mark.parametrize("unit", ["eyJ-", "eyJ.", "eyJ_eyJ.", "a.eyJ"])
def test_a_hostile_body_of_jwt_look_alikes_is_redacted_in_one_pass(unit: str) -> None:
    # A 1 MB error body made of pieces that each begin like a JWT: the JWT rule must not
    # scan to the end of the body from every piece (time quadratic in its length, which
    # would hold the event loop for hours on a 4 MB body).  Run in a thread so a regression
    # fails here instead of hanging the suite; linear work takes well under a second.
    token = jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256")
    body = unit * (1_000_000 // len(unit)) + " " + token
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(redact_text(body)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert result, "redacting a 1 MB body of JWT look-alikes did not finish in 60 s"
    assert token not in result[0]
    assert result[0].endswith(" " + REDACTED)
