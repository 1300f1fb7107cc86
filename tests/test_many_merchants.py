"""A platform serving many merchants: ``with_options`` copies share one pool (and, for the
blocking client, one loop thread); ``NOT_GIVEN`` keeps a setting and ``None`` clears it."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator

import anyio
import pytest
from aiohttp import web

import efundpay
from efundpay import (
    NOT_GIVEN,
    AsyncEFundPay,
    ConfigurationError,
    EFundPay,
    NotGiven,
    PermissionDeniedError,
    Timeout,
)
from efundpay.auth import BearerAuth
from efundpay.testing import FakeEFundPay
from tests.helpers import API_KEY, MERCHANT

pytestmark = pytest.mark.anyio

MERCHANTS = [f"acct_{i}" for i in range(1000)]


@pytest.fixture
def threaded_fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        yield server


async def test_a_thousand_merchants_share_one_connection_pool() -> None:
    merchants: list[str] = []
    peers: set[object] = set()

    async def status(request: web.Request) -> web.Response:
        merchants.append(request.headers["x-merchant-account-id"])
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        return web.json_response({"id": request.match_info["id"], "status": "paused"})

    app = web.Application()
    app.router.add_post("/v4/subscriptions/{id}/status", status)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AsyncEFundPay(
            api_key=API_KEY, merchant_account_id=MERCHANT, base_url=f"http://127.0.0.1:{port}"
        ) as client:
            copies = [client.with_options(merchant_account_id=m) for m in MERCHANTS]
            limiter = anyio.CapacityLimiter(10)

            async def pause(copy: AsyncEFundPay) -> None:
                async with limiter:
                    await copy.subscriptions.pause("sub_123")

            async with anyio.create_task_group() as group:
                for copy in copies:
                    group.start_soon(pause, copy)
            transport = client._transport
            session = transport._session  # type: ignore[attr-defined]
            assert session is not None
            assert all(copy._transport is transport for copy in copies)
        assert session.closed  # closing the original closed the one pool
    finally:
        await runner.cleanup()
    assert sorted(merchants) == sorted(MERCHANTS)
    # One pool of keep-alive connections, never one per merchant.
    assert len(peers) <= 10


async def test_closing_a_copy_leaves_the_shared_pool_open(fake: FakeEFundPay) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        copy = client.with_options(merchant_account_id=fake.merchant_account_id, timeout=9)
        await copy.subscriptions.pause("sub_123")
        await copy.aclose()
        await client.subscriptions.resume("sub_123")
    assert [r.operation for r in fake.requests] == ["subscriptions.status"] * 2


async def test_copies_outlive_the_client_they_were_made_from(fake: FakeEFundPay) -> None:
    # The original may be dropped (a factory returning a copy); the pool lives on with it.
    def make() -> AsyncEFundPay:
        return AsyncEFundPay(**fake.client_kwargs()).with_options(timeout=9)

    copy = make()
    import gc  # noqa: PLC0415

    gc.collect()
    await copy.subscriptions.pause("sub_123")
    await copy._pool.close()
    assert len(fake.requests) == 1


def test_a_thousand_blocking_merchants_share_one_loop_thread_and_pool(
    threaded_fake: FakeEFundPay,
) -> None:
    before = set(threading.enumerate())
    with EFundPay(**threaded_fake.client_kwargs()) as client:
        copies = [client.with_options(merchant_account_id=m) for m in MERCHANTS]
        for copy in copies[::50]:
            # The fake knows one merchant: the others are refused, but were sent as theirs.
            with pytest.raises(PermissionDeniedError):
                copy.subscriptions.pause("sub_123")
        started = set(threading.enumerate()) - before
        assert len(started) == 1  # the one loop thread
        assert all(copy._runner is client._runner for copy in copies)
        transport = client._async._transport
        assert all(copy._async._transport is transport for copy in copies)
        session = transport._session  # type: ignore[attr-defined]
        assert session is not None
    assert [r.headers["x-merchant-account-id"] for r in threaded_fake.requests] == MERCHANTS[::50]
    assert set(threading.enumerate()) - before == set()


def test_not_given_is_one_falsy_picklable_value() -> None:
    assert NotGiven() is NOT_GIVEN
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    assert efundpay.NOT_GIVEN is NOT_GIVEN


def _client(**kwargs: object) -> AsyncEFundPay:
    return AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, **kwargs)  # type: ignore[arg-type]


def test_with_options_keeps_what_it_is_not_given() -> None:
    client = _client(timeout=7, max_retries=4, deadline=20)
    copy = client.with_options(merchant_account_id="acct_2")
    assert (copy.timeout.total, copy.max_retries, copy.deadline) == (7, 4, 20)
    assert copy.merchant_account_id == "acct_2"
    assert client.with_options().merchant_account_id == MERCHANT


def test_with_options_none_clears_the_deadline_and_the_merchant() -> None:
    client = _client(deadline=20)
    copy = client.with_options(deadline=None, merchant_account_id=None)
    assert copy.deadline is None
    assert copy.merchant_account_id is None
    assert client.deadline == 20 and client.merchant_account_id == MERCHANT


async def test_a_copy_without_a_merchant_refuses_v4_calls_before_any_io(
    fake: FakeEFundPay,
) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        v3_only = client.with_options(merchant_account_id=None)
        with pytest.raises(ConfigurationError, match="merchant"):
            await v3_only.subscriptions.pause("sub_123")
        await v3_only.customers.toggle("cus_123")
    assert [r.operation for r in fake.requests] == ["customers.toggle"]


def test_with_options_none_puts_timeout_and_retries_back_to_their_defaults() -> None:
    client = _client(timeout=7, max_retries=4)
    copy = client.with_options(timeout=None, max_retries=None)
    assert copy.timeout == Timeout()
    assert copy.max_retries == 2


def test_with_options_none_clears_an_auth_of_its_own() -> None:
    client = _client(auth=BearerAuth("sk_test_other_key_0123456789"))
    copy = client.with_options(auth=None)
    assert isinstance(copy.auth, BearerAuth)
    assert copy.auth is not client.auth


def test_the_blocking_with_options_clears_with_none_too(threaded_fake: FakeEFundPay) -> None:
    with EFundPay(**threaded_fake.client_kwargs(), deadline=20) as client:
        copy = client.with_options(deadline=None, merchant_account_id=None)
        assert copy.deadline is None and copy.merchant_account_id is None
        assert client.with_options(max_retries=3).deadline == 20
