"""A real aiohttp server on 127.0.0.1 that checks credentials the way eFundPay says it does.

Written for the tests and independent of the SDK's own code: it rebuilds the v3 string to
sign from the bytes it received and verifies the signature with ``cryptography``; it decodes
v4 JWTs with PyJWT and the public key; it issues OAuth2 tokens by client credentials and by
refresh token.  It runs on a loop of its own in a daemon thread, so async tests, blocking
clients and forked children can all reach it.  Everything it saw is recorded for asserts.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import functools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from efundpay import AsyncEFundPay
from efundpay.auth import JWTAuth, SignedRequestAuth
from tests.helpers import NO_WAIT, SEED_CUSTOMER, SEED_SUBSCRIPTION

CLIENT_ID = "client_1234"
CLIENT_SECRET = "cs_S3cretThatMustNeverLeak_9876"
MERCHANT = "acct_signing"
KEY_ID = "key_live_1"


def string_to_sign(method: str, nonce: str, timestamp: str, url: str, body: bytes) -> bytes:
    """The v3 string to sign, as the vendor's docs describe it (written here, not imported)."""
    parts = [f"data={base64.b64encode(body).decode()}"] if body else []
    parts += [
        f"method={method.lower()}",
        f"nonceStr={nonce}",
        f"requestUrl={url}",
        "signType=sha256",
        f"timestamp={timestamp}",
    ]
    return "&".join(parts).encode()


