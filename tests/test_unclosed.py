"""A client nobody closed: one ResourceWarning in the SDK's words, and aiohttp says nothing.

Each test records warnings itself (``catch_warnings(record=True)``, every warning kept) and
the loop's exception handler, where aiohttp reports an unclosed session besides warning.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from efundpay import AsyncEFundPay
from efundpay._client import UNCLOSED_MESSAGE
from efundpay.testing import FakeEFundPay

pytestmark = pytest.mark.anyio


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    return [f"{w.category.__name__}: {w.message}" for w in caught]


async def test_a_forgotten_client_warns_once_in_the_sdks_words_and_its_pool_closes(
    fake: FakeEFundPay,
) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        client = AsyncEFundPay(**fake.client_kwargs())
        await client.subscriptions.pause("sub_123")
        session = client._transport._session  # type: ignore[attr-defined]
        assert session is not None and not session.closed
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del client
            gc.collect()
            for _ in range(10):  # the pool closes on the loop, as aclose() would
                await anyio.lowlevel.checkpoint()
            del session
            gc.collect()
    finally:
        loop.set_exception_handler(previous)
    assert _messages(caught) == [f"ResourceWarning: {UNCLOSED_MESSAGE}"]
    assert "async with" in UNCLOSED_MESSAGE and "aclose()" in UNCLOSED_MESSAGE
    assert reported == []


async def test_the_pool_a_forgotten_client_leaves_is_closed_for_it(fake: FakeEFundPay) -> None:
    client = AsyncEFundPay(**fake.client_kwargs())
    await client.subscriptions.pause("sub_123")
    session = client._transport._session  # type: ignore[attr-defined]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        del client
        gc.collect()
    for _ in range(10):
        await anyio.lowlevel.checkpoint()
    assert session.closed


def test_a_client_forgotten_after_its_loop_ended_warns_once_and_aiohttp_says_nothing() -> None:
    async def use() -> AsyncEFundPay:
        async with FakeEFundPay() as fake:
            client = AsyncEFundPay(**fake.client_kwargs())
            await client.subscriptions.pause("sub_123")
            return client

    client = asyncio.run(use())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert _messages(caught) == [f"ResourceWarning: {UNCLOSED_MESSAGE}"]


async def test_a_closed_client_and_an_unused_one_warn_nothing(fake: FakeEFundPay) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with AsyncEFundPay(**fake.client_kwargs()) as closed:
            await closed.subscriptions.pause("sub_123")
        unused = AsyncEFundPay(**fake.client_kwargs())
        del closed, unused
        gc.collect()
    assert caught == []


async def test_a_forgotten_copy_is_no_warning_while_its_original_is_in_use(
    fake: FakeEFundPay,
) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            copy = client.with_options(timeout=5)
            await copy.subscriptions.pause("sub_123")
            del copy
            gc.collect()
        await client.subscriptions.resume("sub_123")
    assert caught == []
