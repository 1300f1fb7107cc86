"""A toggle that may have been applied is never sent again, whatever the error says.

A 5xx is never a rate limit, whatever its body carries: the server failed, perhaps after
applying the change.  And once any attempt of a non-idempotent call may have been applied,
one gate in the retry decision refuses every resend, so that no classification of an error,
present or future, can flip a customer back.
"""

from __future__ import annotations

from typing import Any

import pytest

import efundpay
import efundpay.auth
from efundpay import (
    AsyncEFundPay,
    EFundPay,
    HTTPResponse,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
)
from efundpay.__main__ import main
from efundpay.cli import ExitCode
from efundpay.testing import FakeEFundPay
from tests.helpers import CUS, NO_WAIT, TOGGLE, mock_client, point_environment_at, scripted

# EXCEEDED_LIMIT wherever an error body may carry its code.
LIMIT_BODIES: list[dict[str, Any]] = [
    {"code": "EXCEEDED_LIMIT", "message": "too many"},
    {"item": None, "code": "EXCEEDED_LIMIT", "error": {"code": "EXCEEDED_LIMIT"}},
    {"error": {"code": "EXCEEDED_LIMIT", "message": "too many"}},
    {"errors": [{"code": "EXCEEDED_LIMIT", "message": "too many"}]},
]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("body", LIMIT_BODIES, ids=["code", "envelope", "error", "errors"])
@pytest.mark.anyio
async def test_a_5xx_saying_exceeded_limit_is_an_internal_server_error_not_a_rate_limit(
    status: int, body: dict[str, Any]
) -> None:
    client, transport = mock_client(scripted(HTTPResponse.from_json(status, body)))
    async with client:
        with pytest.raises(InternalServerError) as raised:
            await client.customers.toggle("cus_1")
    assert not isinstance(raised.value, RateLimitError)
    assert raised.value.code == "EXCEEDED_LIMIT"
    assert raised.value.outcome_unknown is True
    assert len(transport.requests) == 1


@pytest.mark.anyio
async def test_a_429_or_a_2xx_envelope_saying_exceeded_limit_is_still_a_rate_limit() -> None:
    limited = HTTPResponse.from_json(200, LIMIT_BODIES[1])
    client, transport = mock_client(
        scripted(HTTPResponse.from_json(429, {}), limited, limited), max_retries=2
    )
    async with client:
        with pytest.raises(RateLimitError) as raised:
            await client.customers.toggle("cus_1")
    assert raised.value.outcome_unknown is False
    assert len(transport.requests) == 3  # nothing applied: retried as the policy allows


@pytest.mark.anyio
async def test_an_applied_toggle_answered_5xx_exceeded_limit_is_not_flipped_back(
    fake: FakeEFundPay,
) -> None:
    fake.fail_next(503, apply=True, code="EXCEEDED_LIMIT", operation=TOGGLE)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=NO_WAIT) as client:
        with pytest.raises(InternalServerError) as raised:
            await client.customers.toggle(CUS)
    assert raised.value.outcome_unknown is True
    assert fake.customer(CUS).toggle_count == 1
    assert len(fake.requests) == 1


def test_the_blocking_client_does_not_flip_an_applied_toggle_back() -> None:
    with FakeEFundPay() as fake, EFundPay(**fake.client_kwargs(), retry=NO_WAIT) as client:
        fake.fail_next(500, apply=True, code="EXCEEDED_LIMIT", operation=TOGGLE)
        with pytest.raises(InternalServerError):
            client.customers.toggle(CUS)
        assert fake.customer(CUS).toggle_count == 1
        assert len(fake.requests) == 1


def test_the_command_line_does_not_flip_an_applied_toggle_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeEFundPay() as fake:
        point_environment_at(fake, monkeypatch)
        fake.fail_next(502, apply=True, code="EXCEEDED_LIMIT", operation=TOGGLE)
        status = main(["customers", "toggle", CUS])
        printed = capsys.readouterr()
        assert status != ExitCode.OK
        assert status != ExitCode.RATE_LIMITED
        assert fake.customer(CUS).toggle_count == 1
        assert len(fake.requests) == 1
        assert "InternalServerError" in printed.out + printed.err


def _status_error(cls: type[efundpay.APIStatusError], status: int) -> efundpay.APIError:
    return cls("boom", status_code=status)


@pytest.mark.parametrize(
    "error",
    [
        # Errors that alone would be retried: the gate refuses them all once an earlier
        # attempt may have been applied.
        _status_error(RateLimitError, 429),
        efundpay.APIConnectionError("refused", request_sent=False),
        efundpay.APITimeoutError("connect timeout", request_sent=False),
    ],
    ids=["rate limit", "refused", "connect timeout"],
)
def test_the_gate_refuses_any_resend_of_a_toggle_that_may_have_been_applied(
    error: efundpay.APIError,
) -> None:
    policy = RetryPolicy()
    assert policy.may_retry(error, idempotent=False) is True
    assert policy.may_retry(error, idempotent=False, maybe_applied=True) is False
    assert policy.may_retry(error, idempotent=True, maybe_applied=True) is True


def test_the_gate_holds_even_for_a_rate_limit_error_that_came_with_a_5xx() -> None:
    # However an error is classified, its own status says whether it may have applied.
    misread = RateLimitError("limit", status_code=503)
    assert RetryPolicy().may_retry(misread, idempotent=False) is False


class _AlwaysFresh(efundpay.auth.Auth):
    """An Auth that always has new credentials: the pipeline alone must refuse a resend."""

    async def authenticate(self, request: efundpay.auth.AuthRequest) -> None:
        request.headers["Authorization"] = "Bearer fresh"

    async def on_rejection(
        self, request: efundpay.auth.AuthRequest, rejection: efundpay.auth.Rejection
    ) -> bool:
        return True


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 408])
@pytest.mark.parametrize("code", ["TOKEN_EXPIRED", "INVALID_TIMESTAMP"])
async def test_a_rejection_code_in_an_answer_that_may_have_been_applied_earns_no_resend(
    status: int, code: str
) -> None:
    sent: list[str] = []

    def handler(request: efundpay.HTTPRequest) -> efundpay.HTTPResponse:
        sent.append(request.url)
        return efundpay.HTTPResponse.from_json(status, {"code": code, "error": {"code": code}})

    async with efundpay.AsyncEFundPay(
        merchant_account_id="acct_1",
        v3_auth=_AlwaysFresh(),
        auth=_AlwaysFresh(),
        transport=efundpay.MockTransport(handler),
        retry=NO_WAIT,
    ) as client:
        with pytest.raises(efundpay.APIStatusError) as raised:
            await client.customers.toggle(CUS)
    assert len(sent) == 1  # the toggle may have been applied: never sent again
    assert raised.value.outcome_unknown is True
