"""``efundpay subscriptions ACTION --from-file ids.csv``: many status changes, safely.

- At most ``--concurrency`` calls are in flight (that many workers share one job list).
- Every id gets an idempotency key before its first attempt, written to the results in a
  ``pending`` row; the SDK's retries and any later ``--resume-from`` reuse it, so an id is
  changed at most once however often the run is repeated or interrupted.  An id that failed
  for certain gets a new key on resume (see :attr:`Outcome.keeps_its_key`).
- A 429 pauses the whole batch for its ``Retry-After`` (see :class:`RateGate`); an id still
  rate limited after the SDK's retries goes back for another round, up to
  :data:`RATE_LIMIT_ROUNDS` times.  A ``Retry-After`` beyond the SDK's cap
  (``RetryPolicy.max_retry_after``) stops the run as rate limited: the ids not yet sent are
  recorded ``not_sent``, to be finished later with ``--resume-from``.
- Authentication and permission errors stop the run (every other id would fail the same way),
  and so does a run of connection failures with no success in between.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from typing import Any, Final, Literal

import anyio
import attrs

from .. import (
    APIConnectionError,
    APIError,
    AsyncEFundPay,
    AuthenticationError,
    ConfigurationError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    new_idempotency_key,
)
from ..settings import Secret
from ._bulkfiles import (
    Outcome,
    Recorded,
    ResultRow,
    ResultsWriter,
    RunKind,
    open_results,
    read_ids,
    read_results,
)
from ._commands import STATUS_OF_ACTION, status_options
from ._connect import open_client
from ._exit import ExitCode, Failure, UsageError, describe_failure
from ._output import Output
from ._progress import Progress
from ._trace import RateGate

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
    retry_after_cap: float
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

    def draw(self, *, force: bool = False) -> None:
        """Redraw the progress line with the current counts: one per outcome, as recorded in
        the results file (``pending`` rows are replaced by an outcome, so never shown)."""
        counts = {
            str(outcome): self.tally.counts[outcome] for outcome in Outcome
            if outcome != Outcome.PENDING
        }  # fmt: skip
        self.progress.update(self.tally.jobs_done, counts, force=force)

    async def tick(self) -> None:
        """Keep the bar current while nothing finishes (e.g. during a rate-limit pause)."""
        while True:
            await anyio.sleep(0.5)
            self.draw()

    async def run_job(self, job: _Job) -> None:
        """Change one subscription, recording a pending row first and the outcome last."""
        self.writer.write(ResultRow(job.id, Outcome.PENDING, idempotency_key=job.key))
        maybe_applied = False  # by an earlier round, whatever the last one says
        called = False  # whether a call for this id began (its request may have left)
        limited: RateLimitError | None = None  # the last round's answer
        try:
            for round_ in range(RATE_LIMIT_ROUNDS + 1):
                if self.gate.remaining() > self.retry_after_cap:
                    # eFundPay asked for a longer pause than the run waits: it is stopping.
                    if limited is None:
                        self.record_not_sent(job)
                    else:
                        self.record_failure(job, limited, maybe_applied=maybe_applied)
                    return
                await self.gate.wait()  # here, not inside an attempt's timeout
                called = True
                try:
                    response = await self.client.subscriptions.with_raw_response.update_status(
                        job.id, status=self.status, idempotency_key=job.key, **self.options
                    )
                    subscription = response.parse()
                except RateLimitError as exc:
                    self.gate.hold(exc.retry_after)  # the SDK's own retries are spent
                    maybe_applied = maybe_applied or exc.outcome_unknown
                    limited = exc
                    if round_ < RATE_LIMIT_ROUNDS and not self.beyond_cap(exc):
                        self.announce_pause()
                        continue
                    error: Exception = exc
                except (APIError, ConfigurationError, ValueError, TypeError) as exc:
                    error = exc  # ConfigurationError: e.g. no credentials for v4 calls
                else:
                    self.record_ok(job, str(subscription.status), response.request_id)
                    return
                self.record_failure(job, error, maybe_applied=maybe_applied)
                return
        except anyio.get_cancelled_exc_class():
            # The run is stopping; an id whose call never began can say so.  One whose call
            # did keeps its pending row, and resume finishes it with the same key.
            if not called:
                self.record_not_sent(job)
            raise

    def record_ok(self, job: _Job, status: str, request_id: str | None) -> None:
        """Write a changed id's row."""
        self.tally.counts[Outcome.OK] += 1
        self.tally.connection_errors_in_a_row = 0
        self.writer.write(
            ResultRow(job.id, Outcome.OK, status=status, request_id=request_id or "",
                      idempotency_key=job.key)
        )  # fmt: skip

    def record_not_sent(self, job: _Job) -> None:
        """Write the row of an id whose request never left (the run stopped first)."""
        self.tally.counts[Outcome.NOT_SENT] += 1
        self.writer.write(
            ResultRow(job.id, Outcome.NOT_SENT, message="the run stopped before this id was "
                      "sent", idempotency_key=job.key)
        )  # fmt: skip

    def announce_pause(self) -> None:
        """Say so on stderr when the batch waits long enough for someone to wonder why."""
        wait = self.gate.remaining()
        if wait >= _ANNOUNCE_PAUSE and not self.progress.enabled:
            self.out.note(f"efundpay: rate limited by eFundPay; the batch waits {wait:.0f}s")

    def record_failure(self, job: _Job, error: Exception, *, maybe_applied: bool = False) -> None:
        """Write a failed id's row; stop the run when the error dooms every other id too."""
        failure = describe_failure(error, self.out.secrets)
        if not isinstance(error, APIError):
            outcome = Outcome.INVALID  # e.g. an unusable idempotency key in --resume-from
        elif error.outcome_unknown or maybe_applied:
            outcome = Outcome.UNKNOWN
        else:
            outcome = Outcome.FAILED
        self.tally.counts[outcome] += 1
        self.writer.write(
            ResultRow(
                job.id,
                outcome,
                error_type=failure.error_type,
                error_code=failure.code or "",
                message=failure.message,
                request_id=failure.request_id or "",
                idempotency_key=job.key,
            )
        )
        in_a_row = self.tally.connection_errors_in_a_row + 1
        self.tally.connection_errors_in_a_row = (
            in_a_row if isinstance(error, APIConnectionError) else 0
        )
        doomed = (
            isinstance(error, (*_FATAL, ConfigurationError))
            or in_a_row >= self.connection_error_limit
            or (isinstance(error, RateLimitError) and self.beyond_cap(error))
        )
        if doomed and self.fatal is None:
            self.fatal = failure

    def beyond_cap(self, error: RateLimitError) -> bool:
        """Whether eFundPay asked for a longer pause than the run may wait."""
        return error.retry_after is not None and error.retry_after > self.retry_after_cap


