"""Shared test configuration: async tests run on asyncio only, through the anyio plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from efundpay.testing import FakeEFundPay


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def fake() -> AsyncIterator[FakeEFundPay]:
    """A FakeEFundPay with sample data on the test's own event loop (async tests only).

    Tests of sync code, which blocks the calling thread, define a threaded one instead.
    """
    async with FakeEFundPay() as server:
        yield server
