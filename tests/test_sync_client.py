"""EFundPay, the blocking client, against FakeEFundPay: results, errors and lifecycle."""

from __future__ import annotations

import asyncio
import gc
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from efundpay import (
    APIConnectionError,
    APITimeoutError,
    AsyncEFundPay,
    ConfigurationError,
    Customer,
    EFundPay,
    InternalServerError,
    NotFoundError,
    RetryPolicy,
    Subscription,
)
from efundpay.testing import FakeEFundPay

SUB = "sub_1234567890abcdef"
NO_WAIT = RetryPolicy(initial_backoff=0.0, max_backoff=0.0)


@pytest.fixture
def fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        yield server


@pytest.fixture
def client(fake: FakeEFundPay) -> Iterator[EFundPay]:
    with EFundPay(**fake.client_kwargs()) as sdk:
        yield sdk


def runner_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("efundpay-sync-")}


def test_calls_return_the_same_models_as_the_async_client(
    fake: FakeEFundPay, client: EFundPay
) -> None:
    customer = client.customers.toggle("cus_123")
    assert isinstance(customer, Customer)
    assert customer.is_active is False
    assert fake.customer("cus_123").toggle_count == 1
    paused = client.subscriptions.pause(SUB, pause_behavior="void", reason="holiday")
    assert isinstance(paused, Subscription)
    assert paused.status == "paused"
    assert client.subscriptions.resume(SUB, billing_cycle_anchor="now").status == "active"
    cancelled = client.subscriptions.cancel(SUB, at_period_end=True, metadata={"by": "test"})
    assert cancelled.status == "cancelled"
    assert [r.applied for r in fake.requests] == [True] * 4


def test_the_loop_thread_starts_on_the_first_call_and_is_joined_by_close(
    fake: FakeEFundPay,
) -> None:
    before = runner_threads()
    client = EFundPay(**fake.client_kwargs())
    assert runner_threads() == before  # constructing starts nothing
    client.customers.toggle("cus_123")
    (thread,) = runner_threads() - before
    assert thread.daemon
    session = client._async._transport._session  # type: ignore[attr-defined]
    client.close()
    assert not thread.is_alive()
    assert session.closed
    client.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        client.customers.toggle("cus_123")
    assert fake.customer("cus_123").toggle_count == 1


def test_closing_a_client_that_never_called_starts_nothing(fake: FakeEFundPay) -> None:
    before = runner_threads()
    with EFundPay(**fake.client_kwargs()) as client:
        pass
    assert runner_threads() == before
    with pytest.raises(RuntimeError, match="closed"):
        client.customers.toggle("cus_123")


def test_with_options_shares_the_loop_and_the_pool_and_its_close_does_nothing(
    fake: FakeEFundPay, client: EFundPay
) -> None:
    before = runner_threads()
    patient = client.with_options(timeout=60, max_retries=5)
    assert isinstance(patient, EFundPay)
    assert (patient.max_retries, patient.timeout.total) == (5, 60)
    assert (client.max_retries, client.timeout.total) == (2, 30)
    patient.customers.toggle("cus_123")
    client.customers.toggle("cus_123")
    assert len(runner_threads() - before) == 1
    pool = client._async._transport._session  # type: ignore[attr-defined]
    assert patient._async._transport._session is pool  # type: ignore[attr-defined]
    patient.close()
    assert client.customers.toggle("cus_123").is_active is False
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        patient.customers.toggle("cus_123")


def test_repr_names_the_blocking_client_and_hides_the_key(client: EFundPay) -> None:
    text = repr(client)
    assert text.startswith("<EFundPay base_url='http://127.0.0.1:")
    assert "sk_test_fake" not in text
    assert client.base_url.startswith("http://127.0.0.1:")


def test_configuration_errors_are_raised_by_the_constructor_before_any_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("API_KEY", "MERCHANT_ACCOUNT_ID", "ENVIRONMENT", "BASE_URL"):
        monkeypatch.delenv(f"EFUNDPAY_{name}", raising=False)
    before = runner_threads()
    with pytest.raises(ConfigurationError, match="EFUNDPAY_API_KEY"):
        EFundPay(merchant_account_id="acct_1")
    assert runner_threads() == before


# -- errors: the very classes and attributes of the async client ---------------------------

# Attributes that differ between two otherwise identical calls.
VOLATILE = {"request_id", "idempotency_key", "headers", "__traceback__"}

Call = Callable[[Any], Any]


def _stable(error: BaseException) -> dict[str, Any]:
    return {k: v for k, v in vars(error).items() if k not in VOLATILE}


