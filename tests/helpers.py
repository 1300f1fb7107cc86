"""Small builders shared by the unit tests (not fixtures: plain functions are easier to read)."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Literal

import attrs
import pytest

from efundpay import (
    AiohttpTransport,
    AsyncEFundPay,
    HTTPRequest,
    HTTPResponse,
    MockTransport,
    RetryPolicy,
    TransportError,
)
from efundpay._http import Handler
from efundpay.testing import FakeEFundPay, Operation

API_KEY = "sk_test_unit_0123456789abcdef"
MERCHANT = "acct_unit"

# Retries without waiting, so retry tests take no time.
NO_WAIT = RetryPolicy(initial_backoff=0.0, max_backoff=0.0)

SEED_SUBSCRIPTION: dict[str, Any] = {
    "id": "sub_1234567890abcdef",
    "object": "subscription",
    "status": "paused",
    "pause_collection": {"behavior": "mark_uncollectible", "resume_at": "2024-03-01T00:00:00Z"},
    "paused_at": "2024-01-20T14:22:00Z",
    "customer": {
        "id": "cus_abc123",
        "display_name": "John Doe",
        "external_identifier": "customer-12345",
        "first_name": "John",
        "last_name": "Doe",
        "email_address": "john@example.com",
        "phone_number": "+1234567890",
        "account_number": "123456789",
    },
    "plan": {
        "name": "Basic Monthly",
        "currency": "USD",
        "amount": 1000,
        "interval": "month",
        "trial_period_days": 14,
        "billing_cycle_anchor": "immediate",
    },
    "payment_method": {
        "token_id": "tok_a1b2c3d4",
        "type": "card",
        "card": {"number": "4111111111111111", "expiration_date": "12/27", "security_code": "123"},
    },
    "current_period_start": "2024-01-15T10:30:00Z",
    "current_period_end": "2024-02-15T10:30:00Z",
    "next_billing_date": None,
    "livemode": False,
}

SEED_CUSTOMER: dict[str, Any] = {
    "id": "cus_123",
    "merchantId": "mer_1",
    "storeId": "store_1",
    "label": "411111******1111",
    "email": "jane@example.com",
    "countryCode": "US",
    "phoneNumber": "+15550100",
    "productName": "Pro plan",
    "productDescription": "Monthly pro plan",
    "isActive": False,
    "createdAt": "2024-01-15T10:30:00Z",
    "updatedAt": "2024-01-20T14:22:00Z",
    "clientKey": "ck_live_secret_value",
    "redirectUrl": "https://merchant.example/return",
    "notifyUrl": "https://merchant.example/notify",
    "paymentUrl": "https://pay.example/bind",
    "recurringPayment": {
        "amount": 1999,
        "currency": "USD",
        "recurringInterval": "MONTHLY",
        "recurringTarget": "1",
        "recurringRepetition": 12,
    },
}


def envelope(
    item: Any = None, code: str = "SUCCESS", error: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A v3 response envelope."""
    return {"item": item, "code": code, "error": error}


Responder = Callable[[HTTPRequest], HTTPResponse]


def scripted(*answers: HTTPResponse | Exception) -> Responder:
    """A handler that gives each answer in turn (raising exceptions), then fails loudly."""
    queue = list(answers)

    def handler(request: HTTPRequest) -> HTTPResponse:
        if not queue:
            raise AssertionError(f"unexpected extra request: {request.method} {request.url}")
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


def ok_subscription(**changes: Any) -> HTTPResponse:
    return HTTPResponse.from_json(200, {**SEED_SUBSCRIPTION, **changes})


def ok_customer(**changes: Any) -> HTTPResponse:
    return HTTPResponse.from_json(200, envelope({**SEED_CUSTOMER, **changes}))


def mock_client(handler: Handler, **options: Any) -> tuple[AsyncEFundPay, MockTransport]:
    transport = MockTransport(handler)
    options.setdefault("retry", NO_WAIT)
    client = AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, transport=transport, **options
    )
    return client, transport


def body_of(request: HTTPRequest) -> Any:
    assert request.content is not None
    return json.loads(request.content)


