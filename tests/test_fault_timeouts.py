"""Time faults beyond the table's "slow past timeout" row, over loopback against the fake:
read timeouts, the deadline, connect timeouts (provably unsent, so even a toggle is retried),
and timeouts raised by asyncio, anyio or a transport that ignores its timeout, all of which
become :class:`efundpay.APITimeoutError` in time.
"""

from __future__ import annotations

import asyncio
import time

import anyio
import attrs
import pytest

import efundpay
from efundpay import (
    AiohttpTransport,
    AsyncEFundPay,
    HTTPRequest,
    HTTPResponse,
    Timeout,
)
from efundpay.testing import FakeEFundPay
from tests.helpers import CUS, NO_WAIT, STATUS, SUB, TOGGLE

pytestmark = pytest.mark.anyio


async def test_a_read_timeout_bounds_the_wait_for_data_too(fake: FakeEFundPay) -> None:
    fake.delay_next(2.0, operation=TOGGLE)
    timeout = Timeout(total=10, connect=5, read=0.25)
    async with AsyncEFundPay(**fake.client_kwargs(), timeout=timeout) as client:
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.customers.toggle(CUS)
    assert raised.value.outcome_unknown is True
    assert raised.value.attempts == 1


async def test_the_deadline_ends_a_call_in_time_across_attempts(fake: FakeEFundPay) -> None:
    # Without the deadline, 21 attempts of 0.3 s would take over 6 s; the bounds below leave a
    # busy machine room on both sides of that.
    fake.delay_next(5.0, times=21, operation=STATUS)
    async with AsyncEFundPay(
        **fake.client_kwargs(), retry=NO_WAIT, timeout=0.3, max_retries=20, deadline=1.0
    ) as client:
        started = time.monotonic()
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.subscriptions.pause(SUB)
        elapsed = time.monotonic() - started

    assert 0.95 <= elapsed < 4.0, "raised at the deadline, not after twenty-one attempts"
    assert 1 <= raised.value.attempts <= 4
    assert "deadline" in str(raised.value)
    assert len(fake.subscription(SUB).history) == 1


async def test_a_pool_wait_that_runs_out_means_never_sent_so_a_toggle_is_retried(
    fake: FakeEFundPay,
) -> None:
    # One pooled connection, held by a slow call: every toggle attempt times out waiting for
    # a connection, so it provably never left the process.
    fake.delay_next(10.0, operation=STATUS)
    transport = AiohttpTransport(max_connections=1)
    timeout = Timeout(total=5, connect=0.1, pool=0.1)
    async with (
        AsyncEFundPay(**fake.client_kwargs(), transport=transport, retry=NO_WAIT) as client,
        anyio.create_task_group() as tasks,
    ):
        tasks.start_soon(client.subscriptions.pause, SUB)
        while fake.pending_faults:  # noqa: ASYNC110 - the fake offers no event to await
            await anyio.sleep(0.01)
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.with_options(timeout=timeout).customers.toggle(CUS)
        tasks.cancel_scope.cancel()

    assert "waiting for a free connection in the pool" in str(raised.value)
    assert raised.value.request_sent is False
    assert raised.value.outcome_unknown is False
    assert raised.value.attempts == 3, "retried: nothing can have been applied"
    assert fake.customer(CUS).toggle_count == 0


class _SlowerThanAsked:
    """A transport that sends through aiohttp with a far longer timeout than it is given,
    optionally under a timer of its own (``asyncio.timeout`` or ``anyio.fail_after``)."""

    def __init__(self, own_timer: str | None) -> None:
        self.inner = AiohttpTransport()
        self.own_timer = own_timer

    async def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        patient = attrs.evolve(request, timeout=Timeout(total=60))
        if self.own_timer == "asyncio":
            async with asyncio.timeout(request.timeout.total):
                return await self.inner.handle_request(patient)
        if self.own_timer == "anyio":
            with anyio.fail_after(request.timeout.total):
                return await self.inner.handle_request(patient)
        return await self.inner.handle_request(patient)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.mark.parametrize("own_timer", ["asyncio", "anyio", None])
async def test_timeouts_from_any_library_become_api_timeout_errors_in_time(
    fake: FakeEFundPay, own_timer: str | None
) -> None:
    # None: the transport ignores its timeout, and the SDK's own backstop ends the attempt.
    fake.delay_next(10.0, operation=TOGGLE)
    transport = _SlowerThanAsked(own_timer)
    async with AsyncEFundPay(**fake.client_kwargs(), transport=transport, timeout=0.2) as client:
        started = time.monotonic()
        with pytest.raises(efundpay.APITimeoutError) as raised:
            await client.customers.toggle(CUS)
        elapsed = time.monotonic() - started

    assert elapsed < 8.0  # ended by the 0.2 s timeout (or its backstop), not the 10 s delay
    assert raised.value.request_sent is True
    assert raised.value.outcome_unknown is True
    assert raised.value.attempts == 1
    assert fake.customer(CUS).toggle_count == 1
