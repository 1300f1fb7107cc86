"""SignedRequestAuth (v3) against a real server that verifies every signature independently:
token fetch, single flight, refresh, rejections, clock skew, nonces, and the toggle's safety.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import efundpay
from efundpay import RetryPolicy
from efundpay.auth import SignedRequestAuth
from tests.signing_server import Clock, SigningServer, serving, signed_auth, signing_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def server() -> Iterator[SigningServer]:
    with serving() as running:
        yield running


async def test_a_signed_toggle_carries_a_token_nonce_timestamp_and_a_verified_signature(
    server: SigningServer,
) -> None:
    async with signing_client(server) as client:
        customer = await client.customers.toggle("cus_1")

    assert customer.id == "cus_1"
    assert server.grants == [{"grantType": "client_credentials"}]
    [seen] = server.v3_requests
    assert seen["refused"] is None, "the server verified the signature it rebuilt"
    assert seen["method"] == "POST"
    assert seen["path"] == "/v3/recurring-payment/cus_1/toggle"
    assert seen["token"].startswith("Bearer at_")


async def test_sixty_four_concurrent_first_calls_share_one_token_fetch(
    server: SigningServer,
) -> None:
    server.token_delay = 0.05  # the fetch is still in flight when every call wants a token
    async with signing_client(server) as client:
        customers = await asyncio.gather(*(client.customers.toggle(f"cus_{i}") for i in range(64)))

    assert len(customers) == 64
    assert server.grants == [{"grantType": "client_credentials"}]
    assert len({r["token"] for r in server.v3_requests}) == 1
    assert [r["refused"] for r in server.v3_requests] == [None] * 64
    assert len({r["nonce"] for r in server.v3_requests}) == 64, "a new nonce per request"


async def test_the_token_is_refreshed_shortly_before_it_expires(server: SigningServer) -> None:
    clock = Clock(server)
    server.expires_in = 7200
    async with signing_client(server, v3_auth=signed_auth(server, clock=clock)) as client:
        await client.customers.toggle("cus_1")
        clock.advance(7200 - 120)  # two minutes left: still used as it is
        await client.customers.toggle("cus_1")
        clock.advance(90)  # thirty seconds left: refreshed before sending
        await client.customers.toggle("cus_1")
        await client.customers.toggle("cus_1")

    assert [g["grantType"] for g in server.grants] == ["client_credentials", "refresh_token"]
    tokens = [r["token"] for r in server.v3_requests]
    assert tokens[0] == tokens[1] != tokens[2] == tokens[3]


async def test_a_refused_refresh_token_falls_back_to_client_credentials(
    server: SigningServer,
) -> None:
    clock = Clock(server)
    async with signing_client(server, v3_auth=signed_auth(server, clock=clock)) as client:
        await client.customers.toggle("cus_1")
        server.refresh_tokens.clear()  # revoked, or rotated by another process
        clock.advance(7200)
        await client.customers.toggle("cus_1")

    assert [g["grantType"] for g in server.grants] == [
        "client_credentials",
        "refresh_token",
        "client_credentials",
    ]
    assert server.v3_requests[-1]["refused"] is None


async def test_a_wrapped_token_answer_is_read_too(server: SigningServer) -> None:
    server.wrap_token = True
    async with signing_client(server) as client:
        await client.customers.toggle("cus_1")
    assert server.v3_requests[0]["refused"] is None


@pytest.mark.parametrize("fault", ["revoked", "TOKEN_EXPIRED", "TOKEN_INVALID"])
async def test_a_rejected_token_is_replaced_once_and_the_call_resent_not_as_a_retry(
    server: SigningServer, fault: str
) -> None:
    async with signing_client(server, max_retries=0) as client:
        await client.customers.toggle("cus_1")
        if fault == "revoked":
            server.revoke_tokens()  # the server answers 401 TOKEN_INVALID
        else:
            server.v3_faults.append(fault)
        customer = await client.customers.toggle("cus_1")

    assert customer.id == "cus_1"
    assert len(server.grants) == 2, "one new token"
    assert len(server.v3_requests) == 3, "one resend, although max_retries=0"
    assert server.toggles == 2
    first, resent = server.v3_requests[1:]
    assert first["token"] != resent["token"]
    assert first["nonce"] != resent["nonce"]


async def test_only_one_resend_per_call_then_the_rejection_is_raised(
    server: SigningServer,
) -> None:
    server.v3_faults.extend(["TOKEN_EXPIRED", "TOKEN_EXPIRED"])
    async with signing_client(server) as client:
        with pytest.raises(efundpay.AuthenticationError) as raised:
            await client.customers.toggle("cus_1")

    assert raised.value.code == "TOKEN_EXPIRED"
    assert raised.value.attempts == 2
    assert raised.value.outcome_unknown is False
    assert len(server.v3_requests) == 2
    assert server.toggles == 0


async def test_invalid_timestamp_corrects_the_clock_from_the_date_header(
    server: SigningServer,
) -> None:
    server.skew = 300.0  # the server's clock is five minutes ahead
    async with signing_client(server, max_retries=0) as client:
        await client.customers.toggle("cus_1")
        await client.customers.toggle("cus_2")

    verdicts = [r["refused"] for r in server.v3_requests]
    assert verdicts == ["INVALID_TIMESTAMP", None, None], "corrected once, then remembered"
    stamps = [int(r["timestamp"]) for r in server.v3_requests]
    assert stamps[1] - stamps[0] >= 298, "the resend carries the server's time"
    assert len(server.grants) == 1, "a clock problem needs no new token"


async def test_every_retry_carries_a_fresh_nonce_timestamp_and_signature(
    server: SigningServer,
) -> None:
    server.v3_faults.extend(["429", "429"])  # a rate limit: refused before applying
    async with signing_client(server) as client:
        await client.customers.toggle("cus_1")

    assert [r["refused"] for r in server.v3_requests] == [None, None, None]
    assert len({r["nonce"] for r in server.v3_requests}) == 3
    assert server.toggles == 1


class RetryEverything(RetryPolicy):
    """A policy that would retry any failure: the pipeline's toggle rule must still hold."""

    def may_retry(
        self, error: efundpay.APIError, *, idempotent: bool, maybe_applied: bool = False
    ) -> bool:
        return True


