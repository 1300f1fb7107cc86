"""Every promise holds against a server that answers anything (``tests/hostile``).

For every answer a raw socket can give (deep JSON, lying lengths, resets after the request
was read, compression bombs, slow drips, HTTP/0.9, garbage, any status with any body), with
the async and the blocking client, with logging off and at debug:

- a call returns a model exactly when the answer is a readable success, and otherwise
  raises an :class:`efundpay.APIError` subclass: never a ``RecursionError``,
  ``AttributeError``, ``UnicodeError``, ``RuntimeError`` or a bare asyncio error;
- the error's ``outcome_unknown`` is ``True`` exactly when the answer may mean "applied";
- a toggle (not idempotent) reaches the server once, and only once, after any answer that
  may mean "applied" (the server counts the requests it received);
- the error survives pickling with its attributes.

The examples are derandomized and every call is bounded: a slow answer meets a short
timeout with seconds to spare, any other answer a long one it never needs.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from efundpay import APIError, AsyncEFundPay, EFundPay, Timeout
from tests.helpers import API_KEY, MERCHANT, NO_WAIT
from tests.hostile.answers import LabelledAnswer, answers
from tests.hostile.server import HostileServer, hostile_server

MAX_RETRIES = 2
# A slow answer takes seconds by design (see tests.hostile.answers): this timeout fires long
# before it can complete.  Other answers come at once; the patient timeout is never needed.
SHORT = Timeout(total=0.3, connect=5)
PATIENT = Timeout(total=20, connect=20)
TOGGLE_PATH = "/v3/recurring-payment/cus_1/toggle"
STATUS_PATH = "/v4/subscriptions/sub_1/status"

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    # log_level is set once for all examples of a test, as intended.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


@pytest.fixture(params=[logging.WARNING, logging.DEBUG], ids=["quiet", "debug-logging"])
def log_level(request: pytest.FixtureRequest) -> Iterator[int]:
    """Logging must never change what a call returns: every property runs at both levels."""
    logger = logging.getLogger("efundpay")
    before = logger.level
    logger.setLevel(request.param)
    try:
        yield request.param
    finally:
        logger.setLevel(before)


def client_kwargs(server: HostileServer, labelled: LabelledAnswer) -> dict[str, Any]:
    return {
        "api_key": API_KEY,
        "merchant_account_id": MERCHANT,
        "base_url": server.base_url,
        "timeout": SHORT if labelled.answer.slow else PATIENT,
        "max_retries": MAX_RETRIES,
        "retry": NO_WAIT,
    }


def check(labelled: LabelledAnswer, api: str, outcome: object, counts: Counter[str]) -> None:
    """The promises, for one call that met ``labelled``'s answer on every attempt."""
    may_apply = api not in labelled.proves_not_applied
    received = counts[_paths()[api]]
    assert sum(counts.values()) == received, f"a redirect was followed: {counts}"
    assert 1 <= received <= MAX_RETRIES + 1
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, APIError), f"{type(outcome).__name__} escaped: {outcome!r}"
        copy = pickle.loads(pickle.dumps(outcome))
        assert type(copy) is type(outcome)
        assert vars(copy).keys() == vars(outcome).keys()
        assert str(copy) == str(outcome)
        if api == "v3" and outcome.outcome_unknown:
            assert received == 1, "a toggle was sent again after it may have been applied"
    if labelled.ambiguous:
        return  # read either way by the HTTP client: the promises above are all that hold
    if isinstance(outcome, APIError):
        assert api not in labelled.succeeds, f"a readable success raised {outcome!r}"
        assert outcome.outcome_unknown is may_apply, outcome
    else:
        assert api in labelled.succeeds, f"returned {outcome!r}"
    if api == "v3" and may_apply:
        assert received == 1, "a toggle was sent again after an answer that may mean applied"


async def _async_call(kwargs: dict[str, Any], api: str) -> object:
    async with AsyncEFundPay(**kwargs) as client:
        try:
            if api == "v3":
                return await client.customers.toggle("cus_1")
            return await client.subscriptions.pause("sub_1")
        except Exception as exc:  # the property is about which exceptions come out
            return exc


def _sync_call(kwargs: dict[str, Any], api: str) -> object:
    with EFundPay(**kwargs) as client:
        try:
            if api == "v3":
                return client.customers.toggle("cus_1")
            return client.subscriptions.pause("sub_1")
        except Exception as exc:  # the property is about which exceptions come out
            return exc


def _paths() -> dict[str, str]:
    return {"v3": TOGGLE_PATH, "v4": STATUS_PATH}


@PROPERTY
@given(labelled=answers())
def test_the_async_client_keeps_every_promise_whatever_the_server_answers(
    server: HostileServer, log_level: int, labelled: LabelledAnswer
) -> None:
    for api in _paths():
        server.reset(labelled.answer)
        outcome = asyncio.run(_async_call(client_kwargs(server, labelled), api))
        check(labelled, api, outcome, server.counts)


@PROPERTY
@given(labelled=answers())
def test_the_blocking_client_keeps_every_promise_whatever_the_server_answers(
    server: HostileServer, log_level: int, labelled: LabelledAnswer
) -> None:
    for api in _paths():
        server.reset(labelled.answer)
        outcome = _sync_call(client_kwargs(server, labelled), api)
        check(labelled, api, outcome, server.counts)
