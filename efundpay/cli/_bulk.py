"""``efundpay subscriptions ACTION --from-file ids.csv``: many status changes, safely.

- At most ``--concurrency`` calls are in flight (that many workers share one job list).
- Every id gets an idempotency key before its first attempt, written to the results in a
  ``pending`` row; the SDK's retries and any later ``--resume-from`` reuse it, so an id is
  changed at most once however often the run is repeated or interrupted.
- A 429 pauses the whole batch for its ``Retry-After`` (see :class:`RateGate`); an id still
  rate limited after the SDK's retries goes back for another round, up to
  :data:`RATE_LIMIT_ROUNDS` times.
- Authentication and permission errors stop the run (every other id would fail the same way),
  and so does a run of connection failures with no success in between.
"""

from __future__ import annotations

import argparse
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final, Literal

import anyio
import attrs

from .._client import AsyncEFundPay
from .._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitError,
)
from .._secret import Secret
from ._bulkfiles import Outcome, ResultRow, ResultsWriter, open_results, read_ids, read_results
from ._commands import STATUS_OF_ACTION, status_options
from ._connect import open_client
from ._exit import ExitCode, Failure, UsageError, describe_failure
from ._output import Output
from ._progress import Progress
from ._trace import RateGate, traced

__all__ = ["RATE_LIMIT_ROUNDS", "run_bulk"]

RATE_LIMIT_ROUNDS: Final = 3
_FATAL: Final = (AuthenticationError, PermissionDeniedError)
_ANNOUNCE_PAUSE: Final = 5.0  # seconds


@attrs.frozen
class _Job:
    id: str
    key: str


@attrs.define
class _Tally:
    counts: Counter[Outcome] = attrs.field(factory=Counter)
    skipped: int = 0
    jobs_done: int = 0
    connection_errors_in_a_row: int = 0

    @property
    def all_ok(self) -> bool:
        return self.counts.total() == self.counts[Outcome.OK]


@attrs.define
class _Run:
    """One bulk run in progress: its client, its output, and what has happened so far."""

    client: AsyncEFundPay
    status: Literal["paused", "active", "cancelled"]
    options: dict[str, Any]
    writer: ResultsWriter
    out: Output
    gate: RateGate
    progress: Progress
    tally: _Tally
    connection_error_limit: int
    fatal: Failure | None = None

    async def work(self, jobs: Iterator[_Job], scope: anyio.CancelScope) -> None:
        """Run jobs until none is left; ``jobs`` is shared by every worker.

        Taking the next job never awaits, so no two workers can take the same one.
        """
        for job in jobs:
            await self.run_job(job)
            self.tally.jobs_done += 1
            self.draw()
            if self.fatal is not None:
                scope.cancel()  # the calls other workers have in flight
                return

    def draw(self) -> None:
        """Redraw the progress bar with the current counts."""
        ok = self.tally.counts[Outcome.OK]
        self.progress.update(self.tally.jobs_done, ok, self.tally.jobs_done - ok)

    async def tick(self) -> None:
        """Keep the bar current while nothing finishes (e.g. during a rate-limit pause)."""
        while True:
            await anyio.sleep(0.5)
            self.draw()

    async def run_job(self, job: _Job) -> None:
        """Change one subscription, recording a pending row first and the outcome last."""
        self.writer.write(ResultRow(job.id, Outcome.PENDING, idempotency_key=job.key))
        for round_ in range(RATE_LIMIT_ROUNDS + 1):
            with traced() as trace:
                try:
                    subscription = await self.client.subscriptions.update_status(
                        job.id, status=self.status, idempotency_key=job.key, **self.options
                    )
                except RateLimitError as exc:
                    if round_ < RATE_LIMIT_ROUNDS:
                        self.announce_pause()
                        continue  # the gate holds every worker until the limit passes
                    error: Exception = exc
                except (APIError, ValueError, TypeError) as exc:
                    error = exc
                else:
                    self.tally.counts[Outcome.OK] += 1
                    self.tally.connection_errors_in_a_row = 0
                    self.writer.write(
                        ResultRow(job.id, Outcome.OK, status=str(subscription.status),
                                  request_id=trace.request_id or "", idempotency_key=job.key)
                    )  # fmt: skip
                    return
            self.record_failure(job, error, trace.request_id)
            return

    def announce_pause(self) -> None:
        """Say so on stderr when the batch waits long enough for someone to wonder why."""
        wait = self.gate.remaining()
        if wait >= _ANNOUNCE_PAUSE and not self.progress.enabled:
            self.out.note(f"efundpay: rate limited by eFundPay; the batch waits {wait:.0f}s")

    def record_failure(self, job: _Job, error: Exception, request_id: str | None) -> None:
        """Write a failed id's row; stop the run when the error dooms every other id too."""
        failure = describe_failure(error, self.out.secrets)
        if isinstance(error, APIError):
            outcome = Outcome.UNKNOWN if error.outcome_unknown else Outcome.FAILED
        else:
            outcome = Outcome.INVALID  # e.g. an unusable idempotency key in --resume-from
        self.tally.counts[outcome] += 1
        self.writer.write(
            ResultRow(
                job.id,
                outcome,
                error_type=failure.error_type,
                error_code=failure.code or "",
                message=failure.message,
                request_id=failure.request_id or request_id or "",
                idempotency_key=job.key,
            )
        )
        in_a_row = self.tally.connection_errors_in_a_row + 1
        self.tally.connection_errors_in_a_row = (
            in_a_row if isinstance(error, APIConnectionError) else 0
        )
        doomed = isinstance(error, _FATAL) or in_a_row >= self.connection_error_limit
        if doomed and self.fatal is None:
            self.fatal = failure


