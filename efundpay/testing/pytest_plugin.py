"""pytest fixtures for testing code that uses efundpay (registered as the ``efundpay`` plugin).

``efundpay_fake``
    a running :class:`~efundpay.testing.FakeEFundPay` on its own thread, with sample data,
    stopped after the test.  Options go through a marker::

        @pytest.mark.efundpay_fake(legacy_v3=True, sample_data=False)
        def test_old_wire_format(efundpay_fake): ...

``efundpay_client``
    a sync ``efundpay.EFundPay`` pointed at ``efundpay_fake``, closed after the test::

        def test_toggle(efundpay_client, efundpay_fake):
            assert efundpay_client.customers.toggle("cus_123").is_active is False
            assert efundpay_fake.customer("cus_123").toggle_count == 1

``async_efundpay_client``
    an ``efundpay.AsyncEFundPay`` pointed at ``efundpay_fake``, closed after the test on the
    test's own event loop.  It works with whichever plugin runs the test: anyio's
    (``@pytest.mark.anyio``, with the asyncio backend: aiohttp needs it) or pytest-asyncio's
    (``@pytest.mark.asyncio`` in strict mode, any ``async def`` test in auto mode, whatever
    the test's ``loop_scope``)::

        @pytest.mark.anyio
        async def test_pause(async_efundpay_client, efundpay_fake):
            await async_efundpay_client.subscriptions.pause("sub_123")
            assert efundpay_fake.subscription("sub_123").status == "paused"

Strict authentication (the fake checks v3 signed requests and v4 JWTs, see
:class:`~efundpay.testing.StrictAuth`) is turned on for one test with
``@pytest.mark.efundpay_fake(strict_auth=True)``, or for every test of a run with
``pytest --efundpay-strict-auth``.  The client fixtures then authenticate with
``efundpay.auth.JWTAuth`` and ``SignedRequestAuth`` made from the fake's throwaway keys.

This module is imported by every pytest run in an environment where efundpay is installed,
so it imports nothing heavy at module level: the fake and the clients load inside fixtures.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from efundpay.testing import FakeEFundPay

__all__ = ["async_efundpay_client", "efundpay_client", "efundpay_fake"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--efundpay-strict-auth``."""
    parser.getgroup("efundpay").addoption(
        "--efundpay-strict-auth",
        action="store_true",
        default=False,
        help="start every efundpay_fake with strict authentication (v3 signatures, v4 JWTs) "
        "unless its marker says strict_auth=False",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``efundpay_fake`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        "efundpay_fake(**options): keyword arguments for the efundpay_fake fixture's "
        "FakeEFundPay (legacy_v3=..., sample_data=..., strict_auth=..., ...)",
    )


@pytest.fixture
def efundpay_fake(request: pytest.FixtureRequest) -> Iterator[FakeEFundPay]:
    """A running, threaded ``FakeEFundPay`` with sample data; stopped after the test."""
    from efundpay.testing import FakeEFundPay  # noqa: PLC0415  (lazy: see the module doc)

    marker = request.node.get_closest_marker("efundpay_fake")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    if request.config.getoption("efundpay_strict_auth"):
        options.setdefault("strict_auth", True)
    with FakeEFundPay(**options) as fake:
        yield fake


def _client_class(name: str) -> Any:
    # Looked up at run time: the test kit must not import the client at import time (the
    # plugin loads in every pytest run), and it must stay independent of the client's code.
    return getattr(importlib.import_module("efundpay"), name)


def client_settings(fake: FakeEFundPay) -> dict[str, Any]:
    """Keyword arguments for a client of ``fake``: its API key, or with strict authentication
    ``auth=JWTAuth(...)``, ``v3_auth=SignedRequestAuth(...)`` and ``v3_base_url``."""
    settings: dict[str, Any] = dict(fake.client_kwargs())
    if fake.strict_auth is None:
        return settings
    auth = importlib.import_module("efundpay.auth")
    settings.update(
        v3_base_url=fake.v3_base_url,
        auth=auth.JWTAuth(key_id=fake.jwt_key_id, private_key=fake.jwt_private_key_pem),
        v3_auth=auth.SignedRequestAuth(
            client_id=fake.v3_client_id,
            client_secret=fake.v3_client_secret,
            private_key=fake.v3_private_key_pem,
            token_url=fake.token_url,
        ),
    )
    return settings


@pytest.fixture
def efundpay_client(efundpay_fake: FakeEFundPay) -> Iterator[Any]:
    """A sync ``efundpay.EFundPay`` talking to ``efundpay_fake``; closed after the test."""
    with _client_class("EFundPay")(**client_settings(efundpay_fake)) as client:
        yield client


# The loop scopes pytest-asyncio knows; one client fixture per scope, so that the client is
# opened and closed on the very loop the test runs on, whatever its ``loop_scope``.
_LOOP_SCOPES = ("function", "class", "module", "package", "session")
_ANYIO_CLIENT = "_efundpay_async_client_anyio"


def _asyncio_client_fixture(loop_scope: str) -> str:
    return f"_efundpay_async_client_asyncio_{loop_scope}"


async def _open_async_client(efundpay_fake: FakeEFundPay) -> AsyncIterator[Any]:
    async with _client_class("AsyncEFundPay")(**client_settings(efundpay_fake)) as client:
        yield client


# For tests run by anyio's plugin: it runs an async fixture on the test's runner when the
# test uses ``anyio_backend``.
_efundpay_async_client_anyio = pytest.fixture(name=_ANYIO_CLIENT)(_open_async_client)


def _new_asyncio_client_fixture() -> Callable[[FakeEFundPay], Iterator[Any]]:
    # A sync generator on purpose: pytest-asyncio runs it with the test's loop as the current
    # one, while anyio's plugin (which takes every *async* fixture of a test that has an
    # ``anyio_backend``, as an anyio-marked test in pytest-asyncio's auto mode does) leaves
    # it alone, so the client can never be closed on another loop than the test's.  A new
    # function per scope: pytest-asyncio marks the function object it decorates.
    def open_async_client(efundpay_fake: FakeEFundPay) -> Iterator[Any]:
        loop = asyncio.get_event_loop()
        manager = _client_class("AsyncEFundPay")(**client_settings(efundpay_fake))
        client = loop.run_until_complete(manager.__aenter__())
        try:
            yield client
        finally:
            loop.run_until_complete(manager.__aexit__(None, None, None))

    return open_async_client


def _register_pytest_asyncio_fixtures() -> None:
    try:
        pytest_asyncio = importlib.import_module("pytest_asyncio")
    except ImportError:
        return
    for scope in _LOOP_SCOPES:
        name = _asyncio_client_fixture(scope)
        try:
            fixture = pytest_asyncio.fixture(loop_scope=scope, name=name)
        except TypeError:  # older than 0.24, which brought loop_scope: see _TOO_OLD
            return
        globals()[name] = fixture(_new_asyncio_client_fixture())


_register_pytest_asyncio_fixtures()


def _is_pytest_asyncio_test(item: pytest.Item) -> bool:
    try:
        pytest_asyncio = importlib.import_module("pytest_asyncio")
    except ImportError:
        return False
    is_async_test = getattr(pytest_asyncio, "is_async_test", None)
    return is_async_test is not None and bool(is_async_test(item))


def _pytest_asyncio_loop_scope(item: pytest.Item) -> str:
    """The loop scope pytest-asyncio runs ``item`` in: its marker's, else the ini default."""
    marker = item.get_closest_marker("asyncio")
    if marker is not None:
        scope = marker.kwargs.get("loop_scope") or marker.kwargs.get("scope")
        if scope:
            return str(scope)
    try:
        return str(item.config.getini("asyncio_default_test_loop_scope") or "function")
    except ValueError:  # a pytest-asyncio older than that option: tests ran per function
        return "function"


_NOT_ASYNC = (
    "async_efundpay_client needs an async test run by an event-loop plugin: mark it "
    "@pytest.mark.anyio (anyio's plugin, installed with efundpay) or @pytest.mark.asyncio "
    "(pytest-asyncio; in its auto mode no mark is needed). From a sync test use "
    "efundpay_client."
)


_TOO_OLD = "async_efundpay_client needs pytest-asyncio 0.24 or newer (1.0 or newer advised)"


def _async_client_fixture_for(request: pytest.FixtureRequest) -> str:
    """Name the client fixture that runs on the loop of the test being set up."""
    # pytest-asyncio first: in its auto mode it runs every coroutine test, even one that
    # also carries anyio's mark, on its own loop.
    if _is_pytest_asyncio_test(request.node):
        name = _asyncio_client_fixture(_pytest_asyncio_loop_scope(request.node))
        if name not in globals():
            pytest.fail(_TOO_OLD, pytrace=False)
        return name
    if "anyio_backend" in request.fixturenames:
        backend = request.getfixturevalue("anyio_backend")
        name = backend if isinstance(backend, str) else backend[0]
        if name != "asyncio":
            pytest.fail(
                f"async_efundpay_client runs on asyncio (aiohttp does), not {name!r}: "
                "define an anyio_backend fixture returning 'asyncio'",
                pytrace=False,
            )
        return _ANYIO_CLIENT
    pytest.fail(_NOT_ASYNC, pytrace=False)


@pytest.fixture
def async_efundpay_client(request: pytest.FixtureRequest) -> Any:
    """An ``efundpay.AsyncEFundPay`` talking to ``efundpay_fake``; closed after the test.

    Opened and closed on the test's own event loop, under anyio's plugin or pytest-asyncio's.
    """
    return request.getfixturevalue(_async_client_fixture_for(request))
