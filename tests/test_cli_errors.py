"""Every error class has its exit code and a clear message; no secret is ever printed."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator

import pytest

from efundpay import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from efundpay.__main__ import main
from efundpay.cli import ExitCode
from efundpay.cli._exit import EXIT_CODES_HELP, describe_failure, exit_code_for
from efundpay.testing import FakeEFundPay
from tests.helpers import point_environment_at

SECRET = "sk_test_cli_secret_0123456789"
SUB = "sub_1234567890abcdef"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEFundPay]:
    """A threaded fake accepting ``SECRET``, with the environment pointing at it."""
    with FakeEFundPay(api_key=SECRET) as running:
        point_environment_at(running, monkeypatch)
        yield running


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    """Exit status and everything printed; asserts the API key is nowhere in it."""
    status = main(argv)
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert SECRET not in printed
    assert "cli_secret" not in printed
    return status, printed


Setup = Callable[[FakeEFundPay], object]


def _nothing(fake: FakeEFundPay) -> None:
    pass


def _cancelled(fake: FakeEFundPay) -> None:
    fake.add_subscription("sub_done", status="cancelled")


CASES: list[tuple[str, Setup, list[str], ExitCode, str]] = [
    ("404", _nothing, ["subscriptions", "cancel", "sub_nope"], ExitCode.REJECTED, "NotFoundError"),
    ("409", lambda f: f.add_subscription("sub_p", status="paused"),
     ["subscriptions", "pause", "sub_p"], ExitCode.REJECTED, "ConflictError"),
    ("422", _cancelled, ["subscriptions", "resume", "sub_done"], ExitCode.REJECTED,
     "UnprocessableEntityError"),
    ("400", lambda f: f.add_customer("cus_nocard", card_bound=False),
     ["customers", "toggle", "cus_nocard"], ExitCode.REJECTED, "BadRequestError"),
    ("403", _nothing, ["subscriptions", "pause", SUB, "--merchant-account-id", "acct_other"],
     ExitCode.AUTH, "PermissionDeniedError"),
    ("429", lambda f: f.fail_next(429, retry_after=0),
     ["customers", "toggle", "cus_123", "--max-retries", "0"], ExitCode.RATE_LIMITED,
     "RateLimitError"),
    ("503", lambda f: f.fail_next(503, retry_after=0),
     ["subscriptions", "pause", SUB, "--max-retries", "0"], ExitCode.SERVER,
     "InternalServerError"),
    ("timeout", lambda f: f.delay_next(2.0, apply=False),
     ["subscriptions", "pause", SUB, "--max-retries", "0", "--timeout", "0.2"],
     ExitCode.CONNECTION, "APITimeoutError"),
    ("malformed", lambda f: f.malformed_next("wrong_types", operation="subscriptions.status"),
     ["subscriptions", "pause", SUB], ExitCode.BAD_RESPONSE, "APIResponseValidationError"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "argv", "code", "error_type"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_error_class_has_its_exit_code(
    fake: FakeEFundPay,
    capsys: pytest.CaptureFixture[str],
    setup: Setup,
    argv: list[str],
    code: ExitCode,
    error_type: str,
) -> None:
    setup(fake)
    status, printed = run(capsys, argv)
    assert status == code
    assert f"efundpay: error: {error_type}:" in printed


def test_wrong_api_key_exits_4_without_printing_it(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk_test_wrong_key_987654321"
    monkeypatch.setenv("EFUNDPAY_API_KEY", wrong)
    status, printed = run(capsys, ["customers", "toggle", "cus_123"])
    assert status == ExitCode.AUTH
    assert "AuthenticationError" in printed
    assert wrong not in printed


def test_an_echoed_key_or_card_number_is_removed_from_the_message(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(400, message=f"bad request from {SECRET} card 4111111111111111")
    status, printed = run(capsys, ["--json", "subscriptions", "pause", SUB])
    assert status == ExitCode.REJECTED
    assert "4111111111111111" not in printed
    assert json.loads(printed)["error"]["error_type"] == "BadRequestError"


def test_an_applied_503_says_outcome_unknown_and_gives_the_key_to_repeat_with(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(503, apply=True, retry_after=0)
    status, printed = run(capsys, ["--json", "subscriptions", "pause", SUB, "--max-retries", "0"])
    assert status == ExitCode.SERVER
    error = json.loads(printed)["error"]
    assert error["outcome_unknown"] is True
    key = fake.requests[0].headers["idempotency-key"]
    assert error["idempotency_key"] == key
    assert f"--idempotency-key {key}" in error["hint"]
    # Following the hint finishes the job without applying it twice.
    status, _ = run(capsys, ["subscriptions", "pause", SUB, "--idempotency-key", key])
    assert status == ExitCode.OK
    assert len(fake.subscription(SUB).history) == 1


def test_a_dropped_toggle_exits_7_and_warns_against_toggling_again(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.drop_next(after_apply=True)
    status, printed = run(capsys, ["customers", "toggle", "cus_123"])
    assert status == ExitCode.CONNECTION
    assert "outcome is unknown" in printed
    assert "Check the customer's state before toggling again" in printed
    assert fake.customer("cus_123").toggle_count == 1  # not retried: it was applied


def test_connection_refused_exits_7(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free once closed: nothing listens there
    monkeypatch.setenv("EFUNDPAY_BASE_URL", f"http://127.0.0.1:{port}")
    status, printed = run(capsys, ["customers", "toggle", "cus_123", "--max-retries", "0"])
    assert status == ExitCode.CONNECTION
    assert "APIConnectionError" in printed


@pytest.mark.parametrize(
    ("unset", "extra", "message"),
    [
        ("EFUNDPAY_API_KEY", [], "EFUNDPAY_API_KEY or --api-key-file"),
        ("EFUNDPAY_MERCHANT_ACCOUNT_ID", ["--v4"], "no merchant account id"),
        (None, ["--base-url", "ftp://example.com"], "absolute http(s) URL"),
        (None, ["--api-key-file", "/nonexistent/key"], "cannot read --api-key-file"),
    ],
)
def test_configuration_problems_exit_3_before_any_request(
    fake: FakeEFundPay,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    unset: str | None,
    extra: list[str],
    message: str,
) -> None:
    if unset:
        monkeypatch.delenv(unset)
    command = ["customers", "toggle", "cus_123"]
    if extra == ["--v4"]:  # the merchant account matters to subscription commands only
        command, extra = ["subscriptions", "pause", "sub_1"], []
    status, printed = run(capsys, [*command, *extra])
    assert status == ExitCode.CONFIGURATION
    assert message in printed
    assert fake.requests == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigurationError("x"), ExitCode.CONFIGURATION),
        (AuthenticationError("x", status_code=401), ExitCode.AUTH),
        (NotFoundError("x", status_code=404), ExitCode.REJECTED),
        (APIStatusError("x", status_code=418), ExitCode.REJECTED),
        (RateLimitError("x", status_code=200, code="EXCEEDED_LIMIT"), ExitCode.RATE_LIMITED),
        (InternalServerError("x", status_code=502), ExitCode.SERVER),
        (APIConnectionError("x"), ExitCode.CONNECTION),
        (APIResponseValidationError("x"), ExitCode.BAD_RESPONSE),
        (ValueError("x"), ExitCode.USAGE),
        (TypeError("x"), ExitCode.USAGE),
    ],
)
def test_exit_code_table(error: Exception, code: ExitCode) -> None:
    assert exit_code_for(error) == code
    assert f"  {int(code):<4} " in EXIT_CODES_HELP


def test_a_failure_message_never_holds_the_secrets_it_is_given() -> None:
    failure = describe_failure(ValueError(f"oops {SECRET}"), (SECRET,))
    assert SECRET not in failure.message
    assert failure.error_type == "UsageError"
