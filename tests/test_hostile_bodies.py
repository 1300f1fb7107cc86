"""Bodies that break naive readers: JSON nested thousands deep, numbers shaped like cards.

A body nested deeper than the parser can follow is a response the SDK cannot read, never a
``RecursionError``; logging at debug level reads the same bodies and must not change what
a call returns.  An error body is parsed before it is redacted, so a 13-digit timestamp
(shaped like a card number) can no longer break the JSON that names the error.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Iterator
from typing import Any

import pytest

from efundpay import (
    APIResponseValidationError,
    APIStatusError,
    HTTPResponse,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from tests.helpers import SEED_SUBSCRIPTION, mock_client, scripted

pytestmark = pytest.mark.anyio

EPOCH_MS = 1_732_912_345_678


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def raw(status: int, content: bytes) -> HTTPResponse:
    return HTTPResponse(status, {"Content-Type": "application/json"}, content)


@pytest.fixture(params=[logging.WARNING, logging.DEBUG], ids=["quiet", "debug"])
def log_level(request: pytest.FixtureRequest) -> Iterator[int]:
    """What ``EFUNDPAY_LOG=debug`` does: bodies are read and redacted for the log."""
    logger = logging.getLogger("efundpay")
    before = logger.level
    logger.setLevel(request.param)
    try:
        yield request.param
    finally:
        logger.setLevel(before)


async def _pause(*answers: HTTPResponse) -> Any:
    client, _ = mock_client(scripted(*answers), max_retries=0)
    async with client:
        return await client.subscriptions.pause("sub_1")


async def _toggle(*answers: HTTPResponse) -> Any:
    client, _ = mock_client(scripted(*answers), max_retries=0)
    async with client:
        return await client.customers.toggle("cus_1")


@pytest.mark.parametrize("depth", [2000, 100_000])
async def test_a_success_nested_too_deep_is_a_validation_error_with_an_unknown_outcome(
    log_level: int, depth: int
) -> None:
    for call in (_pause, _toggle):
        with pytest.raises(APIResponseValidationError) as raised:
            await call(raw(200, deep(depth)))
        assert raised.value.outcome_unknown is True
        # "not JSON" where the parser gives up (3.11, 3.12); on 3.13 a 2,000-deep body parses,
        # and it is the shape that is refused.  Either way, the SDK's own words.
        assert "is not what its docs describe" in str(raised.value)
        assert "Recursion" not in str(raised.value)


@pytest.mark.parametrize("depth", [500, 2000])
async def test_a_5xx_nested_deep_is_an_internal_server_error_that_pickles(
    log_level: int, depth: int
) -> None:
    with pytest.raises(InternalServerError) as raised:
        await _pause(raw(503, deep(depth)))
    error = raised.value
    assert error.outcome_unknown is True
    copy = pickle.loads(pickle.dumps(error))  # the kept body is bounded in depth
    assert (copy.status_code, str(copy)) == (503, str(error))


async def test_debug_logging_does_not_change_what_a_deep_but_readable_body_gives(
    log_level: int,
) -> None:
    # 500 levels parse, and are kept as an unknown key; reading them for the log must not
    # turn the call into a failure.
    body = json.dumps({**SEED_SUBSCRIPTION, "trace": "X"}).encode()
    body = body.replace(b'"X"', deep(500))
    sub = await _pause(raw(200, body))
    assert sub.id == SEED_SUBSCRIPTION["id"]
    with pytest.raises(NotFoundError):
        await _pause(raw(404, b'{"code": "NOT_FOUND", "trace": ' + deep(500) + b"}"))


async def test_an_error_body_with_an_epoch_ms_timestamp_keeps_its_code_message_and_body() -> None:
    body = {"code": "NOT_FOUND", "message": "No such subscription", "timestamp": EPOCH_MS}
    with pytest.raises(NotFoundError) as raised:
        await _pause(HTTPResponse.from_json(404, body))
    error = raised.value
    assert error.code == "NOT_FOUND"
    assert error.message == "No such subscription"
    assert error.body == body


async def test_a_v3_exceeded_limit_with_a_timestamp_is_still_a_rate_limit() -> None:
    body = {"item": None, "code": "EXCEEDED_LIMIT", "error": {"code": "EXCEEDED_LIMIT"}}
    with pytest.raises(RateLimitError) as raised:
        await _toggle(HTTPResponse.from_json(200, {**body, "serverTime": EPOCH_MS}))
    assert raised.value.code == "EXCEEDED_LIMIT"
    assert raised.value.outcome_unknown is False


async def test_a_card_number_inside_a_parsed_error_body_is_still_masked() -> None:
    body = {
        "error": {"code": "card_declined", "message": "card 4111111111111111 declined"},
        "card": {"number": "4111111111111111"},
        "timestamp": EPOCH_MS,
    }
    with pytest.raises(APIStatusError) as raised:
        await _pause(HTTPResponse.from_json(402, body))
    error = raised.value
    for text in (str(error), repr(error.body), str(getattr(error, "message", ""))):
        assert "4111111111111111" not in text
    assert error.body["timestamp"] == EPOCH_MS
    assert error.body["card"]["number"] == "[REDACTED]"
