"""The shortcuts the lean hot path takes keep every guarantee of the long way round.

- the SDK's own transport has no second timer, nor has any transport whose class declares
  ``enforces_timeout = True``; any other transport still gets the backstop;
- a body is read in one go only when its declared length is all it can be (no compression);
- the fast converter reads what the detailed one reads; the detailed one only explains;
- reading a model takes cattrs' generated function and the model's ``__init__``, and one
  Python call per field sent: no second layer of wrappers per field;
- cattrs (and the converter) and anyio load on first use, not at import;
- no cookie jar: nothing a server sets comes back on the next request;
- a UTF-8 body is decoded without json.loads' encoding sniffing, and others still are;
- idempotency keys are made without a ``uuid.UUID`` object, and are still version 4 UUIDs;
  their random bytes are drawn 64 keys at a time, and a forked child never reuses them;
- each attempt's headers are a copy of the call's template: what one attempt's Auth writes
  never reaches the next, and the copy still ignores case;
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from types import FrameType
from typing import Any

import anyio
import pytest
from aiohttp import web

import efundpay
from efundpay import AiohttpTransport, AsyncEFundPay, Customer, HTTPRequest, HTTPResponse
from efundpay import _convert as convert
from efundpay._request import new_idempotency_key
from efundpay._response import _NOT_JSON as NOT_JSON
from efundpay._response import _json as response_json
from efundpay._secret import SecretHeaders
from efundpay.auth import Auth, AuthRequest
from tests.helpers import API_KEY, MERCHANT, SEED_CUSTOMER, SEED_SUBSCRIPTION

pytestmark = pytest.mark.anyio


class _DeafTransport:
    """A transport that ignores ``HTTPRequest.timeout``: it never answers."""

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        pass


async def test_a_transport_that_ignores_its_timeout_is_still_cut_off() -> None:
    client = AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        transport=_DeafTransport(),
        timeout=0.05,
        max_retries=0,
    )
    async with client:
        with anyio.fail_after(30):  # a broken backstop fails the test instead of hanging it
            with pytest.raises(efundpay.APITimeoutError) as raised:
                await client.subscriptions.pause("sub_1")
    assert raised.value.outcome_unknown is True


async def test_a_compressed_body_is_capped_by_its_decompressed_size() -> None:
    # 2 MiB of zeros gzip to about 2 KiB: the declared length is far below the cap, the body
    # a client would hold is far above it.
    bomb = gzip.compress(b"0" * (2 * 1024 * 1024))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.read(1024)  # the small JSON body, already sent with the headers
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(bomb), bomb)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    transport = AiohttpTransport(max_response_bytes=1024 * 1024)
    client = AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        base_url=url,
        transport=transport,
        max_retries=0,
    )
    async with client:
        with pytest.raises(efundpay.APIResponseValidationError, match="1048576-byte cap"):
            await client.subscriptions.pause("sub_1")
    server.close()
    await server.wait_closed()


async def test_cookies_a_server_sets_are_never_sent_back() -> None:
    # localhost, not 127.0.0.1: aiohttp's own jar ignores cookies from IP addresses.
    seen: list[str | None] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        response = web.json_response(SEED_SUBSCRIPTION)
        response.set_cookie("lb_session", "sticky-1")  # what a load balancer might add
        return response

    app = web.Application()
    app.router.add_post("/v4/subscriptions/{id}/status", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    client = AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, base_url=f"http://localhost:{port}"
    )
    try:
        async with client:
            for _ in range(2):
                await client.subscriptions.pause(SEED_SUBSCRIPTION["id"])
    finally:
        await runner.cleanup()
    assert seen == [None, None]


@pytest.mark.parametrize(
    ("data", "model"),
    [
        pytest.param(SEED_SUBSCRIPTION, efundpay.Subscription, id="seed-subscription"),
        pytest.param(
            {**SEED_SUBSCRIPTION, "paused_at": "null", "cancelled_at": "2024-01-20T14:22:00Z"},
            efundpay.Subscription,
            id="null-string-and-alias",
        ),
        pytest.param(
            {**SEED_SUBSCRIPTION, "status": "trialing", "discount": {"percent": 10}},
            efundpay.Subscription,
            id="unknown-status-and-key",
        ),
        pytest.param(SEED_CUSTOMER, Customer, id="seed-customer"),
        pytest.param(
            {**SEED_CUSTOMER, "isActive": "true", "recurringPayment": None},
            Customer,
            id="legacy-customer",
        ),
    ],
)
def test_the_fast_converter_reads_exactly_what_the_detailed_one_reads(
    data: dict[str, Any], model: type[Any]
) -> None:
    fast = convert._fast().structure(data, model)
    assert fast == convert._detailed().structure(data, model)
    assert fast.extra == convert._detailed().structure(data, model).extra
    assert convert.unstructure(fast) == convert._detailed().unstructure(fast)


def test_a_failure_is_explained_with_every_problem_by_the_detailed_converter() -> None:
    data = {**SEED_SUBSCRIPTION, "livemode": "maybe", "paused_at": "yesterday"}
    with pytest.raises(convert.ConversionError) as raised:
        convert.structure(data, efundpay.Subscription)
    assert sorted(raised.value.problems) == [
        "$.livemode: expected a boolean, got 'maybe'",
        "$.paused_at: expected an ISO 8601 time, got 'yesterday'",
    ]


def test_reading_a_subscription_calls_python_once_per_field_and_four_times_per_model() -> None:
    """What one read of the seed subscription runs, Python call by Python call.

    Per model (the subscription and its five nested objects): the function of the object's
    rules (``structure_model``: is it one, aliases, unknown keys), cattrs' generated
    ``structure_<Model>``, attrs' ``__init__``, and the attrs converter that makes ``extra``
    (and ``metadata``) a ``FrozenDict``.  Per field sent: exactly one hook, the one for the
    field's type or its own override, ``None`` handled inside it (the optional hooks are not
    a ``None`` test wrapped around another hook), except for optional times and dates: their
    ``None``/``"null"`` test calls the parser, two plain calls being cheaper than one through a
    ``functools.partial`` with a keyword.  Nested models cost no hook of their own: the
    model's rules are registered for ``Model | None`` too.
    """
    convert.structure(SEED_SUBSCRIPTION, efundpay.Subscription)  # builds the converter
    calls: list[str] = []

    def record(frame: FrameType, event: str, _: object) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)

    # No garbage collection while recording: finalizers of earlier tests' objects would run
    # inside the read and be counted as its calls.
    gc.collect()
    gc.disable()
    sys.setprofile(record)
    try:
        convert.structure(SEED_SUBSCRIPTION, efundpay.Subscription)
    finally:
        sys.setprofile(None)
        gc.enable()
    models = 6  # Subscription, PauseCollection, SubscriptionCustomer, Plan, PaymentMethod, Card
    assert Counter(calls) == {
        "structure": 1,  # efundpay._convert.structure, the boundary
        "structure_model": models,
        **{f"structure_{name}": 1 for name in _SEED_MODELS},  # cattrs' generated functions
        "__init__": models,
        "frozen_mapping": models + 1,  # each ``extra``, and the subscription's ``metadata``
        # one hook per field sent:
        "structure_str": 1,  # id, strict
        "structure_enum": 2,  # status, pause_collection.behavior
        "structure_text": 1,  # object
        "structure_optional_exact": 20,  # the optional text, integer and boolean fields
        "structure_nullable": 5,  # the four times, and next_billing_date (null: no parse)
        "structure_datetime": 4,  # resume_at, paused_at, the period's ends
    }


_SEED_MODELS = (
    "Subscription",
    "PauseCollection",
    "SubscriptionCustomer",
    "Plan",
    "PaymentMethod",
    "Card",
)


def test_importing_efundpay_leaves_cattrs_anyio_and_notification_models_for_first_use() -> None:
    probe = (
        "import sys, efundpay\n"
        "for name in ('cattrs', 'anyio', 'efundpay.models.notifications'):\n"
        "    assert name not in sys.modules, f'import efundpay imported {name}'\n"
        "from efundpay.models import WebhookEvent, RecurringCharge\n"
        "assert efundpay.models.ChargeOrder.__name__ == 'ChargeOrder'\n"
        "assert WebhookEvent is sys.modules['efundpay.models.notifications'].WebhookEvent\n"
        "efundpay._convert.structure({'id': 'sub_1', 'status': 'paused'}, efundpay.Subscription)\n"
        "assert 'cattrs' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True)


def test_idempotency_keys_are_distinct_version_4_uuids() -> None:
    keys = [new_idempotency_key() for _ in range(10_000)]
    assert len(set(keys)) == len(keys)
    for key in keys:
        parsed = uuid.UUID(key)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == key  # the canonical form: lowercase, hyphens where uuid4 has them


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"id": "sub_1", "name": "Zoë"}'.encode(), id="utf-8"),
        pytest.param('{"id": "sub_1"}'.encode("utf-8-sig"), id="utf-8-with-bom"),
        pytest.param('{"id": "sub_1"}'.encode("utf-16"), id="utf-16"),
        pytest.param('{"id": "sub_1"}'.encode("utf-32"), id="utf-32"),
    ],
)
def test_a_body_decodes_as_json_loads_would_decode_it(body: bytes) -> None:
    assert response_json(body) == json.loads(body)


@pytest.mark.parametrize("body", [b"<html>", b"\xff\xfe{", b"", b'{"id": '])
def test_a_body_json_loads_refuses_is_not_json(body: bytes) -> None:
    assert response_json(body) is NOT_JSON


def test_a_copy_of_secret_headers_is_its_own_and_ignores_case() -> None:
    template = SecretHeaders({"Accept": "application/json", "User-Agent": "x"})
    copy = SecretHeaders(template)
    copy["authorization"] = "Bearer sk_test_abc"
    copy["ACCEPT"] = "text/plain"  # replaces "Accept", whatever its case
    assert dict(copy) == {
        "User-Agent": "x",
        "ACCEPT": "text/plain",
        "authorization": "Bearer sk_test_abc",
    }
    assert copy["Authorization"] == "Bearer sk_test_abc"
    assert dict(template) == {"Accept": "application/json", "User-Agent": "x"}
    assert "[REDACTED]" in repr(copy)


class _FirstAttemptOnly(Auth):
    """Writes a header on the first attempt only, and a counter header on every one."""

    def __init__(self) -> None:
        self.attempts = 0

    async def authenticate(self, request: AuthRequest) -> None:
        self.attempts += 1
        if self.attempts == 1:
            request.headers["X-First"] = "1"
        request.headers["X-Attempt"] = str(self.attempts)


async def test_what_an_attempts_auth_writes_never_reaches_the_next_attempt() -> None:
    answers = iter(
        [
            HTTPResponse.from_json(503, {"code": "UNAVAILABLE"}),
            HTTPResponse.from_json(200, SEED_SUBSCRIPTION),
        ]
    )
    transport = efundpay.MockTransport(lambda request: next(answers))
    client = AsyncEFundPay(
        auth=_FirstAttemptOnly(),
        merchant_account_id=MERCHANT,
        transport=transport,
        retry=efundpay.RetryPolicy(max_retries=1, initial_backoff=0, max_backoff=0),
    )
    async with client:
        await client.subscriptions.pause(SEED_SUBSCRIPTION["id"])
    first, second = (dict(request.headers) for request in transport.requests)
    assert first["X-First"] == "1" and first["X-Attempt"] == "1"
    assert "X-First" not in second and second["X-Attempt"] == "2"
    assert first["idempotency-key"] == second["idempotency-key"]
    assert first["x-merchant-account-id"] == second["x-merchant-account-id"] == MERCHANT


class _Recording:
    """Answers at once, noting whether the pipeline's backstop timer is around the request."""

    def __init__(self) -> None:
        self.backstopped: list[bool] = []

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        frame: FrameType | None = sys._getframe()
        names = []
        while frame is not None:
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        self.backstopped.append("_send_with_backstop" in names)
        return HTTPResponse.from_json(200, SEED_SUBSCRIPTION)

    async def aclose(self) -> None:
        pass


