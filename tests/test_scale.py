"""At scale: 10,000 calls at 256 concurrent through one client, memory flat, sockets bounded.

The server is the benchmarks' stub (``benchmarks/stub_server.py``) in a process of its own, so
what this process holds is the client's alone.  Memory is counted in allocated blocks
(``sys.getallocatedblocks``) after a warm-up and again at the end: a leak of even one object
per call would show as thousands.  Open file descriptors are sampled throughout: the pool
never holds more sockets than ``AiohttpTransport(max_connections=...)`` allows, however many
callers wait, and closing the client gives every one back.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator

import anyio
import pytest

from benchmarks.overload import attempts_counted, run_overload, slow_server
from benchmarks.stub_server import SUBSCRIPTION_ID, running_stub_server
from efundpay import AiohttpTransport, AsyncEFundPay, Limits, Timeout
from tests.helpers import API_KEY, MERCHANT

pytestmark = pytest.mark.anyio

CALLS = 10_000
WARMUP_CALLS = 2_000
CONCURRENCY = 256
POOL_SIZE = 64
# Far below one block per call: what may still settle after the warm-up (interned strings,
# caches reaching their size), never a per-call leak.
BLOCKS_ALLOWED = 2_000
# Besides the pooled sockets: the event loop's self-pipe and the like.
SPARE_FDS = 8
SAMPLE_EVERY = 50


def _open_fds() -> int:
    return len(os.listdir("/dev/fd"))


def _allocated_blocks() -> int:
    gc.collect()
    return sys.getallocatedblocks()


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    with running_stub_server() as url:
        yield url


class _Load:
    """``calls`` calls shared by ``CONCURRENCY`` tasks, sampling open descriptors as it goes."""

    def __init__(self, client: AsyncEFundPay) -> None:
        self.client = client
        self.peak_fds = 0
        self.completed = 0

    async def run(self, calls: int) -> None:
        tickets = iter(range(calls))

        async def caller() -> None:
            for ticket in tickets:
                subscription = await self.client.subscriptions.pause(SUBSCRIPTION_ID)
                assert subscription.id == SUBSCRIPTION_ID
                self.completed += 1
                if ticket % SAMPLE_EVERY == 0:
                    self.peak_fds = max(self.peak_fds, _open_fds())

        async with anyio.create_task_group() as group:
            for _ in range(CONCURRENCY):
                group.start_soon(caller)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd to count descriptors")
async def test_ten_thousand_calls_at_256_concurrent_keep_memory_flat_and_sockets_bounded(
    stub_url: str,
) -> None:
    fds_before = _open_fds()
    client = AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        base_url=stub_url,
        transport=AiohttpTransport(max_connections=POOL_SIZE),
    )
    load = _Load(client)
    async with client:
        await load.run(WARMUP_CALLS)
        blocks_after_warmup = _allocated_blocks()
        await load.run(CALLS - WARMUP_CALLS)
        blocks_at_end = _allocated_blocks()
    assert load.completed == CALLS
    growth = blocks_at_end - blocks_after_warmup
    assert growth < BLOCKS_ALLOWED, (
        f"{growth} more memory blocks after {CALLS - WARMUP_CALLS} calls: a per-call leak"
    )
    assert load.peak_fds <= fds_before + POOL_SIZE + SPARE_FDS, (
        f"{load.peak_fds - fds_before} descriptors opened for a pool of {POOL_SIZE}"
    )
    assert load.peak_fds > fds_before + POOL_SIZE // 2, "the pool was not used: nothing measured"
    assert _open_fds() <= fds_before + SPARE_FDS, "closing the client left sockets open"


# -- overload: many more callers than connections, against a slow server ---------------------

OVERLOAD_CALLS = 2_000
OVERLOAD_POOL = 40
SERVER_DELAY = 0.2


async def test_two_thousand_calls_through_a_pool_of_forty_all_succeed_with_one_attempt_each() -> (
    None
):
    # The last callers wait about 10 s for a connection: twice the attempt's total and five
    # times its connect bound.  Neither may count that wait, and nothing is retried, so the
    # server receives exactly one request per call.  (``python -m benchmarks.overload`` runs
    # the full 10,000 calls through the default pool of 100.)
    with slow_server(SERVER_DELAY) as url:
        result = await run_overload(
            url,
            calls=OVERLOAD_CALLS,
            limits=Limits(max_connections=OVERLOAD_POOL),
            attempt=Timeout(total=5, connect=2),
        )
        attempts = await attempts_counted(url)

    assert result.failures == []
    assert result.successes == OVERLOAD_CALLS
    assert attempts == OVERLOAD_CALLS, "a pool wait was counted as an attempt and retried"
