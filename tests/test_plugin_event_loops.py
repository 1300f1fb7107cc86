"""The async fixtures work under whichever plugin runs a user's async tests.

Each test runs a user's test file in a fresh ``pytest`` process, as their CI would: under
anyio's plugin alone, and under pytest-asyncio in strict and in auto mode (the two plugins
installed side by side, as they often are).  In every file one test fails with a request
still in flight, and the tests after it must pass: a fresh fake, a fresh client on their own
event loop, nothing left open (warnings are errors, so an unclosed session fails the run).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

import efundpay
from tests.test_fake_plugin import plugin_args

pytest_plugins = ["pytester"]

# Tests a failure must not disturb: a test that fails with a request held by the fake, then
# ordinary ones.  ``MARK`` is how the file's async tests are marked for the plugin under test.
USER_TESTS = """
import asyncio
import gc

import pytest

CLIENTS = []

{mark}
async def test_fails_with_a_request_in_flight(async_efundpay_client, efundpay_fake):
    CLIENTS.append(async_efundpay_client)
    efundpay_fake.delay_next(30)
    call = asyncio.ensure_future(async_efundpay_client.subscriptions.pause("sub_123"))
    while not efundpay_fake.in_flight:
        await asyncio.sleep(0.01)
    assert call.done(), "this test fails on purpose"

{mark}
async def test_the_next_test_has_a_fresh_fake_and_client(async_efundpay_client, efundpay_fake):
    assert async_efundpay_client is not CLIENTS[0]
    assert efundpay_fake.pending_faults == 0
    sub = await async_efundpay_client.subscriptions.pause("sub_123")
    assert sub.status == "paused"
    assert [r.status for r in efundpay_fake.requests] == [200]
    CLIENTS.append(async_efundpay_client)

{mark}
async def test_toggle_on_this_tests_loop(async_efundpay_client, efundpay_fake):
    customer = await async_efundpay_client.customers.toggle("cus_123")
    assert customer.is_active is False
    assert efundpay_fake.customer("cus_123").toggle_count == 1

def test_every_client_was_closed():
    gc.collect()  # an unclosed aiohttp session would warn now, and warnings are errors
    assert len(CLIENTS) == 2
    assert ["closed" in repr(client._transport) for client in CLIENTS] == [True, True]
"""


@pytest.fixture
def user_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A temporary project whose ``pytest`` subprocess imports this checkout's efundpay."""
    checkout = str(Path(efundpay.__file__).resolve().parents[1])
    paths = [checkout, os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``pytest`` in a subprocess, warnings as errors, in file order."""
    options = ["-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:hypothesispytest"]
    return pytester.runpytest_subprocess(
        *plugin_args(), *options, "-W", "error", "--strict-markers", "-q", *args
    )


def needs_pytest_asyncio() -> None:
    """Skip where pytest-asyncio is missing, except in CI, which installs the tests group."""
    if os.environ.get("CI"):
        importlib.import_module("pytest_asyncio")
    else:
        pytest.importorskip("pytest_asyncio")


def pytest_asyncio_ini(mode: str) -> str:
    return f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n"


def test_async_client_under_anyio_alone(user_suite: pytest.Pytester) -> None:
    user_suite.makepyfile(
        USER_TESTS.format(mark="@pytest.mark.anyio")
        + """
def test_a_sync_test_is_told_which_fixture_to_use(async_efundpay_client):
    pass
"""
    )

    result = run(user_suite, "-p", "no:asyncio")

    result.assert_outcomes(passed=3, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*this test fails on purpose*"])
    result.stdout.fnmatch_lines(["*@pytest.mark.anyio*From a sync test use efundpay_client*"])


def test_async_client_under_pytest_asyncio_strict_mode_beside_anyio(
    user_suite: pytest.Pytester,
) -> None:
    needs_pytest_asyncio()
    user_suite.makeini(pytest_asyncio_ini("strict"))
    user_suite.makepyfile(
        test_asyncio=USER_TESTS.format(mark="@pytest.mark.asyncio"),
        # Tests sharing one loop per module: the client still lives and dies with each test.
        test_module_loop=USER_TESTS.format(mark='@pytest.mark.asyncio(loop_scope="module")'),
        # anyio-marked tests in the same run keep working on anyio's runner.
        test_anyio=USER_TESTS.format(mark="@pytest.mark.anyio"),
    )

    result = run(user_suite)

    result.assert_outcomes(passed=9, failed=3)


def test_async_client_under_pytest_asyncio_auto_mode(user_suite: pytest.Pytester) -> None:
    needs_pytest_asyncio()
    user_suite.makeini(pytest_asyncio_ini("auto"))
    user_suite.makepyfile(
        test_unmarked=USER_TESTS.format(mark=""),
        # In auto mode pytest-asyncio runs anyio-marked tests too, on its own loop.
        test_anyio=USER_TESTS.format(mark="@pytest.mark.anyio"),
    )

    result = run(user_suite)

    result.assert_outcomes(passed=6, failed=2)
