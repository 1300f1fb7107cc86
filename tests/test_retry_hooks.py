"""Where the ``on_retry`` hook runs: never where blocking code would hang or be refused.

The blocking client runs its coroutines on a private loop thread.  Its hook runs in a worker
thread instead, so it may block, call Django's ORM (which refuses to run on a thread with a
running event loop) or even call the client itself, which on the loop's own thread could
never finish.  Every test here bounds its wait, so a regression fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from django.utils.asyncio import async_unsafe  # type: ignore[import-untyped]

from efundpay import EFundPay, RetryEvent, RetryPolicy, _runner
from efundpay.testing import FakeEFundPay
from tests.helpers import CUS, STATUS, SUB


def run_bounded(fn: Callable[[], object], seconds: float = 20) -> object:
    """``fn()`` in a daemon thread: its result, or a failure (not a hang) after ``seconds``."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:  # handed to the test below
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"the call did not finish within {seconds}s: a deadlock")
    (result,) = outcome
    if isinstance(result, BaseException):
        raise result
    return result


def test_the_blocking_client_can_be_used_inside_its_own_on_retry_hook() -> None:
    seen: list[bool] = []
    holder: list[EFundPay] = []

    def hook(event: RetryEvent) -> None:
        # A blocking call on the same client, as a user's audit hook might make.
        seen.append(holder[0].customers.toggle(CUS).is_active)

    with FakeEFundPay() as fake:
        policy = RetryPolicy(initial_backoff=0, max_backoff=0, on_retry=hook)
        with EFundPay(**fake.client_kwargs(), retry=policy) as client:
            holder.append(client)
            fake.fail_next(503, operation=STATUS)
            sub = run_bounded(lambda: client.subscriptions.pause(SUB))
        assert getattr(sub, "status", None) == "paused"
        assert len(seen) == 1
        assert fake.customer(CUS).toggle_count == 1


def test_the_blocking_clients_hook_runs_where_django_allows_blocking_code() -> None:
    def operation_of(event: RetryEvent) -> str:
        return event.operation

    # What Django guards every ORM call with: it refuses a thread with a running loop.
    orm_call: Callable[[RetryEvent], str] = async_unsafe(operation_of)

    seen: list[str] = []
    loops: list[bool] = []

    def hook(event: RetryEvent) -> None:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        seen.append(orm_call(event))

    with FakeEFundPay() as fake:
        policy = RetryPolicy(initial_backoff=0, max_backoff=0, on_retry=hook)
        with EFundPay(**fake.client_kwargs(), retry=policy) as client:
            fake.fail_next(503, operation=STATUS)
            run_bounded(lambda: client.subscriptions.pause(SUB))
    assert seen == ["subscriptions.pause"]
    assert loops == [False]


def test_a_blocking_call_on_the_clients_own_loop_thread_raises_instead_of_hanging() -> None:
    with FakeEFundPay() as fake, EFundPay(**fake.client_kwargs()) as client:
        client.customers.toggle(CUS)  # starts the loop thread
        loop = client._runner._state._loop
        assert loop is not None
        done = threading.Event()
        outcome: list[BaseException | None] = []

        def on_the_loop() -> None:
            try:
                client.customers.toggle(CUS)
                outcome.append(None)
            except BaseException as exc:  # handed to the assertions below
                outcome.append(exc)
            done.set()

        loop.call_soon_threadsafe(on_the_loop)
        assert done.wait(20), "the call on the loop thread hung"
        (error,) = outcome
        assert isinstance(error, RuntimeError)
        assert "own event-loop thread" in str(error)
        assert fake.customer(CUS).toggle_count == 1


def test_closing_a_client_whose_loop_is_wedged_returns_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A regression of any test above leaves the loop thread blocked for good; closing the
    # client (and so interpreter exit) must still return, within its timeouts.
    monkeypatch.setattr(_runner, "_CLOSE_TIMEOUT", 0.2)
    release = threading.Event()
    with FakeEFundPay() as fake:
        client = EFundPay(**fake.client_kwargs())
        client.customers.toggle(CUS)
        loop = client._runner._state._loop
        assert loop is not None
        loop.call_soon_threadsafe(release.wait, 30)  # the loop thread blocks here
        try:
            with pytest.raises(TimeoutError):
                run_bounded(client.close)
        finally:
            release.set()
