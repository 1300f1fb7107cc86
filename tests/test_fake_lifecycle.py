"""Starting and stopping the fake: on a thread, on the caller's loop, and as a blocking server.

Nothing may outlive a stop: no server thread, no listening socket, no pending delay.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import anyio
import pytest

import efundpay
from efundpay.testing import FakeEFundPay
from tests.helpers import ctrl_c_reaches_children
from tests.test_fake_support import CUS, open_wire, post_sync

SERVER_THREAD = "efundpay-fake-server"


def toggle_sync(fake: FakeEFundPay, customer_id: str = CUS) -> bool:
    """Toggle over blocking HTTP (what a sync client does); return the new isActive."""
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    reply = post_sync(fake, f"/v3/recurring-payment/{customer_id}/toggle", headers=headers)
    is_active: bool = reply.json["item"]["isActive"]
    return is_active


def server_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == SERVER_THREAD]


def threads_started_since(before: set[threading.Thread]) -> set[threading.Thread]:
    """The live threads that ``before`` did not hold.  (Not a count: a thread an earlier
    test left may end meanwhile, whichever test ran before this one.)"""
    return set(threading.enumerate()) - before


# -- on its own thread -----------------------------------------------------------------------


def test_with_block_serves_blocking_callers_from_a_thread_and_leaves_nothing_behind() -> None:
    threads_before = set(threading.enumerate())

    with FakeEFundPay() as fake:
        assert len(server_threads()) == 1
        assert toggle_sync(fake) is False
        url = fake.url

    assert server_threads() == []
    assert threads_started_since(threads_before) == set()
    assert fake.running is False
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_start_and_stop_twice_keeps_the_state_and_stop_is_idempotent() -> None:
    fake = FakeEFundPay()

    for expected in (False, True):
        fake.start()
        assert toggle_sync(fake) is expected
        fake.stop()
        fake.stop()

    assert fake.customer(CUS).toggle_count == 2
    assert server_threads() == []


def test_a_fixed_port_can_be_bound_again_after_a_stop() -> None:
    with FakeEFundPay() as first:
        port = first.port

    with FakeEFundPay(port=port) as again:
        assert again.url == f"http://127.0.0.1:{port}"
        assert toggle_sync(again) is False


def test_a_wildcard_bind_is_reached_through_loopback() -> None:
    with FakeEFundPay(host="0.0.0.0") as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert toggle_sync(fake) is False


def test_starting_a_running_fake_is_an_error() -> None:
    with FakeEFundPay() as fake, pytest.raises(RuntimeError, match="already running"):
        fake.start()


def test_a_stopped_fake_has_no_url_but_client_kwargs_follow_the_running_one() -> None:
    fake = FakeEFundPay(api_key="sk_test_mine", merchant_account_id="acct_mine")

    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.url
    with fake:
        assert fake.client_kwargs() == {
            "api_key": "sk_test_mine",
            "merchant_account_id": "acct_mine",
            "base_url": fake.url,
        }


def test_a_port_in_use_fails_start_with_the_os_error_and_no_thread() -> None:
    with FakeEFundPay() as first:
        taken = FakeEFundPay(port=first.port)
        with pytest.raises(OSError, match="address already in use"):
            taken.start()
        assert taken.running is False
    assert server_threads() == []


def test_concurrent_blocking_callers_are_each_applied_once() -> None:
    with FakeEFundPay() as fake, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: toggle_sync(fake), range(40)))

    assert results.count(True) == results.count(False) == 20
    assert fake.customer(CUS).toggle_count == 40
    assert fake.customer(CUS).is_active is True


def test_stop_cuts_an_injected_delay_short() -> None:
    fake = FakeEFundPay().start()
    fake.delay_next(30)
    outcome: list[object] = []

    def held() -> None:
        try:
            outcome.append(toggle_sync(fake))
        except OSError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=held)
    caller.start()
    deadline = time.monotonic() + 10
    while fake.in_flight == 0:  # the request is now held by the delay
        assert time.monotonic() < deadline, "the request never reached the fake"
        time.sleep(0.005)

    start = time.monotonic()
    fake.stop()

    assert time.monotonic() - start < 5
    caller.join(5)
    assert len(outcome) == 1  # the held request ended, one way or the other


def test_wait_idle_blocks_until_a_held_request_is_recorded_or_times_out() -> None:
    with FakeEFundPay() as fake, ThreadPoolExecutor(max_workers=1) as pool:
        fake.delay_next(0.2)
        pending = pool.submit(toggle_sync, fake)
        deadline = time.monotonic() + 5
        while fake.in_flight == 0:
            assert time.monotonic() < deadline, "the request never reached the fake"
            time.sleep(0.005)

        with pytest.raises(TimeoutError, match="1 request"):
            fake.wait_idle(timeout=0.01)
        fake.wait_idle()

        assert [record.status for record in fake.requests] == [200]
        assert pending.result(timeout=5) is False


# -- serve_forever ---------------------------------------------------------------------------


def test_serve_forever_blocks_until_stop_is_called_from_another_thread() -> None:
    fake = FakeEFundPay()
    ready = threading.Event()
    server = threading.Thread(target=fake.serve_forever, args=(lambda _: ready.set(),))
    server.start()
    assert ready.wait(10)

    assert toggle_sync(fake) is False
    fake.stop()

    server.join(10)
    assert not server.is_alive()
    assert fake.running is False


def test_serve_forever_stops_cleanly_on_ctrl_c() -> None:
    code = (
        "from efundpay.testing import FakeEFundPay\n"
        "FakeEFundPay().serve_forever(lambda fake: print(fake.url, flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(efundpay.__file__).parents[1])}
    with (
        ctrl_c_reaches_children(),
        subprocess.Popen(
            [sys.executable, "-W", "error", "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        ) as process,
    ):
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(
            f"{url}/v3/recurring-payment/{CUS}/toggle",
            method="POST",
            headers={"Authorization": "Bearer sk_test_fake"},  # the default key
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)

    assert process.returncode == 0, err
    assert out == "stopped\n"
    assert err == ""


# -- on the caller's event loop --------------------------------------------------------------


@pytest.mark.anyio
async def test_async_with_serves_on_the_current_loop_without_a_thread() -> None:
    threads_before = set(threading.enumerate())

    async with open_wire() as wire:
        assert threads_started_since(threads_before) == set()
        assert (await wire.toggle()).status == 200
        url = wire.fake.url

    assert wire.fake.running is False
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.post(f"{url}/v3/recurring-payment/{CUS}/toggle")


@pytest.mark.anyio
async def test_astop_is_idempotent_and_sync_stop_refuses_a_loop_server() -> None:
    fake = await FakeEFundPay().astart()

    with pytest.raises(RuntimeError, match="already running"):
        await fake.astart()
    with pytest.raises(RuntimeError, match="astop"):
        fake.stop()
    await fake.astop()
    await fake.astop()

    assert fake.running is False


@pytest.mark.anyio
async def test_astop_also_stops_a_threaded_fake() -> None:
    fake = FakeEFundPay().start()

    await fake.astop()

    assert fake.running is False
    assert server_threads() == []


@pytest.mark.anyio
async def test_astop_cuts_an_injected_delay_short() -> None:
    async with open_wire() as wire:
        wire.fake.delay_next(30)
        outcome: list[object] = []

        async def held() -> None:
            try:
                outcome.append((await wire.toggle()).status)
            except aiohttp.ClientError as exc:
                outcome.append(type(exc))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(held)
            with anyio.fail_after(10):  # the request is now held by the delay
                while wire.fake.in_flight == 0:  # noqa: ASYNC110 - the fake offers no event
                    await anyio.sleep(0.01)
            start = time.monotonic()
            await wire.fake.astop()
            stop_took = time.monotonic() - start

    assert stop_took < 5
    assert len(outcome) == 1  # the held request ended, one way or the other
