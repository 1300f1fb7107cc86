"""The real SDK against the strict fake: v3 tokens and signed requests, v4 JWTs, as eFundPay's
vendors document them (DESIGN: "How the real services are reached").

The fake verifies everything from the bytes it received, with its own checks, so these tests
prove the SDK's ``efundpay.auth`` classes and its pipeline (fresh headers per attempt, one
resend after a rejection that proves nothing was applied, single-flight token fetches,
clock-skew correction from ``Date``) without trusting what the SDK meant to send.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import efundpay.auth as auth
from efundpay import APIError, AsyncEFundPay, EFundPay
from efundpay.testing import FakeEFundPay
from tests.helpers import NO_WAIT

SUB = "sub_1234567890abcdef"
CUS = "cus_123"


def strict_kwargs(fake: FakeEFundPay) -> dict[str, Any]:
    """The DESIGN's constructor keywords for a client of the strict ``fake``."""
    return {
        "merchant_account_id": fake.merchant_account_id,
        "base_url": fake.url,
        "v3_base_url": fake.v3_base_url,
        "auth": auth.JWTAuth(key_id=fake.jwt_key_id, private_key=fake.jwt_private_key_pem),
        "v3_auth": auth.SignedRequestAuth(
            client_id=fake.v3_client_id,
            client_secret=fake.v3_client_secret,
            private_key=fake.v3_private_key_pem,
            token_url=fake.token_url,
        ),
        "retry": NO_WAIT,
    }


@pytest.fixture
async def fake() -> AsyncIterator[FakeEFundPay]:
    async with FakeEFundPay(strict_auth=True) as server:
        yield server


@pytest.fixture
async def client(fake: FakeEFundPay) -> AsyncIterator[AsyncEFundPay]:
    async with AsyncEFundPay(**strict_kwargs(fake)) as sdk:
        yield sdk


@pytest.mark.anyio
async def test_signed_toggle_and_jwt_pause_are_accepted_with_one_token_fetch(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    customer = await client.customers.toggle(CUS)
    sub = await client.subscriptions.pause(SUB)

    assert (customer.is_active, sub.status) == (False, "paused")
    stats = fake.auth_stats
    assert (stats.token_fetches, stats.token_refreshes, dict(stats.rejections)) == (1, 0, {})


@pytest.mark.anyio
async def test_a_token_expired_mid_run_is_replaced_once_and_the_toggle_applied_once(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    await client.customers.toggle(CUS)
    fake.expire_tokens()
    customer = await client.customers.toggle(CUS)

    assert customer.is_active is True
    assert fake.customer(CUS).toggle_count == 2
    stats = fake.auth_stats
    assert stats.rejections == {"TOKEN_EXPIRED": 1}
    assert stats.token_fetches + stats.token_refreshes == 2


@pytest.mark.anyio
async def test_a_revoked_token_is_replaced_by_a_new_grant(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    await client.customers.toggle(CUS)
    fake.revoke_tokens()
    customer = await client.customers.toggle(CUS)

    assert customer.is_active is True
    assert fake.customer(CUS).toggle_count == 2
    stats = fake.auth_stats
    # A refresh with the revoked refresh token may be tried first; a new grant ends it.
    assert stats.token_fetches == 2
    assert set(stats.rejections) == {"TOKEN_INVALID"}


@pytest.mark.anyio
async def test_a_server_clock_300_s_ahead_is_corrected_from_its_date_header(
    fake: FakeEFundPay, client: AsyncEFundPay
) -> None:
    fake.clock_skew = 300
    first = await client.customers.toggle(CUS)
    second = await client.customers.toggle(CUS)
    sub = await client.subscriptions.pause(SUB)

    assert (first.is_active, second.is_active, sub.status) == (False, True, "paused")
    assert fake.customer(CUS).toggle_count == 2
    # One rejection, then the offset is known: later calls are signed on the server's time.
    assert fake.auth_stats.rejections == {"INVALID_TIMESTAMP": 1}


@pytest.mark.anyio
@pytest.mark.parametrize("lost", ["dropped after applying", "503 after applying"])
async def test_a_lost_toggle_answer_is_never_resent(
    fake: FakeEFundPay, client: AsyncEFundPay, lost: str
) -> None:
    await client.customers.toggle(CUS)  # the token is fetched: the fault meets the toggle
    if lost == "dropped after applying":
        fake.drop_next(after_apply=True, operation="customers.toggle")
    else:
        fake.fail_next(503, apply=True, operation="customers.toggle")

    with pytest.raises(APIError) as caught:
        await client.customers.toggle(CUS)

    assert caught.value.outcome_unknown is True
    assert fake.customer(CUS).toggle_count == 2  # flipped once by the call that failed
    toggles = [r for r in fake.requests if r.operation == "customers.toggle"]
    assert len(toggles) == 2


@pytest.mark.anyio
async def test_64_concurrent_first_calls_share_one_token_fetch(fake: FakeEFundPay) -> None:
    customers = [fake.add_customer() for _ in range(64)]
    async with AsyncEFundPay(**strict_kwargs(fake)) as client, anyio.create_task_group() as tg:
        for customer_id in customers:
            tg.start_soon(client.customers.toggle, customer_id)

    assert all(fake.customer(c).toggle_count == 1 for c in customers)
    stats = fake.auth_stats
    assert (stats.token_fetches, stats.token_refreshes, dict(stats.rejections)) == (1, 0, {})


@pytest.mark.anyio
@pytest.mark.parametrize("keys_in", ["files", "variables"])
async def test_the_environment_alone_configures_both_signers(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keys_in: str
) -> None:
    for name in list(os.environ):
        if name.startswith("EFUNDPAY_"):
            monkeypatch.delenv(name)
    env = fake.strict_env(tmp_path if keys_in == "files" else None)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    async with AsyncEFundPay(retry=NO_WAIT) as client:
        customer = await client.customers.toggle(CUS)
        sub = await client.subscriptions.pause(SUB)

    assert (customer.is_active, sub.status) == (False, "paused")
    assert fake.auth_stats.rejections == {}


def test_the_sync_client_from_16_threads_signs_every_call_with_one_token() -> None:
    with FakeEFundPay(strict_auth=True) as fake:
        customers = [fake.add_customer() for _ in range(16)]
        subscriptions = [fake.add_subscription() for _ in range(16)]
        failures: list[BaseException] = []
        with EFundPay(**strict_kwargs(fake)) as client:

            def work(index: int) -> None:
                try:
                    client.customers.toggle(customers[index])
                    client.subscriptions.pause(subscriptions[index])
                except BaseException as exc:  # reported by the main thread
                    failures.append(exc)

            threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)

        assert failures == []
        assert all(fake.customer(c).toggle_count == 1 for c in customers)
        assert all(fake.subscription(s).status == "paused" for s in subscriptions)
        stats = fake.auth_stats
        assert (stats.token_fetches, dict(stats.rejections)) == (1, {})
