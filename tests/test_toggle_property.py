"""Toggle safety as a property: under any faults, no single call flips a customer twice.

The contract checked for every call (``delta`` is how often the fake really flipped the
customer for that call: measured around a lone call, or attributed through the fake's log
when calls run concurrently):

- it returned a customer → ``delta == 1`` and the returned state is the fake's state;
- it raised with ``outcome_unknown=False`` → ``delta == 0``;
- it raised with ``outcome_unknown=True`` → ``delta`` is 0 or 1, never 2;
- it raised anything at all → an :class:`efundpay.APIError`, never a raw library exception.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Literal

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import efundpay
from efundpay import AsyncEFundPay, RetryPolicy
from efundpay.testing import FakeEFundPay
from tests.helpers import (
    CALL_ID,
    FAULTS,
    HOLD,
    SHORT_TIMEOUT,
    SLOW,
    TaggingTransport,
    applied_by_call,
)

pytestmark = pytest.mark.anyio

TOGGLE: Literal["customers.toggle"] = "customers.toggle"
# Retries at once, so the only waits are the faults' own.
FAST = RetryPolicy(initial_backoff=0, max_backoff=0, max_retries=3)


async def checked_toggle(client: AsyncEFundPay, fake: FakeEFundPay, customer_id: str) -> str:
    """Toggle once, assert the contract above, and name the outcome for the tally."""
    before = fake.customer(customer_id).toggle_count
    try:
        customer = await client.customers.toggle(customer_id)
    except efundpay.APIError as exc:
        delta = fake.customer(customer_id).toggle_count - before
        if exc.outcome_unknown:
            assert delta in (0, 1), f"one call flipped the customer {delta} times: {exc}"
            return "unknown"
        assert delta == 0, f"outcome_unknown=False but the toggle was applied: {exc}"
        return "not applied"
    state = fake.customer(customer_id)
    assert state.toggle_count - before == 1
    assert customer.is_active is state.is_active
    return "ok"


async def test_hundreds_of_concurrent_toggles_under_random_faults_never_flip_twice() -> None:
    outcomes: dict[str, str] = {}
    transport = TaggingTransport()
    async with FakeEFundPay(sample_data=False) as fake:
        customers = [fake.add_customer() for _ in range(20)]
        fake.random_faults(0.3, seed=20240401, delay=HOLD)
        async with AsyncEFundPay(
            **fake.client_kwargs(), transport=transport, retry=FAST, timeout=SHORT_TIMEOUT
        ) as client:

            async def toggle_repeatedly(customer_id: str) -> None:
                for number in range(15):
                    call = f"{customer_id}/{number}"
                    CALL_ID.set(call)
                    try:
                        await client.customers.toggle(customer_id)
                    except efundpay.APIError as exc:
                        outcomes[call] = "unknown" if exc.outcome_unknown else "not applied"
                    else:
                        outcomes[call] = "ok"

            async with anyio.create_task_group() as tasks:
                for customer_id in customers:
                    tasks.start_soon(toggle_repeatedly, customer_id)

    # Counted once the fake has stopped, so that every request it handled is in its log,
    # including those applied after their caller had given up waiting.
    applied = applied_by_call(fake)
    allowed = {"ok": (1,), "not applied": (0,), "unknown": (0, 1)}
    wrong = {c: (o, applied[c]) for c, o in outcomes.items() if applied[c] not in allowed[o]}
    assert wrong == {}, "calls whose flips do not match what they reported"
    assert set(applied) <= set(outcomes), "every flip belongs to a call"
    assert sum(applied.values()) == sum(fake.customer(c).toggle_count for c in customers)
    tally = Counter(outcomes.values())
    faults = Counter((r.fault or "none").split("(")[0] for r in fake.requests)
    assert sum(tally.values()) == 300
    assert tally["ok"] > 0 and tally["unknown"] > 0, tally
    assert faults["status"] > 0 and faults["drop"] > 0 and faults["delay"] > 0, faults


# EXCEEDED_LIMIT is the v3 way of saying 429, with HTTP 200.
TOGGLE_FAULTS = sorted([*FAULTS, "EXCEEDED_LIMIT"])
RATE_LIMITS = ("429", "EXCEEDED_LIMIT")


def queue(fake: FakeEFundPay, name: str) -> None:
    if name == "EXCEEDED_LIMIT":
        fake.fail_next(200, code="EXCEEDED_LIMIT", operation=TOGGLE)
    else:
        FAULTS[name](fake, TOGGLE)


@pytest.fixture
async def fake() -> AsyncIterator[FakeEFundPay]:
    async with FakeEFundPay(sample_data=False) as server:
        yield server


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(faults=st.lists(st.sampled_from(TOGGLE_FAULTS), max_size=4))
async def test_a_toggle_under_any_sequence_of_faults_flips_at_most_once(
    fake: FakeEFundPay, faults: list[str]
) -> None:
    customer_id = fake.add_customer()  # a fresh customer per example
    fake.clear_faults()
    for name in faults:
        queue(fake, name)
    timeout = SHORT_TIMEOUT if SLOW in faults else 10
    async with AsyncEFundPay(**fake.client_kwargs(), retry=FAST, timeout=timeout) as client:
        outcome = await checked_toggle(client, fake, customer_id)

    only_rate_limits = all(name in RATE_LIMITS for name in faults)
    if only_rate_limits and len(faults) <= FAST.max_retries:
        assert outcome == "ok", "rate limits alone are waited out and retried"
