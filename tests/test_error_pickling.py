"""Every public exception crosses a process boundary intact; headers and causes are kept.

One ``NotFoundError`` raised in a ``ProcessPoolExecutor`` worker must reach the parent as a
``NotFoundError`` with its attributes, not break the pool.  Response headers are
case-insensitive, as HTTP says; a connection error keeps the transport's exception (and,
behind it, aiohttp's) as its cause.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle
from typing import Any

import aiohttp
import pytest

import efundpay
from efundpay import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AsyncEFundPay,
    Headers,
    HTTPResponse,
    NotFoundError,
    TransportError,
)
from tests.helpers import API_KEY, MERCHANT, NO_WAIT, mock_client, refusing_url, scripted

HEADERS = {"Retry-After": "3", "X-Request-Id": "req_1"}

EXCEPTIONS: list[type[BaseException]] = [
    cls
    for name in efundpay.__all__
    if isinstance(cls := getattr(efundpay, name), type) and issubclass(cls, BaseException)
]


def example(cls: type[BaseException]) -> BaseException:
    """An instance of ``cls`` with every attribute it has set, none left at its default."""
    common: dict[str, Any] = {
        "method": "POST",
        "url": "https://api.example/v4/subscriptions/sub_1/status",
        "idempotency_key": "key-1",
        "outcome_unknown": True,
        "attempts": 3,
    }
    if issubclass(cls, APIStatusError):
        status = {efundpay.RateLimitError: 429, efundpay.InternalServerError: 503}.get(cls, 404)
        return cls(
            "No such subscription",
            text="Not Found (404): NOT_FOUND - No such subscription",
            status_code=status,
            code="NOT_FOUND",
            debug="debug text",
            details=[{"field": "id"}],
            request_id="req_1",
            body={"code": "NOT_FOUND"},
            headers=HEADERS,
            retry_after=3.0,
            **common,
        )
    if issubclass(cls, APIResponseValidationError):
        return cls("bad", status_code=200, headers=HEADERS, body="{}", request_id="r", **common)
    if issubclass(cls, APIConnectionError):
        return cls("reset", request_sent=False, **common)
    if issubclass(cls, APIError):
        return cls("failed", **common)
    if issubclass(cls, TransportError):
        return cls("refused", request_sent=False)
    if issubclass(cls, efundpay.WebhookVerificationError):
        return cls("no X-Signature header", reason="missing_header", header="X-Signature")
    return cls("a message")


def test_every_public_exception_is_listed() -> None:
    names = {cls.__name__ for cls in EXCEPTIONS}
    assert {
        "NotFoundError",
        "ClientClosedError",
        "TransportError",
        "EFundPayError",
        "WebhookVerificationError",
    } <= names


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_every_public_exception_round_trips_through_pickle_with_its_attributes(
    cls: type[BaseException],
) -> None:
    original = example(cls)
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is cls
    assert str(copy) == str(original)
    assert copy.args == original.args
    assert vars(copy) == vars(original)


def _raise_not_found() -> None:
    raise example(NotFoundError)


def test_an_error_raised_in_a_process_pool_worker_reaches_the_parent_intact() -> None:
    context = multiprocessing.get_context("spawn")  # no fork of a threaded test process
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(_raise_not_found)
        with pytest.raises(NotFoundError) as raised:
            future.result(timeout=60)
        assert pool.submit(int, "7").result(timeout=60) == 7  # the pool still works
    error = raised.value
    assert (error.status_code, error.code, error.request_id) == (404, "NOT_FOUND", "req_1")
    assert (error.idempotency_key, error.outcome_unknown, error.attempts) == ("key-1", True, 3)
    assert error.headers["retry-after"] == "3"


@pytest.mark.anyio
async def test_error_headers_are_case_insensitive_and_read_only() -> None:
    answer = HTTPResponse.from_json(404, {}, headers={"X-Request-Id": "req_9", "Retry-After": "2"})
    client, _ = mock_client(scripted(answer), max_retries=0)
    async with client:
        with pytest.raises(NotFoundError) as raised:
            await client.subscriptions.pause("sub_1")
    headers = raised.value.headers
    assert isinstance(headers, Headers)
    assert headers["x-request-id"] == headers["X-REQUEST-ID"] == "req_9"
    assert "retry-after" in headers
    assert headers.get("RETRY-AFTER") == "2"
    with pytest.raises(TypeError):
        headers["x"] = "y"  # type: ignore[index]
    with pytest.raises(AttributeError):
        headers.extra = 1
    assert pickle.loads(pickle.dumps(headers)) == headers


def test_headers_keep_every_value_of_a_repeated_header() -> None:
    headers = Headers([("Set-Thing", "a"), ("set-thing", "b"), ("Other", "c")])
    assert headers["SET-THING"] == "a"
    assert headers.get_all("set-thing") == ["a", "b"]
    assert list(headers) == ["Set-Thing", "Other"]
    assert len(headers) == 2


@pytest.mark.anyio
async def test_a_connection_error_keeps_the_transport_failure_as_its_cause() -> None:
    with refusing_url() as url:
        async with AsyncEFundPay(
            api_key=API_KEY, merchant_account_id=MERCHANT, base_url=url, max_retries=0,
            retry=NO_WAIT,
        ) as client:  # fmt: skip
            with pytest.raises(APIConnectionError) as raised:
                await client.customers.toggle("cus_1")
    cause = raised.value.__cause__
    assert isinstance(cause, TransportError)
    assert cause.request_sent is False
    assert isinstance(cause.__cause__, aiohttp.ClientConnectorError)