@contextlib.contextmanager
def refusing_url() -> Iterator[str]:
    """An ``http://`` loopback base URL that refuses connections, deterministically.

    The port is bound (so nothing else can take it) but not listening, so every connection
    attempt is refused at once: the request never leaves the process.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


# -- faults to queue on FakeEFundPay (the property and state-machine tests draw from these) ----

#: Seconds a "slow" fault holds its response; pair it with :data:`SHORT_TIMEOUT`.
HOLD = 0.15
#: The per-attempt timeout for a call that meets :data:`SLOW` (others keep the default, so a
#: busy machine never turns an ordinary call into a timeout).
SHORT_TIMEOUT = 0.05
SLOW = "slow past the timeout"

#: One fault for the next attempt at ``operation``, by a name that says what it does.
FAULTS: dict[str, Callable[[FakeEFundPay, Operation], None]] = {
    "503 before applying": lambda fake, op: fake.fail_next(503, operation=op),
    "500 after applying": lambda fake, op: fake.fail_next(500, apply=True, operation=op),
    "429": lambda fake, op: fake.fail_next(429, retry_after=0, operation=op),
    "drop before applying": lambda fake, op: fake.drop_next(after_apply=False, operation=op),
    "drop after applying": lambda fake, op: fake.drop_next(after_apply=True, operation=op),
    SLOW: lambda fake, op: fake.delay_next(HOLD, operation=op),
    "html": lambda fake, op: fake.malformed_next("html", operation=op),
    "truncated json": lambda fake, op: fake.malformed_next("truncated_json", operation=op),
    "html 502, not applied": lambda fake, op: fake.malformed_next(
        "html", status=502, apply=False, operation=op
    ),
}


# -- attributing what the fake applied to the SDK call that sent it ---------------------------

#: The call the current task is making; :class:`TaggingTransport` sends it as ``x-test-call``.
CALL_ID: ContextVar[str] = ContextVar("efundpay_test_call", default="")


class TaggingTransport:
    """The real :class:`AiohttpTransport`, marking each request with the call it belongs to.

    The fake logs every request with its headers and whether it applied a change, so a test
    can attribute each change to exactly one SDK call, however late it lands: a request the
    client gave up on may still be waiting in the server's socket and be applied after the
    call returned.  :attr:`maybe_sent` counts the requests of each call that may have reached
    the fake (all but those refused or timed out before sending).
    """

    def __init__(self) -> None:
        self.inner = AiohttpTransport()
        self.maybe_sent: Counter[str] = Counter()

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` with the current :data:`CALL_ID` as ``x-test-call``."""
        call = CALL_ID.get()
        tagged = attrs.evolve(request, headers={**request.headers, "x-test-call": call})
        sent = True
        try:
            return await self.inner.handle_request(tagged)
        except TransportError as exc:
            sent = exc.request_sent
            raise
        finally:
            self.maybe_sent[call] += sent

    async def aclose(self) -> None:
        """Close the real transport."""
        await self.inner.aclose()


def applied_by_call(fake: FakeEFundPay) -> Counter[str]:
    """How many changes the fake applied for each ``x-test-call``."""
    return Counter(r.headers.get("x-test-call", "") for r in fake.requests if r.applied)


def settle(fake: FakeEFundPay, transport: TaggingTransport, call: str, limit: float = 3.0) -> None:
    """Block until the fake has handled every request of ``call`` that may have reached it.

    A request is logged once handled (a held one once its hold ends), so after this nothing
    of ``call`` can still change the fake.  Gives up after ``limit`` seconds: a request that
    died on the way is never logged, and never applied either.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        logged = sum(r.headers.get("x-test-call") == call for r in fake.requests)
        if logged >= transport.maybe_sent[call]:
            return
        time.sleep(0.005)


# The fake's sample objects and operation names, as the fault and integration tests use them.
CUS = "cus_123"
SUB = "sub_1234567890abcdef"
STATUS: Literal["subscriptions.status"] = "subscriptions.status"
TOGGLE: Literal["customers.toggle"] = "customers.toggle"


def point_environment_at(fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the ``EFUNDPAY_*`` variables so that a client made from the environment uses ``fake``."""
    for name in ("EFUNDPAY_ENVIRONMENT", "EFUNDPAY_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EFUNDPAY_API_KEY", fake.api_key)
    monkeypatch.setenv("EFUNDPAY_MERCHANT_ACCOUNT_ID", fake.merchant_account_id)
    monkeypatch.setenv("EFUNDPAY_BASE_URL", fake.url)


@contextlib.contextmanager
def ctrl_c_reaches_children() -> Iterator[None]:
    """Processes started in the block stop on SIGINT, however this one was started.

    A shell starts a background job with SIGINT ignored, and a child inherits that: Python
    then never raises KeyboardInterrupt, and a test that sends SIGINT waits for nothing.  A
    signal with a handler is reset to its default in a child, so a handler is installed for
    the block.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
