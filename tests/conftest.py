"""Shared test configuration: async tests run on asyncio only, through the anyio plugin;
property tests are repeatable."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import settings

from efundpay.testing import FakeEFundPay

# Property tests draw the same examples on every run and have no per-example time limit, so
# neither a lucky draw nor a busy machine decides whether the suite passes.
# ``HYPOTHESIS_PROFILE=explore`` draws fresh examples, for hunting new bugs on purpose.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


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
