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
    an ``efundpay.AsyncEFundPay`` pointed at ``efundpay_fake``, entered with ``async with``;
    use it from tests marked ``pytest.mark.anyio`` (the asyncio backend: aiohttp needs it).

Strict authentication (the fake checks v3 signed requests and v4 JWTs, see
:class:`~efundpay.testing.StrictAuth`) is turned on for one test with
``@pytest.mark.efundpay_fake(strict_auth=True)``, or for every test of a run with
``pytest --efundpay-strict-auth``.  The client fixtures then authenticate with
``efundpay.auth.JWTAuth`` and ``SignedRequestAuth`` made from the fake's throwaway keys.

This module is imported by every pytest run in an environment where efundpay is installed,
so it imports nothing heavy at module level: the fake and the clients load inside fixtures.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
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


@pytest.fixture
async def async_efundpay_client(efundpay_fake: FakeEFundPay) -> AsyncIterator[Any]:
    """An ``efundpay.AsyncEFundPay`` talking to ``efundpay_fake``; closed after the test."""
    async with _client_class("AsyncEFundPay")(**client_settings(efundpay_fake)) as client:
        yield client
