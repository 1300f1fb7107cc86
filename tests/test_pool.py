"""The connection pool: its size and keep-alive (``Limits``), and the wait for a free
connection (``Timeout(pool=...)``), which is not part of any attempt.

The server is ``aiohttp.web`` on 127.0.0.1, in this test's event loop, counting what it
receives: requests, requests in flight at once, and the client ports they came from.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import anyio
import pytest
from aiohttp import web

import efundpay
from efundpay import AsyncEFundPay, Limits, Timeout
from tests.helpers import MERCHANT, NO_WAIT, SEED_SUBSCRIPTION

pytestmark = pytest.mark.anyio

SUB = SEED_SUBSCRIPTION["id"]


class CountingServer:
    """Answers every request with the seed subscription after ``delay`` seconds, or when
    ``release`` is set if ``hold`` is."""

    def __init__(self, delay: float = 0.0, *, hold: bool = False) -> None:
        self.delay = delay
        self.hold = hold
        self.release = asyncio.Event()
        self.received = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.ports: set[int] = set()
        self.url = ""

    async def handle(self, request: web.BaseRequest) -> web.Response:
        await request.read()
        self.received += 1
        self.ports.add(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.hold:
                await self.release.wait()
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        return web.Response(body=json.dumps(SEED_SUBSCRIPTION), content_type="application/json")


@pytest.fixture
async def server(request: pytest.FixtureRequest) -> AsyncIterator[CountingServer]:
    counting = CountingServer(**getattr(request, "param", {}))
    runner = web.ServerRunner(web.Server(counting.handle, access_log=None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    counting.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield counting
    finally:
        counting.release.set()
        await runner.cleanup()


def _client(server: CountingServer, **kwargs: object) -> AsyncEFundPay:
    return AsyncEFundPay(
        api_key="sk_test_pool",
        merchant_account_id=MERCHANT,
        base_url=server.url,
        retry=NO_WAIT,
        trust_env=False,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("server", [{"delay": 0.3}], indirect=True)
async def test_waiting_for_the_pool_uses_none_of_the_attempts_connect_or_total(
    server: CountingServer,
) -> None:
    # One connection and eight callers: the last waits about 2.1 s for it, beyond both the
    # attempt's connect (0.3 s) and total (1.5 s) bounds, and must still succeed, once.
    calls = 8
    done: list[str] = []
    async with _client(
        server,
        limits=Limits(max_connections=1),
        timeout=Timeout(total=1.5, connect=0.3),
        max_retries=0,
    ) as client:

        async def one() -> None:
            done.append((await client.subscriptions.pause(SUB)).id)

        async with anyio.create_task_group() as group:
            for _ in range(calls):
                group.start_soon(one)

    assert done == [SUB] * calls
    assert server.received == calls


@pytest.mark.parametrize("server", [{"delay": 0.2}], indirect=True)
async def test_max_connections_bounds_the_requests_in_flight(server: CountingServer) -> None:
    async with (
        _client(server, limits=Limits(max_connections=3)) as client,
        anyio.create_task_group() as group,
    ):
        for _ in range(12):
            group.start_soon(client.subscriptions.pause, SUB)

    assert server.received == 12
    assert 1 < server.peak_in_flight <= 3


@pytest.mark.parametrize("server", [{"hold": True}], indirect=True)
async def test_a_pool_wait_that_runs_out_is_never_sent_and_is_retried(
    server: CountingServer,
) -> None:
    async with (
        _client(server, limits=Limits(max_connections=1), max_retries=2) as client,
        anyio.create_task_group() as group,
    ):
        group.start_soon(client.subscriptions.pause, SUB)  # holds the only connection
        while server.received == 0:  # noqa: ASYNC110 - the server offers no event to await
            await anyio.sleep(0.01)
        waiting = client.with_options(timeout=Timeout(total=30, pool=0.05))
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await waiting.customers.toggle("cus_1")
        server.release.set()

    assert "waiting for a free connection in the pool" in str(raised.value)
    assert raised.value.request_sent is False
    assert raised.value.outcome_unknown is False
    assert raised.value.attempts == 3, "nothing was sent, so even a toggle is retried"
    assert server.received == 1, "only the call holding the connection reached the server"


@pytest.mark.parametrize("server", [{"hold": True}], indirect=True)
async def test_the_deadline_bounds_the_wait_for_the_pool(server: CountingServer) -> None:
    async with (
        _client(server, limits=Limits(max_connections=1)) as client,
        anyio.create_task_group() as group,
    ):
        group.start_soon(client.subscriptions.pause, SUB)
        while server.received == 0:  # noqa: ASYNC110 - the server offers no event to await
            await anyio.sleep(0.01)
        with anyio.fail_after(20):  # the default pool timeout is None: only the deadline ends it
            with pytest.raises(efundpay.APITimeoutError) as raised:
                await client.with_options(deadline=0.3).subscriptions.pause(SUB)
        server.release.set()

    assert raised.value.request_sent is False
    assert server.received == 1


async def test_without_keepalive_every_request_opens_a_connection(
    server: CountingServer,
) -> None:
    async with _client(server, limits=Limits(max_keepalive_connections=0)) as client:
        for _ in range(3):
            await client.subscriptions.pause(SUB)
    assert len(server.ports) == 3


async def test_with_keepalive_one_connection_serves_calls_in_turn(server: CountingServer) -> None:
    async with _client(server) as client:
        for _ in range(3):
            await client.subscriptions.pause(SUB)
    assert len(server.ports) == 1


@pytest.mark.parametrize("server", [{"hold": True}], indirect=True)
async def test_closing_the_client_ends_a_pool_wait_as_never_sent(server: CountingServer) -> None:
    client = _client(server, limits=Limits(max_connections=1), max_retries=0)
    errors: list[efundpay.APIConnectionError] = []

    async def call() -> None:
        try:
            await client.customers.toggle("cus_1")
        except efundpay.APIConnectionError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as group:
        group.start_soon(call)  # holds the only connection, in flight at the server
        while server.received == 0:  # noqa: ASYNC110 - the server offers no event to await
            await anyio.sleep(0.01)
        group.start_soon(call)  # waits for the pool
        # In flight as far as the transport knows: nothing stands between that and the wait.
        transport = client._transport
        while len(transport._in_flight) < 2:  # type: ignore[attr-defined]  # noqa: ASYNC110
            await anyio.sleep(0.01)
        await client.aclose()

    assert all(isinstance(e, efundpay.ClientClosedError) for e in errors), errors
    assert sorted(e.request_sent for e in errors) == [False, True]
    assert server.received == 1
