"""Per-call ``timeout=``, ``max_retries=`` and ``extra_headers=``, on both clients.

Proven against the fake (a real aiohttp server on 127.0.0.1): what each attempt carried,
how many attempts a call made, and that a refused option sends nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from efundpay import (
    APITimeoutError,
    AsyncEFundPay,
    EFundPay,
    HTTPRequest,
    HTTPResponse,
    InternalServerError,
    MockTransport,
    Timeout,
)
from efundpay._request import PROTECTED_HEADERS
from efundpay.testing import FakeEFundPay
from tests.helpers import API_KEY, MERCHANT, NO_WAIT

pytestmark = pytest.mark.anyio

SUB = "sub_123"


@pytest.fixture
def threaded_fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        yield server


async def test_extra_headers_go_on_every_attempt_of_that_call_alone(fake: FakeEFundPay) -> None:
    fake.fail_next(503, times=2)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT) as client:
        await client.subscriptions.pause(SUB, extra_headers={"X-Trace-Id": "trace-1"})
        await client.subscriptions.resume(SUB)
    *attempts, plain = fake.requests
    assert len(attempts) == 3
    assert [r.headers.get("X-Trace-Id") for r in attempts] == ["trace-1"] * 3
    assert "X-Trace-Id" not in plain.headers


async def test_extra_headers_cannot_remove_the_idempotency_key_the_retries_share(
    fake: FakeEFundPay,
) -> None:
    fake.fail_next(503)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT) as client:
        await client.subscriptions.cancel(SUB, extra_headers={"X-Tenant": "t1"})
    keys = {r.headers["idempotency-key"] for r in fake.requests}
    assert len(fake.requests) == 2 and len(keys) == 1


async def test_an_extra_header_may_replace_the_user_agent_whatever_its_case(
    fake: FakeEFundPay,
) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        await client.customers.toggle("cus_123", extra_headers={"user-agent": "shop/2.0"})
    (request,) = fake.requests
    assert request.headers.getall("User-Agent") == ["shop/2.0"]


@pytest.mark.parametrize("name", sorted(PROTECTED_HEADERS))
async def test_extra_headers_refuse_every_header_the_sdk_sets_before_any_io(
    fake: FakeEFundPay, name: str
) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        for spelled in (name, name.upper(), name.title()):
            with pytest.raises(ValueError, match=f"cannot set '{spelled}'"):
                await client.subscriptions.pause(SUB, extra_headers={spelled: "x"})
            with pytest.raises(ValueError, match=f"cannot set '{spelled}'"):
                await client.customers.toggle("cus_123", extra_headers={spelled: "x"})
    assert fake.requests == []


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-Bad Name": "v"}, "is not a header name"),
        ({"X-Bad:Name": "v"}, "is not a header name"),
        ({"": "v"}, "is not a header name"),
        ({"X-Ok": "two words"}, r"extra_headers\['X-Ok'\] must be visible ASCII"),
        ({"X-Ok": "v\r\nInjected: 1"}, r"extra_headers\['X-Ok'\] must be visible ASCII"),
        ({"X-Ok": "v\n"}, r"extra_headers\['X-Ok'\] must be visible ASCII"),
        ({"X-Ok": "caf\u00e9"}, r"extra_headers\['X-Ok'\] must be visible ASCII"),
        ({"X-Ok": ""}, r"extra_headers\['X-Ok'\] must be visible ASCII"),
    ],
)
async def test_extra_headers_refuse_what_cannot_go_on_a_header_line(
    fake: FakeEFundPay, headers: dict[str, str], problem: str
) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with pytest.raises(ValueError, match=problem) as caught:
            await client.subscriptions.pause(SUB, extra_headers=headers)
    assert "Injected" not in str(caught.value)  # a refused value is never repeated
    assert fake.requests == []


async def test_extra_headers_of_the_wrong_type_raise_type_error(fake: FakeEFundPay) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with pytest.raises(TypeError, match="mapping"):
            await client.subscriptions.pause(SUB, extra_headers=[("X-A", "b")])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"extra_headers\['X-A'\] must be a string"):
            await client.subscriptions.pause(SUB, extra_headers={"X-A": 1})  # type: ignore[dict-item]
    assert fake.requests == []


async def test_max_retries_for_one_call_replaces_the_clients(fake: FakeEFundPay) -> None:
    fake.fail_next(503, times=10)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT, max_retries=5) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.subscriptions.pause(SUB, max_retries=0)
        assert caught.value.attempts == 1
        fake.clear_requests()
        with pytest.raises(InternalServerError) as caught:
            await client.subscriptions.pause(SUB, max_retries=1)
        assert caught.value.attempts == 2
        assert client.max_retries == 5  # the client itself is unchanged
    assert len(fake.requests) == 2


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
async def test_max_retries_must_be_a_whole_number(fake: FakeEFundPay, bad: object) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with pytest.raises(ValueError, match="max_retries must be a whole number"):
            await client.customers.toggle("cus_123", max_retries=bad)  # type: ignore[arg-type]
    assert fake.requests == []


async def test_a_timeout_for_one_call_bounds_each_of_its_attempts() -> None:
    seen: list[Timeout] = []

    def handler(request: HTTPRequest) -> HTTPResponse:
        seen.append(request.timeout)
        return HTTPResponse.from_json(200, {"id": SUB, "status": "paused"})

    async with AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, transport=MockTransport(handler), timeout=30
    ) as client:
        await client.subscriptions.pause(SUB, timeout=2.5)
        await client.subscriptions.pause(SUB, timeout=Timeout(total=4, connect=1))
        await client.subscriptions.pause(SUB)
    assert [t.total for t in seen] == [2.5, 4, 30]
    assert seen[1].connect == 1


async def test_a_short_timeout_for_one_call_times_it_out(fake: FakeEFundPay) -> None:
    fake.delay_next(2.0, apply=False)
    async with AsyncEFundPay(**fake.client_kwargs(), max_retries=0) as client:
        with pytest.raises(APITimeoutError):
            await client.subscriptions.pause(SUB, timeout=0.2)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "5"])
async def test_a_bad_timeout_for_one_call_sends_nothing(fake: FakeEFundPay, bad: object) -> None:
    async with AsyncEFundPay(**fake.client_kwargs()) as client:
        with pytest.raises((TypeError, ValueError)):
            await client.subscriptions.pause(SUB, timeout=bad)  # type: ignore[arg-type]
    assert fake.requests == []


def test_the_blocking_client_takes_the_same_per_call_options(
    threaded_fake: FakeEFundPay,
) -> None:
    threaded_fake.fail_next(503, times=5)
    with EFundPay(**threaded_fake.client_kwargs(), retry=NO_WAIT) as client:
        with pytest.raises(InternalServerError) as caught:
            client.subscriptions.pause(SUB, max_retries=1, extra_headers={"X-Job": "j1"})
        assert caught.value.attempts == 2
        with pytest.raises(ValueError, match="cannot set 'Authorization'"):
            client.customers.toggle("cus_123", extra_headers={"Authorization": "Bearer x"})
    assert [r.headers.get("X-Job") for r in threaded_fake.requests] == ["j1", "j1"]
