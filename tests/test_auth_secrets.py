"""No credential of any kind shows in SDK frames, tracebacks with locals, errors or DEBUG logs.

A transport walks every frame of the ``efundpay`` package on the stack while each request
(API calls and token fetches alike) is in flight and renders its locals with ``repr``; failed
calls are rendered with ``traceback`` and ``capture_locals=True``.  The secrets looked for are
the API key, the v3 client secret, every access and refresh token the server issued, every
JWT it received, and the body lines of both private keys' PEM.
"""

from __future__ import annotations

import logging
import sys
import traceback
import types
from collections.abc import Iterator

import pytest

import efundpay
from efundpay import AiohttpTransport, AsyncEFundPay, HTTPRequest, HTTPResponse
from efundpay.auth import SignedRequestAuth
from tests.helpers import NO_WAIT
from tests.signing_server import (
    CLIENT_SECRET,
    MERCHANT,
    Clock,
    SigningServer,
    jwt_auth,
    pem,
    rsa_key,
    serving,
    signed_auth,
)
from tests.test_secrets import efundpay_log

pytestmark = pytest.mark.anyio

API_KEY = "sk_test_FrameWalkKeyThatMustNeverShow_42"


@pytest.fixture
def server() -> Iterator[SigningServer]:
    with serving() as running:
        yield running


class FrameWalkingTransport:
    """The real transport, rendering every ``efundpay`` frame's locals before each request."""

    def __init__(self) -> None:
        self.inner = AiohttpTransport()
        self.rendered: list[str] = []
        self.frames_seen: set[str] = set()

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_globals.get("__name__", "").startswith("efundpay"):
                self.frames_seen.add(frame.f_code.co_qualname)
                self.rendered.append(repr(frame.f_locals))
                self.rendered += [repr(value) for value in frame.f_locals.values()]
            frame = frame.f_back
        return await self.inner.handle_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def secrets_in(server: SigningServer) -> dict[str, str]:
    found = {"api key": API_KEY, "client secret": CLIENT_SECRET}
    found |= {f"token {i}": token for i, token in enumerate(server.issued)}
    found |= {f"jwt {i}": r["token"] for i, r in enumerate(server.v4_requests) if r["token"]}
    for name in ("v3", "jwt"):
        lines = pem(rsa_key(name)).decode().splitlines()[1:-1]
        found |= {f"{name} key line {i}": line for i, line in enumerate(lines)}
        lines = pem(rsa_key(name), pkcs8=False).decode().splitlines()[1:-1]
        found |= {f"{name} pkcs1 line {i}": line for i, line in enumerate(lines)}
    return found


@pytest.fixture
def debug_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``EFUNDPAY_LOG=debug``, with the SDK's logger put back as it was afterwards."""
    with efundpay_log(monkeypatch, "debug"):
        yield


@pytest.mark.usefixtures("debug_log")
async def test_no_secret_in_frames_tracebacks_errors_or_debug_logs(
    server: SigningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock(server)
    transport = FrameWalkingTransport()
    client = AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        base_url=server.url,
        auth=jwt_auth(),
        v3_auth=signed_auth(server, clock=clock),
        transport=transport,
        retry=NO_WAIT,
    )
    errors: list[BaseException] = []
    async with client:
        await client.customers.toggle("cus_1")  # client-credentials fetch, signed call
        clock.advance(7200)
        await client.customers.toggle("cus_1")  # refresh-token grant
        await client.subscriptions.pause("sub_1")  # a JWT
        server.v3_faults.extend(["TOKEN_EXPIRED", "TOKEN_EXPIRED"])
        server.v4_faults.extend(["TOKEN_INVALID", "TOKEN_INVALID"])
        failing = [
            client.customers.toggle("cus_1"),  # new token, resend, refused again
            client.subscriptions.resume("sub_1"),  # new JWT, resend, refused again
            client.with_options(auth=efundpay.auth.BearerAuth(API_KEY)).subscriptions.pause(
                "sub_1"  # the API key as bearer: not a JWT, refused
            ),
            client.with_options(
                v3_auth=SignedRequestAuth(
                    client_id="client_1234",
                    client_secret=CLIENT_SECRET,
                    private_key=pem(rsa_key("v3")),
                    token_url="http://127.0.0.1:9/v1/token",  # refused: the fetch fails
                )
            ).customers.toggle("cus_1"),
        ]
        for call in failing:
            try:
                await call
            except efundpay.APIError as exc:
                errors.append(exc)

    assert len(errors) == 4
    assert {"request_token", "run_call", "AuthRequest.send"} <= transport.frames_seen
    texts = [caplog.text, repr(client), repr(client._config), *transport.rendered]
    for error in errors:
        texts += [str(error), repr(error), repr(vars(error))]
        rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
        texts.append("".join(rendered.format()))
    assert "request body" in caplog.text
    secrets = secrets_in(server)
    assert len([name for name in secrets if name.startswith("jwt")]) >= 5
    leaks = sorted({name for text in texts for name, value in secrets.items() if value in text})
    assert leaks == []
