"""Bulk runs that stop early or are resumed: a rate limit beyond the SDK's cap stops the run
and says which ids were never sent; a resume gives definitive failures a new key and refuses
the results of another command.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay.__main__ import main
from efundpay.cli import ExitCode
from efundpay.testing import FakeEFundPay
from tests.helpers import point_environment_at
from tests.test_cli_bulk import applied, last_rows, rows_of, subscriptions, write_ids

ONE_HOUR = 3600  # far beyond the SDK's cap on Retry-After (60 s)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEFundPay]:
    with FakeEFundPay(sample_data=False) as running:
        point_environment_at(running, monkeypatch)
        yield running


def run_within(argv: list[str], seconds: float) -> int:
    """``main(argv)``, failing the test (not hanging it) when it takes longer than ``seconds``."""
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"the run did not end within {seconds}s"
    return result[0]


def sent_ids(fake: FakeEFundPay) -> list[str]:
    return [r.path_params["subscription_id"] for r in fake.requests]


def test_a_retry_after_beyond_the_cap_stops_the_run_and_names_the_ids_never_sent(
    fake: FakeEFundPay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = subscriptions(fake, 5)
    fake.fail_next(429, retry_after=ONE_HOUR)
    source = write_ids(tmp_path / "ids.csv", ids)
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results),
            "--concurrency", "1", "--timeout", "2"]  # fmt: skip
    assert run_within(argv, 60) == ExitCode.RATE_LIMITED
    assert sent_ids(fake) == ids[:1]  # nothing after the 429
    final = last_rows(results)
    assert final[ids[0]]["outcome"] == "failed"
    assert final[ids[0]]["error_type"] == "RateLimitError"
    assert [final[sub_id]["outcome"] for sub_id in ids[1:]] == ["not_sent"] * 4
    err = capsys.readouterr().err
    assert "stopped the run" in err
    assert "4 not_sent" in err

    # Once the limit has passed, a resume sends exactly the ids not done.
    fake.clear_requests()
    assert main([*argv, "--resume-from", str(results)]) == ExitCode.OK
    assert sorted(sent_ids(fake)) == ids
    assert all(applied(fake, sub_id) == 1 for sub_id in ids)


def test_with_many_workers_no_id_stopped_by_the_rate_limit_is_called_unknown(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    ids = subscriptions(fake, 12)
    fake.fail_next(429, retry_after=ONE_HOUR)
    source = write_ids(tmp_path / "ids.csv", ids)
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "cancel", "--from-file", str(source), "--results", str(results),
            "--concurrency", "4", "--timeout", "2"]  # fmt: skip
    assert run_within(argv, 60) == ExitCode.RATE_LIMITED
    final = last_rows(results)
    assert set(final) == set(ids)
    sent = set(sent_ids(fake))
    for sub_id, row in final.items():
        # Each id is done, refused, never sent, or (sent when the run stopped) still pending.
        assert row["outcome"] in {"ok", "failed", "not_sent", "pending"}, row
        if row["outcome"] == "not_sent":
            assert sub_id not in sent
    assert sum(row["outcome"] == "not_sent" for row in final.values()) >= 12 - 4


def test_a_hold_is_waited_out_before_the_call_and_outside_the_attempt_timeout(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    # A hold longer than the attempt timeout (1 s) but within the cap: every id still ends ok,
    # none as a timeout whose outcome looks unknown.
    ids = subscriptions(fake, 3)
    fake.fail_next(429, retry_after=1.5)
    source = write_ids(tmp_path / "ids.csv", ids)
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results),
            "--concurrency", "3", "--timeout", "1", "--max-retries", "0"]  # fmt: skip
    assert run_within(argv, 60) == ExitCode.OK
    assert {row["outcome"] for row in last_rows(results).values()} == {"ok"}
    assert [r.status for r in fake.requests].count(429) == 1


def test_resume_gives_a_definitive_failure_a_new_key(fake: FakeEFundPay, tmp_path: Path) -> None:
    source = write_ids(tmp_path / "ids.csv", ["sub_late"])
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "cancel", "--from-file", str(source), "--results", str(results)]
    assert main(argv) == ExitCode.SOME_FAILED  # 404: it does not exist yet
    first_key = last_rows(results)["sub_late"]["idempotency_key"]

    fake.add_subscription("sub_late")
    fake.clear_requests()
    assert main([*argv, "--resume-from", str(results)]) == ExitCode.OK
    (request,) = fake.requests
    assert request.headers["idempotency-key"] != first_key
    assert last_rows(results)["sub_late"]["outcome"] == "ok"


@pytest.mark.parametrize(
    "second",
    [
        ["subscriptions", "cancel"],  # another operation
        ["subscriptions", "pause", "--pause-behavior", "keep_as_draft"],  # other options
        ["subscriptions", "pause", "--pause-behavior", "void", "--reason", "other"],
    ],
)
def test_resume_refuses_the_results_of_another_command(
    fake: FakeEFundPay, tmp_path: Path, capsys: pytest.CaptureFixture[str], second: list[str]
) -> None:
    ids = subscriptions(fake, 2)
    source = write_ids(tmp_path / "ids.csv", ids)
    results = tmp_path / "results.csv"
    first = ["subscriptions", "pause", "--pause-behavior", "void"]
    assert main([*first, "--from-file", str(source), "--results", str(results)]) == ExitCode.OK
    before = results.read_text()
    fake.clear_requests()
    capsys.readouterr()

    argv = [*second, "--from-file", str(source), "--resume-from", str(results),
            "--results", str(results)]  # fmt: skip
    assert main(argv) == ExitCode.USAGE
    assert fake.requests == []
    assert results.read_text() == before
    err = capsys.readouterr().err
    assert "'subscriptions pause'" in err
    assert '"pause_behavior": "void"' in err


def test_every_results_row_names_the_operation_and_its_options(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    ids = subscriptions(fake, 1)
    results = tmp_path / "results.csv"
    source = write_ids(tmp_path / "ids.csv", ids)
    argv = ["subscriptions", "cancel", "--at-period-end", "--from-file", str(source),
            "--results", str(results)]  # fmt: skip
    assert main(argv) == ExitCode.OK
    rows = rows_of(results)
    assert {(row["operation"], row["options"]) for row in rows} == {
        ("cancel", '{"at_period_end": true}')
    }


def test_a_results_file_without_the_run_columns_is_refused(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    (sub_id,) = subscriptions(fake, 1)
    results = tmp_path / "results.csv"
    results.write_text(
        "id,outcome,status,error_type,error_code,message,request_id,idempotency_key\n"
        f"{sub_id},ok,paused,,,,,k1\n"
    )
    source = write_ids(tmp_path / "ids.csv", [sub_id])
    argv = ["subscriptions", "cancel", "--from-file", str(source), "--resume-from", str(results)]
    assert main(argv) == ExitCode.USAGE
    assert fake.requests == []