SCENARIOS: list[Any] = [
    pytest.param(
        lambda fake: None, lambda c: c.customers.toggle("cus_missing"), NotFoundError, id="404"
    ),
    pytest.param(
        lambda fake: fake.fail_next(503, apply=True, times=3),
        lambda c: c.subscriptions.pause(SUB, idempotency_key="k-1"),
        InternalServerError,
        id="503 applied",
    ),
    pytest.param(
        lambda fake: fake.drop_next(after_apply=True),
        lambda c: c.customers.toggle("cus_123"),
        APIConnectionError,
        id="dropped toggle",
    ),
    pytest.param(
        lambda fake: fake.delay_next(2, apply=False),
        lambda c: c.with_options(timeout=0.2, max_retries=0).customers.toggle("cus_123"),
        APITimeoutError,
        id="timeout",
    ),
    pytest.param(
        lambda fake: None, lambda c: c.subscriptions.pause(SUB, reason=""), ValueError, id="value"
    ),
    pytest.param(
        lambda fake: None,
        lambda c: c.subscriptions.pause(SUB, resume_at=datetime(2025, 3, 1)),
        ValueError,
        id="naive datetime",
    ),
    pytest.param(
        lambda fake: None, lambda c: c.subscriptions.cancel(SUB, prorate="no"), TypeError, id="type"
    ),
]


def _async_error(kwargs: dict[str, Any], call: Call) -> BaseException:
    async def main() -> BaseException:
        async with AsyncEFundPay(**kwargs) as client:
            try:
                await call(client)
            except Exception as exc:
                return exc
        raise AssertionError("the async call did not fail")

    return asyncio.run(main())


@pytest.mark.parametrize(("arrange", "call", "expected"), SCENARIOS)
def test_errors_are_the_async_clients_classes_with_the_same_attributes(
    fake: FakeEFundPay, arrange: Callable[[FakeEFundPay], None], call: Call, expected: type
) -> None:
    kwargs: dict[str, Any] = {**fake.client_kwargs(), "max_retries": 2, "retry": NO_WAIT}
    arrange(fake)
    async_error = _async_error(kwargs, call)
    fake.clear_faults()
    arrange(fake)
    with EFundPay(**kwargs) as client, pytest.raises(expected) as info:
        call(client)
    assert type(info.value) is type(async_error)
    assert _stable(info.value) == _stable(async_error)
    assert str(info.value).split("request_id")[0] == str(async_error).split("request_id")[0]


def test_the_exception_is_the_object_raised_on_the_loop(fake: FakeEFundPay) -> None:
    raised: list[BaseException] = []

    async def failing() -> None:
        error = NotFoundError("gone", status_code=404)
        raised.append(error)
        raise error

    with EFundPay(**fake.client_kwargs()) as client, pytest.raises(NotFoundError) as info:
        client._runner.run(failing)
    assert info.value is raised[0]


# -- forgotten clients, interrupted calls -------------------------------------------------


def test_a_forgotten_client_is_closed_when_garbage_collected(fake: FakeEFundPay) -> None:
    client = EFundPay(**fake.client_kwargs())
    client.customers.toggle("cus_123")
    thread = client._runner._state.thread
    session = client._async._transport._session  # type: ignore[attr-defined]
    assert thread is not None
    del client
    gc.collect()
    assert not thread.is_alive()
    assert session.closed


def test_finalizing_on_the_loops_own_thread_neither_deadlocks_nor_leaks(
    fake: FakeEFundPay,
) -> None:
    client = EFundPay(**fake.client_kwargs())
    client.customers.toggle("cus_123")
    runner, thread = client._runner, client._runner._state.thread
    session = client._async._transport._session  # type: ignore[attr-defined]
    assert thread is not None

    async def finalize_here() -> str:
        runner._finalizer()  # what the garbage collector does when it runs on this thread
        return "returned"

    assert runner.run(finalize_here) == "returned"
    thread.join(5)
    assert not thread.is_alive()
    assert session.closed


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_an_interrupted_call_is_cancelled_instead_of_running_on(
    fake: FakeEFundPay, client: EFundPay
) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    fake.delay_next(1, apply=False)  # held before handling: applied only if still wanted
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with pytest.raises(KeyboardInterrupt):
            client.customers.toggle("cus_123")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    _wait_for(lambda: len(fake.requests) == 1, timeout=5)
    assert fake.requests[0].applied is False
    assert fake.customer("cus_123").toggle_count == 0
    assert client.customers.toggle("cus_123").is_active is False  # the client still works


def test_close_releases_callers_whose_calls_are_in_flight(
    fake: FakeEFundPay, client: EFundPay
) -> None:
    fake.delay_next(30, apply=False)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.customers.toggle("cus_123")
        except BaseException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    _wait_for(lambda: fake.pending_faults == 0)
    started = time.monotonic()
    client.close()
    caller.join(5)
    assert time.monotonic() - started < 5
    assert not caller.is_alive()
    assert isinstance(outcome[0], RuntimeError | APIConnectionError)
