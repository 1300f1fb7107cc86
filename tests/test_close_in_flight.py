"""Closing a client while a call runs ends that call as any failed call ends.

A status change cut off by ``close()`` (or ``aclose()``) may already have been applied: it
raises :class:`efundpay.ClientClosedError`, an ``APIError`` with its idempotency key and
``outcome_unknown``, so the caller can replay it safely, rather than a bare
``RuntimeError`` that says nothing of the change.
"""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from efundpay import APIError, AsyncEFundPay, ClientClosedError, EFundPay
from efundpay.testing import FakeEFundPay
from tests.helpers import CUS, STATUS, SUB


def _wait_for_the_request(fake: FakeEFundPay) -> None:
    """Until the fake has taken the queued fault: the request arrived and was applied."""
    deadline = time.monotonic() + 10
    while fake.pending_faults and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not fake.pending_faults, "the call never reached the fake"


def test_closing_the_blocking_client_mid_call_raises_a_stamped_api_error() -> None:
    with FakeEFundPay() as fake:
        client = EFundPay(**fake.client_kwargs())
        fake.delay_next(30, apply=True, operation=STATUS)  # applied, then no answer
        outcome: list[BaseException] = []

        def pause() -> None:
            try:
                client.subscriptions.pause(SUB, idempotency_key="key-1")
            except BaseException as exc:  # collected for the assertions below
                outcome.append(exc)

        caller = threading.Thread(target=pause)
        caller.start()
        _wait_for_the_request(fake)
        client.close()
        caller.join(10)
        assert not caller.is_alive()
        (error,) = outcome
        assert isinstance(error, ClientClosedError)
        assert isinstance(error, APIError)
        assert isinstance(error, RuntimeError)  # what a closed client raised before
        assert error.idempotency_key == "key-1"
        assert error.outcome_unknown is True
        assert error.attempts == 1
        assert "idempotency_key='key-1'" in str(error)
        assert fake.subscription(SUB).status == "paused"  # it was indeed applied


@pytest.mark.anyio
async def test_closing_the_async_client_mid_call_raises_a_stamped_api_error(
    fake: FakeEFundPay,
) -> None:
    fake.delay_next(30, apply=True, operation=STATUS)
    client = AsyncEFundPay(**fake.client_kwargs())
    errors: list[BaseException] = []

    async def pause() -> None:
        try:
            await client.subscriptions.pause(SUB, idempotency_key="key-2")
        except APIError as exc:
            errors.append(exc)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(pause)
            # Polling, as the fake's own await_idle does: its state changes on its loop.
            while fake.pending_faults:  # noqa: ASYNC110
                await anyio.sleep(0.01)
            await client.aclose()
    (error,) = errors
    assert isinstance(error, ClientClosedError)
    assert (error.idempotency_key, error.outcome_unknown) == ("key-2", True)


@pytest.mark.anyio
async def test_a_call_on_a_closed_async_client_is_a_client_closed_error_with_nothing_applied(
    fake: FakeEFundPay,
) -> None:
    client = AsyncEFundPay(**fake.client_kwargs())
    await client.customers.toggle(CUS)
    await client.aclose()
    with pytest.raises(ClientClosedError) as raised:
        await client.customers.toggle(CUS)
    assert raised.value.outcome_unknown is False
    assert raised.value.attempts == 1  # refused at once, never retried
    assert fake.customer(CUS).toggle_count == 1