def _jobs(
    args: argparse.Namespace, out: Output, writer: ResultsWriter, tally: _Tally
) -> list[_Job]:
    inputs = read_ids(args.from_file)
    recorded = read_results(args.resume_from) if args.resume_from else {}
    for bad in inputs.bad:
        tally.counts[Outcome.INVALID] += 1
        out.note(f"{args.from_file} line {bad.line}: {bad.problem}; skipped")
        writer.write(
            ResultRow(bad.value, Outcome.INVALID, message=f"line {bad.line}: {bad.problem}")
        )
    jobs = []
    for row in inputs.ids:
        earlier = recorded.get(row.id)
        if earlier is not None and earlier.outcome == Outcome.OK:
            tally.skipped += 1
            continue
        key = earlier.idempotency_key if earlier is not None and earlier.idempotency_key else ""
        jobs.append(_Job(row.id, key or str(uuid.uuid4())))
    return jobs


def _summary(
    action: str, tally: _Tally, args: argparse.Namespace, out: Output, *, to_stdout: bool
) -> None:
    counts = {
        outcome.value: tally.counts[outcome] for outcome in Outcome if outcome != Outcome.PENDING
    }
    counts["skipped"] = tally.skipped
    if out.json_mode and to_stdout:
        out.emit_json({"action": action, **counts, "results": args.results})
        return
    text = f"{action}: " + ", ".join(f"{count} {name}" for name, count in counts.items())
    if tally.skipped:
        text += f" (already ok in {args.resume_from})"
    if args.results:
        text += f"; results in {args.results}"
    if tally.counts[Outcome.UNKNOWN]:
        text += (
            ".  'unknown' ids may have been changed; run again with --resume-from to finish "
            "them safely (their idempotency keys are reused)"
        )
    (out.line if to_stdout else out.note)(text)


async def run_bulk(
    args: argparse.Namespace, out: Output, key: Secret | None, action: str
) -> ExitCode:
    """Run ``action`` on every id of ``--from-file``; the exit code sums up the run."""
    if args.idempotency_key is not None:
        raise UsageError("--idempotency-key is for a single id; a bulk run makes one per id")
    options = status_options(args, action)
    tally = _Tally()
    gate = RateGate()
    client, _ = open_client(args, key, gate=gate, connections=args.concurrency)
    with open_results(args.results, args.resume_from) as writer:
        jobs = _jobs(args, out, writer, tally)
        run = _Run(
            client=client,
            status=STATUS_OF_ACTION[action],
            options=options,
            writer=writer,
            out=out,
            gate=gate,
            progress=Progress(out.stderr, len(jobs), waiting=gate.remaining),
            tally=tally,
            connection_error_limit=max(10, 2 * args.concurrency),
        )
        async with client, anyio.create_task_group() as tasks:
            if run.progress.enabled:
                tasks.start_soon(run.tick)
            async with anyio.create_task_group() as workers:
                shared = iter(jobs)
                for _ in range(min(args.concurrency, len(jobs))):
                    workers.start_soon(run.work, shared, workers.cancel_scope)
            tasks.cancel_scope.cancel()  # stops the ticker
        run.progress.finish()
    if run.fatal is not None:
        out.note("efundpay: stopped the run: every other id would fail the same way")
        out.failure(run.fatal)
        return run.fatal.exit_code
    _summary(action, tally, args, out, to_stdout=args.results is not None)
    return ExitCode.OK if tally.all_ok else ExitCode.SOME_FAILED
