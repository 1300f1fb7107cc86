"""Secrets and data over real loopback: what logs, reprs and exceptions may never show, the
``EFUNDPAY_LOG`` shortcut, plain-http refusal, TLS verification, and the response size cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import traceback
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import trustme

import efundpay
from efundpay import (
    AiohttpTransport,
    AsyncEFundPay,
    ConfigurationError,
    RetryEvent,
    RetryPolicy,
    Subscription,
)
from efundpay.testing import FakeEFundPay
from tests.helpers import NO_WAIT
from tests.network_servers import tls_front

pytestmark = pytest.mark.anyio

API_KEY = "sk_test_Sup3rS3cretKeyThatMustNeverLeak0123"
CARD = "4242424242424242"
SECURITY_CODE = re.compile(r"(?i)security_?code\W{0,6}739")
PAYMENT_METHOD = {
    "token_id": "tok_leakme7",
    "type": "card",
    "card": {"number": CARD, "expiration_date": "11/29", "security_code": "739"},
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeEFundPay]:
    async with FakeEFundPay(api_key=API_KEY, sample_data=False) as server:
        yield server


def leaks(text: str, fake: FakeEFundPay, customer_id: str) -> list[str]:
    """Which secrets ``text`` shows: the API key, the card, its code, the clientKey, the token."""
    found = [
        name
        for name, secret in [
            ("api key", API_KEY),
            ("card number", CARD),
            ("clientKey", fake.customer(customer_id).client_key),
            ("token id", "tok_leakme7"),
        ]
        if secret in text
    ]
    return found + (["security code"] if SECURITY_CODE.search(text) else [])


async def test_debug_logs_reprs_and_exceptions_never_show_a_secret(
    fake: FakeEFundPay, caplog: pytest.LogCaptureFixture
) -> None:
    customer_id = fake.add_customer()
    subscription_id = fake.add_subscription(payment_method=PAYMENT_METHOD)
    caplog.set_level(logging.DEBUG)  # every logger: the SDK's, the fake's, aiohttp's, asyncio's
    events: list[RetryEvent] = []
    policy = RetryPolicy(initial_backoff=0, max_backoff=0, on_retry=events.append)
    shown: list[Any] = []
    errors: list[efundpay.APIError] = []
    # The timeout must end the delayed call (2 s) yet leave every other call ample time.
    async with AsyncEFundPay(**fake.client_kwargs(), retry=policy, timeout=1.0) as client:
        shown += [client, client.with_options(max_retries=0), client._config]
        shown.append(await client.customers.toggle(customer_id))
        fake.fail_next(503, operation="subscriptions.status")
        shown.append(await client.subscriptions.pause(subscription_id))
        faults: list[Callable[[], None]] = [
            lambda: fake.fail_next(401, message=f"key {API_KEY} is revoked"),  # echoed back
            lambda: fake.fail_next(400, body={"error": {"message": CARD, **PAYMENT_METHOD}}),
            lambda: fake.malformed_next("truncated_json"),
            lambda: fake.malformed_next("wrong_types"),
            lambda: fake.malformed_next("html", status=502),
            lambda: fake.drop_next(after_apply=True),
            lambda: fake.delay_next(2.0),
        ]

        async def flip_subscription() -> Subscription:
            if fake.subscription(subscription_id).status == "active":
                return await client.subscriptions.pause(subscription_id)
            return await client.subscriptions.resume(subscription_id)

        for queue_fault in faults:
            for call in (lambda: client.customers.toggle(customer_id), flip_subscription):
                fake.clear_faults()
                queue_fault()
                try:
                    shown.append(await call())
                except efundpay.APIError as exc:
                    errors.append(exc)
    assert len(errors) >= len(faults), "every fault failed the toggle, if not the retried change"
    assert "response body" in caplog.text, "bodies are logged at DEBUG"

    texts = [caplog.text, *map(repr, shown), *map(repr, events)]
    for error in errors:
        texts += [
            str(error),
            repr(error),
            repr(vars(error)),
            "".join(traceback.format_exception(error)),
        ]
    assert [
        (text[:80], leaks(text, fake, customer_id))
        for text in texts
        if leaks(text, fake, customer_id)
    ] == []


@contextlib.contextmanager
def efundpay_log(monkeypatch: pytest.MonkeyPatch, value: str) -> Iterator[logging.Logger]:
    """Set ``EFUNDPAY_LOG`` and give back the SDK's logger as it was afterwards."""
    logger = logging.getLogger("efundpay")
    level, handlers = logger.level, list(logger.handlers)
    monkeypatch.setenv("EFUNDPAY_LOG", value)
    try:
        yield logger
    finally:
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.mark.parametrize("value", ["debug", "INFO"])
async def test_the_efundpay_log_shortcut_logs_attempts_and_bodies_only_at_debug(
    fake: FakeEFundPay,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    customer_id = fake.add_customer()
    with efundpay_log(monkeypatch, value) as logger:
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.customers.toggle(customer_id)
        assert logger.level == getattr(logging, value.upper())
        assert len(logger.handlers) == 1

    stderr = capsys.readouterr().err
    assert re.search(
        r"INFO efundpay: POST \S+/toggle -> 200 \(customers\.toggle, attempt 1, ", stderr
    )
    assert "request_id=req_" in stderr
    assert ("response body:" in stderr) is (value == "debug")
    assert leaks(stderr, fake, customer_id) == []


async def test_the_shortcut_adds_its_handler_once_and_leaves_configured_loggers_alone(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    with efundpay_log(monkeypatch, "info") as logger:
        AsyncEFundPay(**fake.client_kwargs())
        AsyncEFundPay(**fake.client_kwargs())
        assert len(logger.handlers) == 1
        mine = logging.NullHandler()
        logger.handlers[:] = [mine]
        AsyncEFundPay(**fake.client_kwargs())
        assert logger.handlers == [mine]


@pytest.mark.parametrize(
    "url",
    [
        "http://api.efundpay.com",
        "http://127.0.0.1.attacker.example",
        "http://localhost.attacker.example:8080",
        "http://0x7f000001",
        "http://10.0.0.1",
    ],
)
def test_plain_http_is_refused_for_anything_but_loopback(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="https://") as raised:
        AsyncEFundPay(api_key=API_KEY, merchant_account_id="acct_1", base_url=url)
    monkeypatch.setenv("EFUNDPAY_BASE_URL", url)
    with pytest.raises(ConfigurationError, match="EFUNDPAY_BASE_URL"):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id="acct_1")
    assert API_KEY not in str(raised.value)


# -- TLS ---------------------------------------------------------------------------------------


async def test_tls_is_verified_by_default_so_a_self_signed_server_is_refused(
    fake: FakeEFundPay,
) -> None:
    customer_id = fake.add_customer()
    async with (
        tls_front(fake, trustme.CA()) as url,
        AsyncEFundPay(
            api_key=API_KEY, merchant_account_id="acct_fake", base_url=url, retry=NO_WAIT
        ) as client,
    ):
        with pytest.raises(efundpay.APIConnectionError) as raised:
            await client.customers.toggle(customer_id)

    assert "certificate" in str(raised.value).lower()
    assert raised.value.request_sent is False, "the handshake failed: nothing was sent"
    assert raised.value.attempts == 3, "so even a toggle is retried"
    assert raised.value.outcome_unknown is False
    assert fake.customer(customer_id).toggle_count == 0
    assert fake.requests == []


async def test_an_ssl_context_that_trusts_the_server_is_how_to_allow_it(
    fake: FakeEFundPay,
) -> None:
    ca = trustme.CA()
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    customer_id = fake.add_customer()
    async with (
        tls_front(fake, ca) as url,
        AsyncEFundPay(
            api_key=API_KEY,
            merchant_account_id="acct_fake",
            base_url=url,
            transport=AiohttpTransport(verify=trusting),
        ) as client,
    ):
        customer = await client.customers.toggle(customer_id)

    assert customer.is_active is False
    assert fake.customer(customer_id).toggle_count == 1


def test_tls_verification_cannot_be_switched_off() -> None:
    with pytest.raises(ValueError, match="TLS checks stay on"):
        AiohttpTransport(verify=False)


# -- the response size cap --------------------------------------------------------------------


async def test_a_response_over_the_default_cap_is_refused(fake: FakeEFundPay) -> None:
    customer_id = fake.add_customer(extra={"blob": "x" * (5 * 1024 * 1024)})
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with pytest.raises(efundpay.APIResponseValidationError) as raised:
            await client.customers.toggle(customer_id)
    assert "cap" in str(raised.value)
    assert raised.value.outcome_unknown is True, "eFundPay answered: the toggle was applied"
    assert fake.customer(customer_id).toggle_count == 1


async def test_an_endless_chunked_response_is_cut_off_at_the_cap() -> None:
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        with contextlib.suppress(ConnectionError):
            while True:  # until the client hangs up
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(endless, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    transport = AiohttpTransport(max_response_bytes=1024 * 1024)
    async with AsyncEFundPay(
        api_key=API_KEY, merchant_account_id="acct_1", base_url=url, transport=transport
    ) as client:
        with pytest.raises(efundpay.APIResponseValidationError, match="1048576-byte cap"):
            await client.customers.toggle("cus_1")
    server.close()
    await server.wait_closed()