class SigningServer:
    """The token endpoint, the two v3 toggle routes and the v4 status route.

    Attributes to set before a call:
        skew: seconds the server's clock is ahead of this machine's.
        expires_in: the lifetime of the tokens it issues.
        wrap_token: answer the token endpoint inside ``{"item": …, "code": "SUCCESS"}``.
        v3_faults / v4_faults: answers given instead of success, one per request, after
            the credentials were checked: ``"drop"`` closes the connection, ``"500"`` and
            ``"429"`` answer so, ``"TOKEN_EXPIRED"`` … answer with that code and HTTP 401.
    """

    def __init__(self, v3_public_key: rsa.RSAPublicKey, jwt_public_key: rsa.RSAPublicKey) -> None:
        self.v3_public_key = v3_public_key
        self.jwt_public_key = jwt_public_key
        self.skew = 0.0
        self.expires_in = 7200
        self.wrap_token = False
        self.token_delay = 0.0
        self.v3_faults: deque[str] = deque()
        self.v4_faults: deque[str] = deque()
        self.grants: list[dict[str, Any]] = []  # every token request's body
        self.v3_requests: list[dict[str, Any]] = []  # every v3 request and its verdict
        self.v4_requests: list[dict[str, Any]] = []  # every v4 request's JWT header and claims
        self.toggles = 0  # toggles applied
        self.tokens: dict[str, float] = {}  # access token -> expiry (server clock)
        self.refresh_tokens: set[str] = set()
        self.issued: list[str] = []  # every access and refresh token ever issued
        self._nonces: set[str] = set()
        self._jtis: set[str] = set()
        self.url = ""

    # -- helpers ----------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.skew

    def date_header(self) -> dict[str, str]:
        return {"Date": email.utils.formatdate(self.now(), usegmt=True)}

    def revoke_tokens(self) -> None:
        """Every access token issued so far stops working (refresh tokens still do)."""
        self.tokens.clear()

    def _answer(self, status: int, body: Any) -> web.Response:
        return web.json_response(body, status=status, headers=self.date_header())

    def _reject(self, status: int, code: str) -> web.Response:
        return self._answer(status, {"code": code, "error": {"code": code, "message": code}})

    # -- the token endpoint -----------------------------------------------------------------

    async def token(self, request: web.Request) -> web.Response:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return self._reject(401, "INVALID_CLIENT")
        body = json.loads(await request.read())
        self.grants.append(body)
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        if body.get("grantType") == "refresh_token":
            if body.get("refreshToken") not in self.refresh_tokens:
                return self._reject(401, "INVALID_REFRESH_TOKEN")
            self.refresh_tokens.discard(body["refreshToken"])  # rotated
        elif body != {"grantType": "client_credentials"}:
            return self._reject(400, "INVALID_GRANT")
        access, refresh = "at_" + secrets.token_hex(16), "rt_" + secrets.token_hex(16)
        self.tokens[access] = self.now() + self.expires_in
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        grant = {
            "accessToken": access,
            "tokenType": "Bearer",
            "expiresIn": self.expires_in,
            "refreshToken": refresh,
            "refreshTokenExpiresIn": 30 * 86400,
        }
        return self._answer(200, {"item": grant, "code": "SUCCESS"} if self.wrap_token else grant)

    # -- v3 ---------------------------------------------------------------------------------

    def _v3_verdict(self, request: web.Request, body: bytes) -> tuple[int, str] | None:
        """Why the request is refused, or ``None`` when its credentials hold."""
        headers = request.headers
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        if self.tokens.get(bearer, 0) <= self.now():
            return 401, "TOKEN_INVALID"
        nonce = headers.get("X-Nonce-Str", "")
        if len(nonce) != 32 or any(c.isspace() for c in nonce) or nonce in self._nonces:
            return 400, "INVALID_NONCE"
        self._nonces.add(nonce)
        timestamp = headers.get("X-Timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - self.now()) > 120:
            return 400, "INVALID_TIMESTAMP"
        kind, _, signature = headers.get("X-Signature", "").partition(" ")
        message = string_to_sign(request.method, nonce, timestamp, str(request.url), body)
        try:
            assert kind == "sha256"
            self.v3_public_key.verify(
                base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except (AssertionError, InvalidSignature, ValueError):
            return 401, "INVALID_REQUEST_SIGNATURE"
        return None

    async def v3(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        verdict = self._v3_verdict(request, body)
        self.v3_requests.append(
            {
                "method": request.method,
                "path": request.path,
                "nonce": request.headers.get("X-Nonce-Str"),
                "timestamp": request.headers.get("X-Timestamp"),
                "token": request.headers.get("Authorization"),
                "refused": verdict and verdict[1],
            }
        )
        if verdict is not None:
            return self._reject(*verdict)
        return await self._fault_or(request, self.v3_faults, self._toggled)

    def _toggled(self, request: web.Request) -> web.Response:
        self.toggles += 1
        item = {**SEED_CUSTOMER, "id": request.match_info["id"], "isActive": self.toggles % 2 == 0}
        return self._answer(200, {"item": item, "code": "SUCCESS", "error": None})

    async def _fault_or(
        self,
        request: web.Request,
        faults: deque[str],
        ok: Callable[[web.Request], web.Response],
    ) -> web.Response:
        fault = faults.popleft() if faults else None
        if fault == "drop":
            ok(request)  # applied, then the connection is lost before the answer
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if fault in ("500", "429", "503"):
            if fault == "500":
                ok(request)
            return self._reject(int(fault), "SERVER_ERROR" if fault != "429" else "EXCEEDED_LIMIT")
        if fault is not None:
            return self._reject(401, fault)
        return ok(request)

    # -- v4 ---------------------------------------------------------------------------------

    async def v4(self, request: web.Request) -> web.StreamResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        body = json.loads(await request.read())
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                self.jwt_public_key,
                algorithms=[header["alg"]],
                options={"require": ["iss", "iat", "nbf", "exp", "jti"]},
            )
        except jwt.PyJWTError as exc:
            self.v4_requests.append({"error": str(exc), "token": token})
            return self._reject(401, "TOKEN_INVALID")
        fresh = claims["jti"] not in self._jtis
        self._jtis.add(claims["jti"])
        self.v4_requests.append(
            {"header": header, "claims": claims, "fresh_jti": fresh, "token": token}
        )
        if claims.get("merchantId") != request.headers.get("x-merchant-account-id"):
            return self._reject(403, "MERCHANT_MISMATCH")
        if "subscriptions.write" not in claims.get("scopes", []) or not fresh:
            return self._reject(403, "FORBIDDEN")

        def ok(request: web.Request) -> web.Response:
            sub = {**SEED_SUBSCRIPTION, "id": request.match_info["id"], "status": body["status"]}
            return self._answer(200, sub)

        return await self._fault_or(request, self.v4_faults, ok)

    # -- running ----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/token", self.token)
        app.router.add_post("/v3/recurring-payment/{id}/toggle", self.v3)
        app.router.add_put("/v3/customer/{id}/status", self.v3)
        app.router.add_post("/v4/subscriptions/{id}/status", self.v4)
        return app

    @contextmanager
    def running(self) -> Iterator[SigningServer]:
        """Serve on 127.0.0.1 from a daemon thread with its own event loop."""
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(self.app(), access_log=None)

        async def start() -> None:
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"

        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        asyncio.run_coroutine_threadsafe(start(), loop).result(10)
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    @property
    def token_url(self) -> str:
        return self.url + "/v1/token"


# -- keys and clients --------------------------------------------------------------------------


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key per name, made once per test run."""
    del name
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, *, pkcs8: bool = True) -> bytes:
    """``key`` as unencrypted PEM (PKCS#8, or PKCS#1 / SEC1 with ``pkcs8=False``)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8
        if pkcs8
        else serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def new_server() -> SigningServer:
    """A server that trusts ``rsa_key("v3")`` for v3 and ``rsa_key("jwt")`` for JWTs."""
    return SigningServer(rsa_key("v3").public_key(), rsa_key("jwt").public_key())


class Clock:
    """A clock a test moves by hand, and the server's with it (token lifetimes, no sleeping)."""

    def __init__(self, server: SigningServer) -> None:
        self.server = server
        self.skew = 0.0

    def __call__(self) -> float:
        return time.time() + self.skew

    def advance(self, seconds: float) -> None:
        self.skew += seconds
        self.server.skew += seconds


@contextmanager
def serving() -> Iterator[SigningServer]:
    """A running :class:`SigningServer`."""
    with new_server().running() as server:
        yield server


def signed_auth(server: SigningServer, **options: Any) -> SignedRequestAuth:
    """A SignedRequestAuth with the server's client credentials and the v3 key."""
    return SignedRequestAuth(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        private_key=pem(rsa_key("v3")),
        token_url=server.token_url,
        **options,
    )


def jwt_auth(**options: Any) -> JWTAuth:
    """A JWTAuth with the JWT key."""
    return JWTAuth(key_id=KEY_ID, private_key=pem(rsa_key("jwt")), **options)


def signing_client(server: SigningServer, **options: Any) -> AsyncEFundPay:
    """A client whose v3 calls are signed and whose v4 calls carry JWTs; no API key."""
    options.setdefault("retry", NO_WAIT)
    options.setdefault("v3_auth", signed_auth(server))
    options.setdefault("auth", jwt_auth())
    return AsyncEFundPay(merchant_account_id=MERCHANT, base_url=server.url, **options)
