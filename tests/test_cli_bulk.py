"""Bulk status changes from a CSV: concurrency, faults, exactly-once, results and resume."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from efundpay import (
    APIStatusError,
    AsyncEFundPay,
    HTTPRequest,
    HTTPResponse,
    MockTransport,
    RateLimitError,
    RetryEvent,
    RetryPolicy,
)
from efundpay.__main__ import main
from efundpay.cli import ExitCode
from efundpay.cli._bulk import RATE_LIMIT_ROUNDS
from efundpay.cli._bulkfiles import read_ids
from efundpay.cli._progress import Progress
from efundpay.cli._trace import DEFAULT_RATE_LIMIT_PAUSE, RateGate
from efundpay.testing import FakeEFundPay
from tests.helpers import point_environment_at


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEFundPay]:
    with FakeEFundPay(sample_data=False) as running:
        point_environment_at(running, monkeypatch)
        yield running


def subscriptions(fake: FakeEFundPay, count: int, status: str = "active") -> list[str]:
    return [fake.add_subscription(f"sub_bulk_{i:03d}", status=status) for i in range(count)]


def write_ids(path: Path, ids: list[str], header: str | None = None) -> Path:
    lines = ([header] if header else []) + ids
    path.write_text("\n".join(lines) + "\n")
    return path


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def last_rows(path: Path) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in rows_of(path)}


def applied(fake: FakeEFundPay, sub_id: str) -> int:
    return len(fake.subscription(sub_id).history)


def test_every_id_is_changed_exactly_once_through_429_503_and_dropped_connections(
    fake: FakeEFundPay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = subscriptions(fake, 24)
    fake.fail_next(429, retry_after=0.1, times=2)
    fake.fail_next(503, apply=True, retry_after=0)  # applied, answer lost
    fake.drop_next(after_apply=True)  # applied, connection lost
    fake.drop_next(after_apply=False)
    fake.fail_next(503, apply=False, retry_after=0)
    source = write_ids(tmp_path / "ids.csv", ids)
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "pause", "--from-file", str(source), "--concurrency", "6",
            "--results", str(results), "--pause-behavior", "void"]  # fmt: skip
    assert main(argv) == ExitCode.OK
    assert fake.pending_faults == 0
    assert all(applied(fake, sub_id) == 1 for sub_id in ids)
    assert all(fake.subscription(sub_id).status == "paused" for sub_id in ids)
    final = last_rows(results)
    assert set(final) == set(ids)
    assert {row["outcome"] for row in final.values()} == {"ok"}
    assert {row["status"] for row in final.values()} == {"paused"}
    # Each id carried one key on every attempt, the key its results row records.
    for sub_id, row in final.items():
        keys = {r.headers["idempotency-key"] for r in fake.requests
                if r.path_params.get("subscription_id") == sub_id}  # fmt: skip
        assert keys == {row["idempotency_key"]}
        assert row["request_id"].startswith("req_")
    assert "24 ok, 0 failed" in capsys.readouterr().out


def test_a_pending_row_is_written_before_each_call(fake: FakeEFundPay, tmp_path: Path) -> None:
    (sub_id,) = subscriptions(fake, 1)
    results = tmp_path / "results.csv"
    source = write_ids(tmp_path / "ids.csv", [sub_id])
    assert main(["subscriptions", "cancel", "--from-file", str(source), "--results",
                 str(results)]) == 0  # fmt: skip
    pending, done = rows_of(results)
    assert (pending["outcome"], done["outcome"]) == ("pending", "ok")
    assert pending["idempotency_key"] == done["idempotency_key"] != ""


def test_failures_are_recorded_and_the_run_goes_on(
    fake: FakeEFundPay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = subscriptions(fake, 3)
    source = write_ids(tmp_path / "ids.csv", [ids[0], "sub_missing", ids[1], "", ids[2], ids[0]])
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "cancel", "--from-file", str(source), "--results", str(results)]
    assert main(argv) == ExitCode.SOME_FAILED
    final = last_rows(results)
    assert final["sub_missing"]["outcome"] == "failed"
    assert final["sub_missing"]["error_type"] == "NotFoundError"
    assert final["sub_missing"]["error_code"] == "not_found"
    assert all(final[sub_id]["outcome"] == "ok" for sub_id in ids)
    assert all(applied(fake, sub_id) == 1 for sub_id in ids)  # the duplicate ran once
    captured = capsys.readouterr()
    assert "line 6: duplicate of line 1; skipped" in captured.err
    assert "3 ok, 1 failed, 0 unknown, 1 invalid" in captured.out


def test_resume_skips_done_ids_reuses_the_key_of_unknown_ones_and_renews_failed_ones(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    ids = subscriptions(fake, 4)
    source = write_ids(tmp_path / "ids.csv", ids, header="subscription_id,note")
    results = tmp_path / "results.csv"
    # First run: one change is applied but its answer lost (unknown), one is refused (failed).
    fake.fail_next(503, apply=True, retry_after=0)
    fake.fail_next(400, code="try_again")
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results),
            "--concurrency", "1", "--max-retries", "0"]  # fmt: skip
    assert main(argv) == ExitCode.SOME_FAILED
    first = last_rows(results)
    assert [first[sub_id]["outcome"] for sub_id in ids] == ["unknown", "failed", "ok", "ok"]
    fake.clear_requests()

    assert main([*argv, "--resume-from", str(results)]) == ExitCode.OK
    touched = [r.path_params["subscription_id"] for r in fake.requests]
    assert sorted(touched) == ids[:2]  # the ok ids were not touched
    sent_keys = {r.path_params["subscription_id"]: r.headers["idempotency-key"]
                 for r in fake.requests}  # fmt: skip
    assert sent_keys[ids[0]] == first[ids[0]]["idempotency_key"]  # may have applied: same key
    assert sent_keys[ids[1]] != first[ids[1]]["idempotency_key"]  # refused for sure: a new one
    assert all(applied(fake, sub_id) == 1 for sub_id in ids)
    assert {row["outcome"] for row in last_rows(results).values()} == {"ok"}


def test_a_call_in_flight_at_a_crash_is_finished_with_its_pending_key(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    (sub_id,) = subscriptions(fake, 1)

    async def applied_before_the_crash() -> None:
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.subscriptions.cancel(sub_id, idempotency_key="key-from-crashed-run")

    anyio.run(applied_before_the_crash)
    results = tmp_path / "results.csv"
    results.write_text(
        "id,outcome,status,error_type,error_code,message,request_id,idempotency_key,"
        "operation,options\n"
        f"{sub_id},pending,,,,,,key-from-crashed-run,cancel,{{}}\n"
    )
    source = write_ids(tmp_path / "ids.csv", [sub_id])
    argv = ["subscriptions", "cancel", "--from-file", str(source), "--results", str(results),
            "--resume-from", str(results)]  # fmt: skip
    assert main(argv) == ExitCode.OK
    assert applied(fake, sub_id) == 1  # replayed, not applied again
    assert last_rows(results)[sub_id]["outcome"] == "ok"


def test_an_existing_results_file_is_never_overwritten(fake: FakeEFundPay, tmp_path: Path) -> None:
    (sub_id,) = subscriptions(fake, 1)
    results = tmp_path / "results.csv"
    results.write_text("keep me\n")
    source = write_ids(tmp_path / "ids.csv", [sub_id])
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results)]
    assert main(argv) == ExitCode.USAGE
    assert results.read_text() == "keep me\n"
    assert fake.requests == []


def test_without_results_the_csv_goes_to_stdout_and_the_summary_to_stderr(
    fake: FakeEFundPay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = subscriptions(fake, 2)
    source = write_ids(tmp_path / "ids.csv", ids)
    assert main(["subscriptions", "pause", "--from-file", str(source)]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert [row["outcome"] for row in rows].count("ok") == 2
    assert "2 ok" in captured.err
    assert "\r" not in captured.err  # stderr is no terminal: no progress bar


def test_an_authentication_failure_stops_the_run(
    fake: FakeEFundPay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = subscriptions(fake, 10)
    monkeypatch.setenv("EFUNDPAY_API_KEY", "sk_test_revoked")
    source = write_ids(tmp_path / "ids.csv", ids)
    argv = ["subscriptions", "pause", "--from-file", str(source), "--concurrency", "1",
            "--results", str(tmp_path / "r.csv")]  # fmt: skip
    assert main(argv) == ExitCode.AUTH
    assert len(fake.requests) == 1


def test_json_summary(
    fake: FakeEFundPay, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = subscriptions(fake, 2)
    source = write_ids(tmp_path / "ids.csv", ids)
    results = tmp_path / "r.csv"
    argv = ["--json", "subscriptions", "pause", "--from-file", str(source), "--results",
            str(results)]  # fmt: skip
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"action": "pause", "ok": 2, "failed": 0, "unknown": 0, "invalid": 0,
                       "not_sent": 0, "skipped": 0, "results": str(results)}  # fmt: skip


@pytest.mark.parametrize("bad", [["--idempotency-key", "k"], ["--reason", "x" * 256]])
def test_bulk_usage_errors_stop_before_the_first_call(
    fake: FakeEFundPay, tmp_path: Path, bad: list[str]
) -> None:
    source = write_ids(tmp_path / "ids.csv", subscriptions(fake, 2))
    results = tmp_path / "r.csv"
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results), *bad]
    assert main(argv) == ExitCode.USAGE
    assert fake.requests == []
    assert not results.exists()


# -- the pieces --------------------------------------------------------------------------------


def test_input_files_with_a_header_column_or_one_id_per_line(tmp_path: Path) -> None:
    with_header = tmp_path / "a.csv"
    with_header.write_text("\ufeffname,ID\nx,sub_1\n# comment\n\ny,\nz,sub_2\n")
    inputs = read_ids(str(with_header))
    assert [row.id for row in inputs.ids] == ["sub_1", "sub_2"]
    assert [(bad.line, bad.problem) for bad in inputs.bad] == [(5, "id must not be empty")]
    plain = tmp_path / "b.csv"
    plain.write_text(" sub_1 \nsub_2,extra\nsub_1\n")
    inputs = read_ids(str(plain))
    assert [row.id for row in inputs.ids] == ["sub_1"]
    assert [bad.line for bad in inputs.bad] == [2, 3]


def test_progress_draws_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = Progress(stream, 4, waiting=lambda: 2.5, columns=lambda: 120)
        bar.update(4, {"ok": 3, "failed": 1})
        bar.finish()
    assert pipe.getvalue() == ""
    assert "[" + "#" * 30 + "] 4/4 ok 3 failed 1" in terminal.getvalue()
    assert "rate limited: waiting 2.5s" in terminal.getvalue()


@pytest.mark.anyio
async def test_a_429_the_sdk_waits_out_holds_the_whole_batch_by_its_retry_after(
    fake: FakeEFundPay,
) -> None:
    gate = RateGate(clock=lambda: 100.0)  # a frozen clock: the hold is exactly what was asked
    fake.add_subscription("sub_1")
    fake.fail_next(429, retry_after=0.01)
    policy = RetryPolicy(on_retry=gate.on_retry)
    async with AsyncEFundPay(**fake.client_kwargs(), retry=policy) as client:
        response = await client.subscriptions.with_raw_response.pause("sub_1")
    assert response.attempts == 2  # the SDK waited the 429 out itself...
    assert gate.hits == 1
    assert gate.remaining() == pytest.approx(0.01)  # ...and every other worker waits it too


def test_only_a_rate_limit_holds_the_gate() -> None:
    gate = RateGate(clock=lambda: 0.0)
    refused = APIStatusError("unavailable", status_code=503)
    gate.on_retry(RetryEvent("subscriptions.pause", 1, refused, 0.5, "key"))
    assert gate.remaining() == 0
    limited = RateLimitError("slow down", status_code=429, retry_after=None)
    gate.on_retry(RetryEvent("subscriptions.pause", 1, limited, 1.0, "key"))
    assert gate.remaining() == DEFAULT_RATE_LIMIT_PAUSE  # no Retry-After: the default pause


def test_no_more_than_concurrency_calls_are_in_flight(
    fake: FakeEFundPay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_flight = peak = started = 0
    all_three_in = anyio.Event()

    async def answer(request: HTTPRequest) -> HTTPResponse:
        nonlocal in_flight, peak, started
        in_flight += 1
        started += 1
        peak = max(peak, in_flight)
        if in_flight == 3:
            all_three_in.set()
        if started <= 3:  # the first three calls wait for each other: however slow the
            with anyio.fail_after(10):  # machine, the run must reach 3 in flight
                await all_three_in.wait()
        await anyio.lowlevel.checkpoint()  # let any worker over the limit start its call now
        in_flight -= 1
        sub_id = request.url.rsplit("/", 2)[1]
        return HTTPResponse.from_json(200, {"id": sub_id, "status": "paused"})

    monkeypatch.setattr("efundpay.cli._connect.AiohttpTransport", lambda **_: MockTransport(answer))
    source = write_ids(tmp_path / "ids.csv", [f"sub_{i}" for i in range(12)])
    argv = ["subscriptions", "pause", "--from-file", str(source), "--concurrency", "3",
            "--results", str(tmp_path / "r.csv")]  # fmt: skip
    assert main(argv) == ExitCode.OK
    assert peak == 3


def test_an_id_still_rate_limited_after_the_sdk_retries_gets_another_round(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    (sub_id,) = subscriptions(fake, 1)
    fake.fail_next(429, retry_after=0, times=RATE_LIMIT_ROUNDS)
    source = write_ids(tmp_path / "ids.csv", [sub_id])
    argv = ["subscriptions", "pause", "--from-file", str(source), "--max-retries", "0",
            "--results", str(tmp_path / "r.csv")]  # fmt: skip
    assert main(argv) == ExitCode.OK
    assert [r.status for r in fake.requests] == [429] * RATE_LIMIT_ROUNDS + [200]
    assert len({r.headers["idempotency-key"] for r in fake.requests}) == 1
    assert applied(fake, sub_id) == 1


def test_the_results_file_never_holds_the_api_key_or_a_card_number(
    fake: FakeEFundPay, tmp_path: Path
) -> None:
    (sub_id,) = subscriptions(fake, 1)
    fake.fail_next(400, message=f"rejected {fake.api_key} for card 4111111111111111")
    source = write_ids(tmp_path / "ids.csv", [sub_id])
    results = tmp_path / "r.csv"
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results)]
    assert main(argv) == ExitCode.SOME_FAILED
    text = results.read_text()
    assert "rejected" in text
    assert fake.api_key not in text
    assert "4111111111111111" not in text
