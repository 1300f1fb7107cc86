"""Shared test configuration: async tests run on asyncio only, through the anyio plugin;
property tests are repeatable."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from hypothesis import settings

from efundpay.testing import FakeEFundPay
from tests.xdist_reports import pytest_runtest_makereport  # noqa: F401  (a hook: by name)

# Property tests draw the same examples on every run and have no per-example time limit, so
# neither a lucky draw nor a busy machine decides whether the suite passes.
# ``HYPOTHESIS_PROFILE=explore`` draws fresh examples, for hunting new bugs on purpose.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


# The proxy variables of the machine running the tests: clients follow them (as requests and
# httpx do), so a CI runner with HTTPS_PROXY set would send the tests' loopback calls there.
_PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with no proxy variable set, in either spelling."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


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