@pytest.mark.parametrize("ambiguous", ["drop", "500"])
@pytest.mark.parametrize("then", ["TOKEN_EXPIRED", "429"])
async def test_a_toggle_that_may_have_been_applied_is_never_sent_again(
    server: SigningServer, ambiguous: str, then: str
) -> None:
    server.v3_faults.extend([ambiguous, then])
    policy = RetryEverything(initial_backoff=0, max_backoff=0)
    async with signing_client(server, retry=policy) as client:
        with pytest.raises(efundpay.APIError) as raised:
            await client.customers.toggle("cus_1")

    assert raised.value.outcome_unknown is True
    assert len(server.v3_requests) == 1
    assert server.toggles == 1


async def test_the_older_customer_status_route_is_signed_for_put(server: SigningServer) -> None:
    async with signing_client(server, v3_route="customer-status") as client:
        customer = await client.customers.toggle("cus/1")

    assert customer.id == "cus/1"
    [seen] = server.v3_requests
    assert (seen["method"], seen["path"], seen["refused"]) == (
        "PUT",
        "/v3/customer/cus/1/status",
        None,
    )


async def test_a_token_endpoint_that_refuses_the_client_is_an_authentication_error(
    server: SigningServer,
) -> None:
    auth = SignedRequestAuth(
        client_id="client_1234",
        client_secret="wrong",
        private_key=signed_auth(server)._key,
        token_url=server.token_url,
    )
    async with signing_client(server, v3_auth=auth) as client:
        with pytest.raises(efundpay.AuthenticationError) as raised:
            await client.customers.toggle("cus_1")

    assert raised.value.code == "INVALID_CLIENT"
    assert raised.value.outcome_unknown is False
    assert server.v3_requests == [], "the toggle itself was never sent"


async def test_a_token_endpoint_that_is_down_fails_the_call_and_the_toggle_is_not_sent(
    server: SigningServer,
) -> None:
    auth = SignedRequestAuth(
        client_id="client_1234",
        client_secret="x",
        private_key=signed_auth(server)._key,
        token_url="http://127.0.0.1:9/v1/token",  # discard port: refused
    )
    async with signing_client(server, v3_auth=auth) as client:
        with pytest.raises(efundpay.APIConnectionError) as raised:
            await client.customers.toggle("cus_1")

    assert raised.value.request_sent is False
    assert raised.value.attempts == 3, "nothing of the toggle left, so trying again is safe"
    assert "/v1/token" in str(raised.value)
    assert server.v3_requests == []
