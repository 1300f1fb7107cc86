"""The single-object commands, run in-process through ``main(argv)`` against a threaded fake."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay.__main__ import main
from efundpay.testing import FakeEFundPay
from tests.helpers import point_environment_at

SUB = "sub_1234567890abcdef"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEFundPay]:
    """A threaded fake, with the environment pointing the command line at it."""
    with FakeEFundPay() as running:
        point_environment_at(running, monkeypatch)
        yield running


def json_out(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)
    return document


def test_toggle_prints_the_new_state_and_request_id(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["customers", "toggle", "cus_123"]) == 0
    out = capsys.readouterr().out
    assert "inactive" in out
    (request,) = fake.requests
    assert request.request_id in out
    assert fake.customer("cus_123").toggle_count == 1


def test_toggle_json_masks_the_client_key(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "customers", "toggle", "cus_123"]) == 0
    document = json_out(capsys)
    customer = document["customer"]
    assert isinstance(customer, dict)
    assert customer["isActive"] is False
    assert customer["clientKey"] == "[REDACTED]"
    assert document["request_id"] == fake.requests[0].request_id
    assert document["idempotency_key"] is None


def test_pause_sends_every_pause_option_as_given(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "subscriptions", "pause", SUB,
        "--pause-behavior", "void",
        "--resume-at", "2025-03-01T09:00:00+09:00",
        "--reason", "Customer requested temporary pause",
        "--metadata", "source=cli",
        "--metadata", '{"ticket": 42}',
        "--idempotency-key", "key-pause-1",
    ]  # fmt: skip
    assert main(argv) == 0
    (request,) = fake.requests
    assert request.json == {
        "status": "paused",
        "pause_behavior": "void",
        "resume_at": "2025-03-01T00:00:00Z",
        "reason": "Customer requested temporary pause",
        "metadata": {"source": "cli", "ticket": 42},
    }
    assert request.headers["idempotency-key"] == "key-pause-1"
    out = capsys.readouterr().out
    assert "paused" in out
    assert "key-pause-1" in out


def test_resume_sends_its_options_and_leaves_out_the_rest(fake: FakeEFundPay) -> None:
    fake.add_subscription("sub_paused", status="paused")
    argv = ["subscriptions", "resume", "sub_paused", "--billing-cycle-anchor", "now",
            "--proration-behavior", "none"]  # fmt: skip
    assert main(argv) == 0
    (request,) = fake.requests
    assert request.json == {
        "status": "active",
        "billing_cycle_anchor": "now",
        "proration_behavior": "none",
    }


@pytest.mark.parametrize(
    ("flags", "sent"),
    [
        (["--at-period-end", "--prorate"], {"at_period_end": True, "prorate": True}),
        (["--no-at-period-end", "--no-prorate"], {"at_period_end": False, "prorate": False}),
        ([], {}),
    ],
)
def test_cancel_boolean_flags_send_true_false_or_nothing(
    fake: FakeEFundPay, flags: list[str], sent: dict[str, bool]
) -> None:
    argv = ["subscriptions", "cancel", SUB, "--cancellation-reason", "downgrade", *flags]
    assert main(argv) == 0
    (request,) = fake.requests
    assert request.json == {"status": "cancelled", "cancellation_reason": "downgrade", **sent}


def test_subscription_json_masks_card_data_and_keeps_the_rest(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscriptions", "cancel", SUB, "--json"]) == 0
    raw = capsys.readouterr().out
    assert "4111111111111111" not in raw
    document = json.loads(raw)
    card = document["subscription"]["payment_method"]["card"]
    assert card["number"] == "[REDACTED]"
    assert card["security_code"] == "[REDACTED]"
    assert document["subscription"]["status"] == "cancelled"
    assert document["idempotency_key"] == fake.requests[0].headers["idempotency-key"]


def test_global_options_reach_the_client(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("EFUNDPAY_BASE_URL")
    monkeypatch.delenv("EFUNDPAY_API_KEY")
    monkeypatch.delenv("EFUNDPAY_MERCHANT_ACCOUNT_ID")
    key_file = tmp_path / "key"
    key_file.write_text(fake.api_key + "\n")
    argv = ["customers", "toggle", "cus_123", "--base-url", fake.url,
            "--merchant-account-id", fake.merchant_account_id, "--api-key-file", str(key_file),
            "--timeout", "5", "--max-retries", "0", "--environment", "sandbox"]  # fmt: skip
    assert main(argv) == 0
    assert fake.customer("cus_123").is_active is False


def test_resume_at_without_an_offset_is_a_usage_error(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscriptions", "pause", SUB, "--resume-at", "2025-03-01T00:00:00"]) == 2
    assert "no UTC offset" in capsys.readouterr().err
    assert fake.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["subscriptions", "pause"],  # neither ID nor --from-file
        ["subscriptions", "pause", SUB, "--results", "out.csv"],
        ["subscriptions", "pause", SUB, "--reason", ""],  # the SDK's check: 1-255 chars
        ["subscriptions", "pause", SUB, "--metadata", "novalue"],
        ["subscriptions", "pause", SUB, "--pause-behavior", "forever"],
        ["subscriptions", "pause", SUB, "--idempotency-key", "has spaces"],
    ],
)
def test_bad_arguments_exit_2_and_send_nothing(fake: FakeEFundPay, argv: list[str]) -> None:
    assert main(argv) == 2
    assert fake.requests == []


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscriptions", "cancel", "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--at-period-end", "--cancellation-reason", "--prorate", "--from-file",
                 "--resume-from", "exit codes:"):  # fmt: skip
        assert flag in text
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("efundpay ")


def test_demo_runs_the_tour_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    document = json_out(capsys)
    steps = document["steps"]
    assert isinstance(steps, list)
    assert [step["operation"] for step in steps] == [
        "customers.toggle",
        "customers.toggle",
        "subscriptions.pause",
        "subscriptions.resume",
        "subscriptions.cancel",
    ]
    assert [step["result"] for step in steps][:2] == ["token inactive", "token active"]
    assert steps[3]["attempts"] == 2  # the injected 503, retried with the same key
    assert document["subscription_changes_applied"] == [
        "active->paused",
        "paused->active",
        "active->cancelled",
    ]


def test_fake_server_on_a_busy_port_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["fake-server", "--port", str(port)]) == 3
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_ctrl_c_exits_130_and_says_how_to_resume(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("efundpay.cli._app._dispatch", interrupted)
    argv = ["subscriptions", "pause", "--from-file", "ids.csv", "--results", "out.csv"]
    assert main(argv) == 130
    assert "--resume-from out.csv --results out.csv" in capsys.readouterr().err


def test_a_retried_change_reports_the_attempts_key_and_last_request_id_of_the_sdk(
    fake: FakeEFundPay, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail_next(503, apply=True, retry_after=0, operation="subscriptions.status")
    assert main(["--json", "subscriptions", "pause", SUB]) == 0
    document = json_out(capsys)
    first, second = fake.requests
    assert document["attempts"] == 2
    assert document["request_id"] == second.request_id != first.request_id
    key = document["idempotency_key"]
    assert key and key == first.headers["idempotency-key"] == second.headers["idempotency-key"]
