"""A Hypothesis state machine: toggle, pause, resume, cancel and replays against the fake,
each call under faults Hypothesis chooses, with a model that must never diverge.

The model holds what the caller can know: the customer's ``is_active`` and the
subscription's status.  It changes only on what the SDK reports, and it re-reads the fake only
when the SDK says the outcome is unknown.  After every step it must equal the fake, and:

- no call flips the customer twice, and a toggle that returns flipped it exactly once;
- a status change is applied at most once per idempotency key, however often the key is
  sent (retries inside a call, or a caller replaying a key from an exception or its records);
- an error with ``outcome_unknown=False`` means nothing was applied;
- a refusal of the transition itself (409/422) happens exactly when the rules forbid it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, ClassVar, Final, Literal, TypeVar

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import efundpay
from efundpay import AsyncEFundPay, RetryPolicy, Subscription
from efundpay.testing import FakeEFundPay, Operation
from tests.helpers import CALL_ID, FAULTS, SHORT_TIMEOUT, SLOW, TaggingTransport, settle

T = TypeVar("T")
Status = Literal["paused", "active", "cancelled"]

# Which statuses each target status may be reached from (the API's rules, as DESIGN.md states them).
ALLOWED_FROM: Final[Mapping[str, frozenset[str]]] = {
    "paused": frozenset({"active", "past_due"}),
    "active": frozenset({"paused"}),
    "cancelled": frozenset({"active", "paused", "past_due", "failed"}),
}
METHOD: Final[Mapping[Status, str]] = {
    "paused": "pause",
    "active": "resume",
    "cancelled": "cancel",
}
FAST = RetryPolicy(initial_backoff=0, max_backoff=0, max_retries=2)

# A slow fault costs a timeout and then the wait for its held response: drawn half as often.
_WEIGHTED = [name for name in sorted(FAULTS) for _ in range(1 if name == SLOW else 2)]
fault_lists = st.lists(st.sampled_from(_WEIGHTED), max_size=2)


@attrs.frozen
class World:
    """What every machine instance shares: the fake, a loop to run calls on, a client each."""

    fake: FakeEFundPay
    runner: asyncio.Runner
    transport: TaggingTransport
    client: AsyncEFundPay
    slow_client: AsyncEFundPay

    def call(
        self, faults: list[str], operation: Operation, action: Callable[..., Coroutine[Any, Any, T]]
    ) -> T:
        """Queue ``faults`` for ``operation``, run ``action(client)``, clear what is left."""
        self.fake.clear_faults()
        for name in faults:
            FAULTS[name](self.fake, operation)
        client = self.slow_client if SLOW in faults else self.client
        call_id = str(uuid.uuid4())

        async def tagged() -> T:
            CALL_ID.set(call_id)
            return await action(client)

        try:
            return self.runner.run(tagged())
        finally:
            # A request the client gave up on may still be handled (and applied) later: wait
            # for it, so that everything this call did is seen before the call is judged.
            settle(self.fake, self.transport, call_id)
            self.fake.clear_faults()


@attrs.define
class Replayable:
    """A status change whose key the caller knows, so it can send it again."""

    to: Status
    key: str
    reason: str


class FaultyAccount(RuleBasedStateMachine):
    """One customer and one subscription, driven through faults (a subclass sets ``world``)."""

    world: ClassVar[World]

    def __init__(self) -> None:
        super().__init__()
        self.customer_id = self.world.fake.add_customer()
        self.subscription_id = self.world.fake.add_subscription()
        self.is_active = True
        self.status = "active"
        self.applied_by_key: dict[str, int] = {}
        self.known_keys: list[Replayable] = []

    # -- toggles ---------------------------------------------------------------------------

    @rule(faults=fault_lists)
    def toggle(self, faults: list[str]) -> None:
        fake = self.world.fake
        before = fake.customer(self.customer_id).toggle_count
        try:
            customer = self.world.call(
                faults,
                "customers.toggle",
                lambda client: client.customers.toggle(self.customer_id),
            )
        except efundpay.APIError as exc:
            delta = fake.customer(self.customer_id).toggle_count - before
            assert delta <= 1, f"one toggle flipped the customer {delta} times"
            if not exc.outcome_unknown:
                assert delta == 0, f"outcome_unknown=False, yet the toggle was applied: {exc}"
            else:
                self.is_active = fake.customer(self.customer_id).is_active
            return
        assert fake.customer(self.customer_id).toggle_count - before == 1
        self.is_active = not self.is_active
        assert customer.is_active is self.is_active

    # -- status changes --------------------------------------------------------------------

    @rule(
        to=st.sampled_from(["paused", "active", "cancelled"]),
        faults=fault_lists,
        own_key=st.booleans(),
    )
    def change_status(self, to: Status, faults: list[str], own_key: bool) -> None:
        key = str(uuid.uuid4()) if own_key else None
        self._change(to, faults, key, reason=f"step {len(self.applied_by_key)}")

    @precondition(lambda self: bool(self.known_keys))
    @rule(data=st.data(), faults=fault_lists)
    def replay_a_known_key(self, data: st.DataObject, faults: list[str]) -> None:
        earlier = data.draw(st.sampled_from(self.known_keys))
        self._change(earlier.to, faults, earlier.key, reason=earlier.reason)

    @precondition(lambda self: self.status == "cancelled")
    @rule()
    def start_a_new_subscription(self) -> None:
        # A cancellation is final; a new subscription keeps the machine exploring.
        self.subscription_id = self.world.fake.add_subscription()
        self.status = "active"
        self.known_keys.clear()

    def _change(self, to: Status, faults: list[str], key: str | None, reason: str) -> None:
        fake = self.world.fake
        before = len(fake.subscription(self.subscription_id).history)
        allowed = self.status in ALLOWED_FROM[to]
        replay = key is not None and key in self.applied_by_key

        def action(client: AsyncEFundPay) -> Coroutine[Any, Any, Subscription]:
            method = getattr(client.subscriptions, METHOD[to])
            result: Coroutine[Any, Any, Subscription] = method(
                self.subscription_id, reason=reason, idempotency_key=key
            )
            return result

        error: efundpay.APIError | None = None
        try:
            sub = self.world.call(faults, "subscriptions.status", action)
        except efundpay.APIError as exc:
            assert exc.idempotency_key is not None, "the key a caller needs to replay safely"
            error, key = exc, exc.idempotency_key
        delta = len(fake.subscription(self.subscription_id).history) - before
        assert delta <= 1, f"one call applied {delta} status changes"
        if key is None:
            # The SDK made the key for this call alone, and a successful call does not
            # expose it: its bound is this call's delta.
            applied = delta
        else:
            applied = self.applied_by_key[key] = self.applied_by_key.get(key, 0) + delta
            assert applied <= 1, f"idempotency key {key} applied {applied} times"
            self.known_keys.append(Replayable(to, key, reason))

        if error is None:
            # Applied now, or (a replay) applied by an earlier call with this key.
            assert applied == 1
            assert delta == 1 or replay
            assert allowed or not delta, f"{self.status} -> {to} should have been refused"
            assert sub.status == to
        else:
            if not error.outcome_unknown:
                assert delta == 0, f"outcome_unknown=False, yet the change was applied: {error}"
            # Refused by the rules only when the rules forbid it: a retry that re-applied a
            # change an earlier attempt had made would be refused ("already paused") here.
            if isinstance(error, efundpay.ConflictError | efundpay.UnprocessableEntityError):
                assert not allowed or replay, f"{self.status} -> {to} refused: {error}"
        if delta or (error is not None and error.outcome_unknown):
            self.status = fake.subscription(self.subscription_id).status

    # -- the model never diverges ----------------------------------------------------------

    @invariant()
    def model_matches_the_fake(self) -> None:
        assert self.world.fake.customer(self.customer_id).is_active is self.is_active
        assert self.world.fake.subscription(self.subscription_id).status == self.status


def test_toggle_pause_resume_cancel_under_faults_never_diverge_from_the_model() -> None:
    with FakeEFundPay(sample_data=False) as fake, asyncio.Runner() as runner:
        transport = TaggingTransport()
        options: dict[str, Any] = {**fake.client_kwargs(), "retry": FAST, "transport": transport}
        client = AsyncEFundPay(**options, timeout=10)
        slow_client = client.with_options(timeout=SHORT_TIMEOUT)
        world = World(fake, runner, transport, client, slow_client)

        class Account(FaultyAccount):
            pass

        Account.world = world
        try:
            run_state_machine_as_test(
                Account,
                settings=settings(max_examples=25, stateful_step_count=15, deadline=None),
            )
        finally:
            runner.run(client.aclose())
