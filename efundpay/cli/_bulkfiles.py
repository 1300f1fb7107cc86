"""The files of a bulk run: the input list of ids, and the results CSV (written and resumed).

Input: one id per line, or a header row naming an ``id`` or ``subscription_id`` column.
Results: one row per event, flushed as it is written; an id's *last* row is its outcome.  A
``pending`` row is written before a call starts, so a run that dies mid-call still left the
idempotency key its retry must reuse.  Every row also names the run's operation and options
(:class:`RunKind`), so ``--resume-from`` refuses the results of a different command.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, Final, Literal, TextIO

import attrs

from ..validation import check_id

__all__ = [
    "RESULT_FIELDS",
    "BadRow",
    "IdRow",
    "InputIds",
    "Outcome",
    "Recorded",
    "ResultRow",
    "ResultsWriter",
    "RunKind",
    "open_results",
    "read_ids",
    "read_results",
]

_ID_COLUMNS: Final = ("id", "subscription_id")


class Outcome(enum.StrEnum):
    """What happened to one id."""

    PENDING = "pending"  # the call started; no outcome recorded (yet)
    OK = "ok"
    FAILED = "failed"  # eFundPay refused, or the call failed before anything could apply
    UNKNOWN = "unknown"  # the change may have been applied: resume retries with the same key
    INVALID = "invalid"  # the input row or a recorded key is unusable; nothing was sent
    NOT_SENT = "not_sent"  # the run stopped before this id's request left

    @property
    def keeps_its_key(self) -> bool:
        """Whether ``--resume-from`` must retry this id with its recorded idempotency key.

        Yes when the change may have been applied (or the call's fate was never recorded):
        the same key makes eFundPay apply it at most once.  No after a definitive failure:
        eFundPay stores the answer to a key, so the same key would replay that failure
        forever; a new key asks again.
        """
        return self in _KEEPS_ITS_KEY


@attrs.frozen
class ResultRow:
    """One row of the results CSV."""

    id: str
    outcome: Outcome
    status: str = ""
    error_type: str = ""
    error_code: str = ""
    message: str = ""
    request_id: str = ""
    idempotency_key: str = ""


_KEEPS_ITS_KEY: Final = frozenset({Outcome.PENDING, Outcome.UNKNOWN, Outcome.NOT_SENT})


@attrs.frozen
class RunKind:
    """What a bulk run does: its action and its options, as every results row records them."""

    operation: str
    options: str

    @classmethod
    def of(cls, operation: str, options: dict[str, Any]) -> RunKind:
        """The kind of a run of ``operation`` (``pause``...) with these ``update_status``
        options."""
        return cls(operation, json.dumps(options, sort_keys=True, default=str, ensure_ascii=False))

    def describe(self) -> str:
        """``subscriptions pause`` with its options, for a message."""
        return f"'subscriptions {self.operation}' with options {self.options}"


RESULT_FIELDS: Final = (
    *(field.name for field in attrs.fields(ResultRow)),
    *(field.name for field in attrs.fields(RunKind)),
)


@attrs.frozen
class IdRow:
    """An id to run, and the input line it came from."""

    line: int
    id: str


@attrs.frozen
class BadRow:
    """An input row that cannot be run, and why."""

    line: int
    value: str
    problem: str


@attrs.frozen
class InputIds:
    """The ids of an input file, in order and without duplicates, and its bad rows."""

    ids: list[IdRow]
    bad: list[BadRow]


def _header_column(cells: list[str]) -> int | None:
    names = [cell.lower() for cell in cells]
    return next((names.index(name) for name in _ID_COLUMNS if name in names), None)


def _open_text(path: str, mode: Literal["r", "a"] = "r") -> TextIO:
    # Reading skips a BOM (spreadsheets write one); writing never adds one.
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    try:
        return open(path, mode, newline="", encoding=encoding)
    except OSError as exc:
        raise ValueError(f"cannot open {path}: {exc.strerror}") from None


def read_ids(path: str) -> InputIds:
    """Read an input file; raise :class:`ValueError` only when the file as a whole is unusable."""
    ids: list[IdRow] = []
    bad: list[BadRow] = []
    first_line: dict[str, int] = {}
    column: int | None = None
    seen_first_row = False
    with _open_text(path) as file:
        reader = csv.reader(file)
        try:
            for row in reader:
                cells = [cell.strip() for cell in row]
                line = reader.line_num
                if not any(cells) or cells[0].startswith("#"):
                    continue
                if not seen_first_row:
                    seen_first_row = True
                    column = _header_column(cells)
                    if column is not None:
                        continue
                if column is None:
                    values = [cell for cell in cells if cell]
                    if len(values) != 1:
                        bad.append(
                            BadRow(line, ",".join(row), "expected one id per line (or a header "
                                   "row with an 'id' or 'subscription_id' column)")
                        )  # fmt: skip
                        continue
                    value = values[0]
                else:
                    value = cells[column] if column < len(cells) else ""
                try:
                    check_id(value, "id")
                except (TypeError, ValueError) as exc:
                    bad.append(BadRow(line, value, str(exc)))
                    continue
                if value in first_line:
                    bad.append(BadRow(line, value, f"duplicate of line {first_line[value]}"))
                    continue
                first_line[value] = line
                ids.append(IdRow(line, value))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ValueError(
                f"{path} line {reader.line_num}: cannot read it as CSV: {exc}"
            ) from None
    return InputIds(ids, bad)


@attrs.frozen
class Recorded:
    """What an earlier run recorded last for one id."""

    outcome: str
    idempotency_key: str


def read_results(path: str, kind: RunKind) -> dict[str, Recorded]:
    """The last recorded row of each id in a results file written by a run of ``kind``.

    Raises :class:`ValueError` when the file is not a results file, or another operation or
    other options wrote it: resuming it would skip ids as "already ok" that this run never
    did, and reuse keys eFundPay has bound to another change.
    """
    with _open_text(path) as file:
        reader = csv.DictReader(file)
        missing = set(RESULT_FIELDS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path} is not a results file of this efundpay version: no "
                f"{', '.join(sorted(missing))} column"
            )
        recorded: dict[str, Recorded] = {}
        for row in reader:
            written_by = RunKind(row["operation"] or "", row["options"] or "")
            if written_by != kind:
                raise ValueError(
                    f"{path} holds the results of {written_by.describe()}, not of "
                    f"{kind.describe()}; resume a run with the command and options that "
                    "started it"
                )
            if row.get("id"):
                recorded[row["id"]] = Recorded(row["outcome"] or "", row["idempotency_key"] or "")
        return recorded


class ResultsWriter:
    """Writes :class:`ResultRow` s as CSV, each with the run's :class:`RunKind`, flushing each
    one so a crash loses nothing."""

    def __init__(self, stream: TextIO, kind: RunKind, *, header: bool) -> None:
        self._stream = stream
        self._kind = attrs.astuple(kind)
        self._writer = csv.writer(stream)
        if header:
            self._writer.writerow(RESULT_FIELDS)
            stream.flush()

    def write(self, row: ResultRow) -> None:
        """Append one row and flush it."""
        # One line per row whatever the message holds, so the file stays easy to grep.
        message = " ".join(row.message.split())
        values = (*attrs.astuple(attrs.evolve(row, message=message)), *self._kind)
        self._writer.writerow([str(value) for value in values])
        self._stream.flush()


def _same_file(a: str, b: str | None) -> bool:
    if b is None:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def open_results(
    path: str | None, resume_from: str | None, kind: RunKind
) -> Iterator[ResultsWriter]:
    """A writer to ``path`` (stdout when ``None``).

    An existing, non-empty ``path`` is appended to only when it is also ``resume_from``;
    otherwise :class:`ValueError`, so an earlier run's idempotency keys are never lost.
    """
    if path is None:
        yield ResultsWriter(sys.stdout, kind, header=True)
        return
    exists = os.path.exists(path) and os.path.getsize(path) > 0
    if exists and not _same_file(path, resume_from):
        raise ValueError(
            f"{path} already holds results; continue that run with --resume-from {path} "
            f"--results {path}, or choose another --results file"
        )
    with _open_text(path, "a") as file:
        yield ResultsWriter(file, kind, header=not exists)
