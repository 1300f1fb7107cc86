"""The fake delivers signed notifications, with faults, to a real endpoint on 127.0.0.1."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from efundpay import WebhookVerificationError
from efundpay.testing import FakeEFundPay
from efundpay.webhooks import (
    V3_ACKNOWLEDGEMENT_BODY,
    V4_ACKNOWLEDGEMENT_BODY,
    InMemoryDeduplicator,
    verify_v3_notification,
    verify_v4_webhook,
)

from .notification_signers import v4_pairs


class Endpoint:
    """A merchant's endpoint: verify with the SDK, drop repeats, record, acknowledge."""

    def __init__(self, public_key: bytes) -> None:
        self.public_key = public_key
        self.dedupe = InMemoryDeduplicator()
        self.acted: list[Any] = []
        self.refused: list[str] = []

    def handle(self, path: str, body: bytes, headers: Any) -> tuple[int, bytes]:
        try:
            if path.endswith("/v3"):
                notification: Any = verify_v3_notification(body, headers, self.public_key)
                ack = V3_ACKNOWLEDGEMENT_BODY
            else:
                notification = verify_v4_webhook(body, headers, self.public_key)
                ack = V4_ACKNOWLEDGEMENT_BODY
        except WebhookVerificationError as exc:
            self.refused.append(exc.reason)
            return 400, b"{}"
        if self.dedupe.claim(notification.dedupe_key):
            self.acted.append(notification)
        return 200, ack


@asynccontextmanager
async def aiohttp_endpoint(endpoint: Endpoint) -> AsyncIterator[str]:
    async def handle(request: web.Request) -> web.Response:
        status, body = endpoint.handle(request.path, await request.read(), request.headers)
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{kind}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.mark.anyio
async def test_a_v3_charge_is_delivered_signed_and_verifies_with_the_fakes_public_key() -> None:
    async with FakeEFundPay() as fake:
        endpoint = Endpoint(fake.notification_public_key_pem)
        async with aiohttp_endpoint(endpoint) as url:
            [delivery] = await fake.asend_v3_notification(f"{url}/v3", "cus_123", amount=2500)
    assert (delivery.status, delivery.accepted) == (200, True)
    assert json.loads(delivery.response) == {"code": "SUCCESS"}
    [charge] = endpoint.acted
    assert (charge.customer_id, charge.amount, charge.currency) == ("cus_123", 2500, "USD")
    assert delivery.headers["X-Signature"].startswith("sha256 ")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("bad_signature", "bad_signature"),
        ("tampered_body", "bad_signature"),
        ("missing_signature", "missing_header"),
        ("stale_timestamp", "stale_timestamp"),
    ],
)
async def test_each_v3_fault_is_refused_by_a_verifying_endpoint(fault: Any, reason: str) -> None:
    async with FakeEFundPay() as fake:
        endpoint = Endpoint(fake.notification_public_key_pem)
        async with aiohttp_endpoint(endpoint) as url:
            [delivery] = await fake.asend_v3_notification(f"{url}/v3", fault=fault)
    assert delivery.status == 400
    assert (endpoint.refused, endpoint.acted) == ([reason], [])


@pytest.mark.anyio
async def test_a_duplicate_v3_delivery_is_re_signed_and_acted_on_once() -> None:
    async with FakeEFundPay() as fake:
        endpoint = Endpoint(fake.notification_public_key_pem)
        async with aiohttp_endpoint(endpoint) as url:
            first, second = await fake.asend_v3_notification(f"{url}/v3", fault="duplicate")
    assert first.body == second.body
    assert first.headers["X-Nonce-Str"] != second.headers["X-Nonce-Str"]
    assert (first.status, second.status) == (200, 200)
    assert len(endpoint.acted) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fault", "status", "acted"),
    [(None, 200, 1), ("duplicate", 200, 1), ("bad_signature", 400, 0), ("tampered_body", 400, 0)],
)
async def test_v4_webhooks_about_a_subscription_verify_and_faults_are_refused(
    fault: Any, status: int, acted: int
) -> None:
    async with FakeEFundPay() as fake:
        fake.add_subscription("sub_gold", status="paused")
        endpoint = Endpoint(fake.notification_public_key_pem)
        async with aiohttp_endpoint(endpoint) as url:
            deliveries = await fake.asend_v4_webhook(
                f"{url}/v4", "sub_gold", event_type="subscription.paused", fault=fault
            )
    assert {d.status for d in deliveries} == {status}
    assert len(endpoint.acted) == acted
    if acted:
        assert endpoint.acted[0].subscription.id == "sub_gold"
        assert endpoint.acted[0].subscription.status == "paused"
        assert json.loads(deliveries[0].response) == {"code": "200", "message": "SUCCESS"}


def test_the_fakes_v4_signature_follows_the_document_not_the_sdk() -> None:
    # The tests' own signer (written from the document) builds the same string.
    fake = FakeEFundPay()
    body = fake.v4_webhook_body(event_id="evt_1")
    signature = fake.notification_signer.v4(body)["signature"]
    public = serialization.load_pem_public_key(fake.notification_public_key_pem)
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(  # raises if the strings differ
        base64.b64decode(signature),
        "&".join(v4_pairs(body)).encode(),
        padding.PKCS1v15(),
        hashes.SHA1(),
    )


def test_v4_has_no_signed_timestamp_so_a_stale_fault_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="no timestamp"):
        FakeEFundPay().send_v4_webhook("http://127.0.0.1:9/", fault="stale_timestamp")


@contextmanager
def threaded_endpoint(endpoint: Endpoint) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, answer = endpoint.handle(self.path, body, self.headers)
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_sync_tests_send_with_the_blocking_methods() -> None:
    with FakeEFundPay() as fake:
        endpoint = Endpoint(fake.notification_public_key_pem)
        with threaded_endpoint(endpoint) as url:
            assert [d.status for d in fake.send_v3_notification(f"{url}/v3")] == [200]
            assert [d.status for d in fake.send_v4_webhook(f"{url}/v4")] == [200]
            assert [
                d.status for d in fake.send_v3_notification(f"{url}/v3", fault="bad_signature")
            ] == [400]
    assert len(endpoint.acted) == 2


def test_an_unreachable_endpoint_is_a_delivery_without_a_status() -> None:
    with threaded_endpoint(Endpoint(b"")) as url:
        pass  # closed: nothing listens there any more
    [delivery] = FakeEFundPay().send_v3_notification(f"{url}/v3")
    assert (delivery.status, delivery.accepted) == (None, False)


def test_a_tokenized_customer_needs_an_amount() -> None:
    with pytest.raises(ValueError, match="tokenized"):
        FakeEFundPay().v3_notification_body("cus_tokenized")
    body = FakeEFundPay().v3_notification_body("cus_tokenized", amount=5, currency="EUR")
    assert (body["data"]["amount"], body["data"]["currency"]) == (5, "EUR")