def _jobs(
    args: argparse.Namespace,
    out: Output,
    writer: ResultsWriter,
    tally: _Tally,
    recorded: dict[str, Recorded],
) -> list[_Job]:
    inputs = read_ids(args.from_file)
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
        kept = earlier is not None and _keeps_its_key(earlier)
        key = earlier.idempotency_key if earlier is not None and kept else ""
        # The key is made here, as the SDK would make it: the pending row that names it is
        # written before the call, so a run killed mid-call resumes with the key it carried.
        jobs.append(_Job(row.id, key or new_idempotency_key()))
    return jobs


def _keeps_its_key(earlier: Recorded) -> bool:
    try:
        return Outcome(earlier.outcome).keeps_its_key
    except ValueError:
        return True  # an outcome this version does not know: reusing the key is the safe side


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
    if tally.counts[Outcome.NOT_SENT]:
        text += ".  'not_sent' ids were never sent; run again with --resume-from to send them"
    (out.line if to_stdout else out.note)(text)


async def run_bulk(
    args: argparse.Namespace, out: Output, key: Secret | None, action: str
) -> ExitCode:
    """Run ``action`` on every id of ``--from-file``; the exit code sums up the run."""
    if args.idempotency_key is not None:
        raise UsageError("--idempotency-key is for a single id; a bulk run makes one per id")
    options = status_options(args, action)
    kind = RunKind.of(action, options)
    recorded = read_results(args.resume_from, kind) if args.resume_from else {}
    tally = _Tally()
    gate = RateGate()
    policy = RetryPolicy(on_retry=gate.on_retry)
    client = open_client(args, key, connections=args.concurrency, retry=policy)
    with open_results(args.results, args.resume_from, kind) as writer:
        jobs = _jobs(args, out, writer, tally, recorded)
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
            retry_after_cap=policy.max_retry_after,
        )
        shared = iter(jobs)
        try:
            async with client, anyio.create_task_group() as tasks:
                if run.progress.enabled:
                    tasks.start_soon(run.tick)
                async with anyio.create_task_group() as workers:
                    for _ in range(min(args.concurrency, len(jobs))):
                        workers.start_soon(run.work, shared, workers.cancel_scope)
                tasks.cancel_scope.cancel()  # stops the ticker
            for job in shared:  # left when the run stopped early
                run.record_not_sent(job)
            run.draw(force=True)  # the final counts, equal to the results file's
        finally:
            # Also on Ctrl-C: whatever is printed next starts on a line of its own.
            run.progress.finish()
    if run.fatal is not None:
        why = (
            "eFundPay asked for a longer pause than the SDK waits"
            if run.fatal.exit_code == ExitCode.RATE_LIMITED
            else "every other id would fail the same way"
        )
        out.note(f"efundpay: stopped the run: {why}")
        _summary(action, tally, args, out, to_stdout=False)
        out.failure(run.fatal)
        return run.fatal.exit_code
    _summary(action, tally, args, out, to_stdout=args.results is not None)
    return ExitCode.OK if tally.all_ok else ExitCode.SOME_FAILED