class _SelfTimed(_Recording):
    enforces_timeout = True  # the promise that lets the pipeline skip its own timer


@pytest.mark.parametrize(
    ("transport_class", "backstopped"), [(_Recording, True), (_SelfTimed, False)]
)
async def test_only_a_transport_that_declares_it_enforces_its_timeout_goes_without_backstop(
    transport_class: type[_Recording], backstopped: bool
) -> None:
    transport = transport_class()
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, transport=transport)
    async with client:
        await client.subscriptions.pause(SEED_SUBSCRIPTION["id"])
    assert transport.backstopped == [backstopped]
    assert AiohttpTransport.enforces_timeout is True


_KEYS_ACROSS_A_FORK = """
import os, sys
from efundpay._request import new_idempotency_key
new_idempotency_key()  # the parent now holds random bytes for its next keys
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(write, "".join(new_idempotency_key() for _ in range(3)).encode())
    os._exit(0)
os.waitpid(pid, 0)
child = os.read(read, 4096).decode()
parent = "".join(new_idempotency_key() for _ in range(3))
sys.exit(0 if len(child) == len(parent) == 108 and child != parent else 1)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() only")
def test_a_forked_child_never_makes_its_parents_next_idempotency_keys() -> None:
    # In a process of its own: forking the test runner (threads and all) would be unsafe.
    done = subprocess.run([sys.executable, "-c", _KEYS_ACROSS_A_FORK], check=False, timeout=60)
    assert done.returncode == 0
