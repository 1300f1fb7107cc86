"""The layers between raw aiohttp and ``AsyncEFundPay``, each as a subject of its own.

A call through ``AsyncEFundPay`` is raw aiohttp plus three things: the transport wrapper
(:class:`efundpay.AiohttpTransport`), the pipeline (arguments, headers, auth, the retry
loop), and reading the answer into models.  Counting the instructions of each layer alone
(``benchmarks/instructions.py``) shows what each costs:

- ``transport alone``: ``AiohttpTransport.handle_request`` sending the benchmark's request
  (the same headers, a fresh idempotency key) and decoding the JSON, as raw aiohttp does;
- ``pipeline, no I/O``: ``AsyncEFundPay.subscriptions.pause`` through a transport that
  answers at once with the stub's bytes: everything the SDK does except the network;
- ``parse alone``: reading the 200 response into a :class:`~efundpay.Subscription`;
- ``json.loads alone``: decoding the same bytes, which raw aiohttp's subject does too, so
  ``parse alone - json.loads alone`` is what the typed models cost.

This is the one module that reaches into the SDK's private names (the parse entry point and
the transport's place in the pipeline); when they move, only this file follows them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Final

import efundpay
from efundpay import AiohttpTransport, HTTPRequest, HTTPResponse, Timeout
from efundpay._request import APIRequest
from efundpay._response import read_response

from .clients import (
    API_KEY,
    BODY,
    MERCHANT,
    PATH,
    AsyncCall,
    AsyncSubject,
    SyncCall,
    SyncSubject,
    _check,
    _check_model,
    _headers,
)
from .stub_server import PAYLOAD, SUBSCRIPTION_ID

__all__ = ["LAYERS", "parse_once", "pipeline_without_io"]

_TIMEOUT: Final = Timeout()
_ANSWER: Final = HTTPResponse(200, {"Content-Type": "application/json"}, PAYLOAD)


def parse_once() -> Callable[[], None]:
    """One parse of the stub's answer into a ``Subscription``: the function the client runs
    for every success (bytes in, model out)."""
    request = APIRequest(
        operation="subscriptions.pause",
        api="v4",
        method="POST",
        path=PATH,
        model=efundpay.Subscription,
    )

    def parse() -> None:
        _check_model(read_response(_ANSWER, request, url="http://127.0.0.1/", secrets=(API_KEY,)))

    return parse


@contextlib.asynccontextmanager
async def _transport_alone(base_url: str) -> AsyncIterator[AsyncCall]:
    transport = AiohttpTransport()
    url = base_url + PATH
    try:

        async def call() -> None:
            response = await transport.handle_request(
                HTTPRequest("POST", url, _headers(), BODY, _TIMEOUT)
            )
            _check(response.status_code, json.loads(response.content))

        yield call
    finally:
        await transport.aclose()


@contextlib.asynccontextmanager
async def pipeline_without_io(base_url: str) -> AsyncIterator[AsyncCall]:
    del base_url  # nothing leaves the process
    transport = AiohttpTransport()

    async def answer(request: HTTPRequest) -> HTTPResponse:
        return _ANSWER

    # The instance keeps its class, so the pipeline takes the path it takes for the SDK's
    # own transport (a foreign transport would add a backstop timer): only the I/O is gone.
    transport.handle_request = answer  # type: ignore[method-assign]
    async with efundpay.AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, base_url="http://127.0.0.1:9",
        transport=transport,
    ) as client:  # fmt: skip
        pause = client.subscriptions.pause

        async def call() -> None:
            _check_model(await pause(SUBSCRIPTION_ID))

        yield call


@contextlib.contextmanager
def _parse_alone(base_url: str) -> Iterator[SyncCall]:
    del base_url
    yield parse_once()


@contextlib.contextmanager
def _json_alone(base_url: str) -> Iterator[SyncCall]:
    del base_url

    def decode() -> None:
        _check(200, json.loads(_ANSWER.content))

    yield decode


# The layers, with the concurrency each is counted at: the network subjects at 64 callers
# (where the client is CPU-bound), the in-process ones one call at a time.
LAYERS: Final[tuple[tuple[AsyncSubject | SyncSubject, int], ...]] = (
    (AsyncSubject("transport alone", _transport_alone), 64),
    (AsyncSubject("pipeline, no I/O", pipeline_without_io), 1),
    (SyncSubject("parse alone", _parse_alone), 1),
    (SyncSubject("json.loads alone", _json_alone), 1),
)
