"""How a blocking call crosses to the runner's loop and back (``efundpay._runner._Call``).

The caller waits on a lock that the call's task releases however the call ends: with a
result, with an exception (the very object, so its attributes survive), or cancelled, even
when cancelled before its first step, when none of the task's own code ever runs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from efundpay._runner import _Call


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


async def _double(value: int) -> int:
    await asyncio.sleep(0)
    return value * 2


class _Refused(Exception):
    code = "REFUSED"


async def _refuse() -> None:
    await asyncio.sleep(0)
    raise _Refused


def _outcome(call: _Call[Any]) -> Any:
    """``call.wait()``, but a caller left waiting fails the test instead of hanging it."""
    outcome: list[Any] = []

    def wait() -> None:
        try:
            outcome.append(call.wait())
        except BaseException as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    waiter.join(10)
    assert not waiter.is_alive(), "the caller was never released"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def test_the_result_comes_back(loop: asyncio.AbstractEventLoop) -> None:
    call = _Call(_double, (21,), {})
    loop.call_soon_threadsafe(call.start, loop)
    assert _outcome(call) == 42


def test_the_exception_comes_back_as_the_same_object(loop: asyncio.AbstractEventLoop) -> None:
    calls = [_Call(_refuse, (), {}) for _ in range(2)]
    raised = []
    for call in calls:
        loop.call_soon_threadsafe(call.start, loop)
        with pytest.raises(_Refused) as info:
            _outcome(call)
        raised.append(info.value)
    assert raised[0] is not raised[1]
    assert raised[0].code == "REFUSED"


def test_a_call_cancelled_before_its_first_step_still_releases_the_caller() -> None:
    loop = asyncio.new_event_loop()
    try:
        call = _Call(_double, (1,), {})
        call.start(loop)  # the task exists, its first step is only scheduled
        call.cancel()
        loop.run_until_complete(asyncio.sleep(0.01))
    finally:
        loop.close()
    with pytest.raises(asyncio.CancelledError):
        _outcome(call)


def test_a_call_cancelled_while_it_runs_releases_the_caller(
    loop: asyncio.AbstractEventLoop,
) -> None:
    started = threading.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    call = _Call(forever, (), {})
    loop.call_soon_threadsafe(call.start, loop)
    assert started.wait(10)
    loop.call_soon_threadsafe(call.cancel)
    with pytest.raises(asyncio.CancelledError):
        _outcome(call)
