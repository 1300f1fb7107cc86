"""The files of a bulk run: the input list of ids, and the results CSV (written and resumed).

Input: one id per line, or a header row naming an ``id`` or ``subscription_id`` column.
Results: one row per event, flushed as it is written; an id's *last* row is its outcome.  A
``pending`` row is written before a call starts, so a run that dies mid-call still left the
idempotency key its retry must reuse.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import os
import sys
from collections.abc import Iterator
from typing import Final, Literal, TextIO

import attrs

from ..resources._validation import check_id

__all__ = [
    "RESULT_FIELDS",
    "BadRow",
    "IdRow",
    "InputIds",
    "Outcome",
    "Recorded",
    "ResultRow",
    "ResultsWriter",
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


RESULT_FIELDS: Final = tuple(field.name for field in attrs.fields(ResultRow))


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


def read_results(path: str) -> dict[str, Recorded]:
    """The last recorded row of each id in a results file."""
    with _open_text(path) as file:
        reader = csv.DictReader(file)
        missing = {"id", "outcome", "idempotency_key"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path} is not an efundpay results file: no {', '.join(sorted(missing))} column"
            )
        return {
            row["id"]: Recorded(row["outcome"] or "", row["idempotency_key"] or "")
            for row in reader
            if row.get("id")
        }


class ResultsWriter:
    """Writes :class:`ResultRow` s as CSV, flushing each one so a crash loses nothing."""

    def __init__(self, stream: TextIO, *, header: bool) -> None:
        self._stream = stream
        self._writer = csv.writer(stream)
        if header:
            self._writer.writerow(RESULT_FIELDS)
            stream.flush()

    def write(self, row: ResultRow) -> None:
        """Append one row and flush it."""
        # One line per row whatever the message holds, so the file stays easy to grep.
        message = " ".join(row.message.split())
        values = attrs.astuple(attrs.evolve(row, message=message))
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
def open_results(path: str | None, resume_from: str | None) -> Iterator[ResultsWriter]:
    """A writer to ``path`` (stdout when ``None``).

    An existing, non-empty ``path`` is appended to only when it is also ``resume_from``;
    otherwise :class:`ValueError`, so an earlier run's idempotency keys are never lost.
    """
    if path is None:
        yield ResultsWriter(sys.stdout, header=True)
        return
    exists = os.path.exists(path) and os.path.getsize(path) > 0
    if exists and not _same_file(path, resume_from):
        raise ValueError(
            f"{path} already holds results; continue that run with --resume-from {path} "
            f"--results {path}, or choose another --results file"
        )
    with _open_text(path, "a") as file:
        yield ResultsWriter(file, header=not exists)
