"""The record of every request the fake received and what it did about it."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import attrs
from multidict import CIMultiDictProxy

__all__ = ["RecordedRequest", "RequestLog"]


@attrs.frozen
class RecordedRequest:
    """One request as the fake saw it, and its fate.

    ``raw_path`` is exactly what the client sent (percent-encoding intact);
    ``path_params`` holds the decoded ids (``{"subscription_id": "sub/../x"}``).
    ``operation`` is ``"customers.toggle"``, ``"subscriptions.status"`` or ``None`` for a
    path that matches no operation.  ``status`` is ``None`` when the connection was dropped
    without a response.  ``applied`` says whether this request changed state (a replayed
    idempotent request did not).  ``fault`` describes the injected fault that fired, if any
    (``"status(503, apply=True)"``, ``"drop(after_apply=False)"``…).

    Example::

        (request,) = fake.requests
        assert request.operation == "subscriptions.status"
        assert request.json == {"status": "paused"}
        assert request.headers["idempotency-key"]
        assert request.applied
    """

    method: str
    raw_path: str
    path_params: Mapping[str, str]
    operation: str | None
    headers: CIMultiDictProxy[str]
    body: bytes
    json: Any
    status: int | None
    applied: bool
    fault: str | None
    request_id: str
    replayed: bool = False


class RequestLog:
    """A thread-safe, append-only list of :class:`RecordedRequest`, plus a count of requests
    being handled that are not recorded yet (held by a delay, typically)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._records: list[RecordedRequest] = []
        self._in_flight = 0

    def begin(self) -> None:
        """A request arrived; it is in flight until :meth:`end`."""
        with self._changed:
            self._in_flight += 1

    def append(self, record: RecordedRequest) -> None:
        """Add one record."""
        with self._changed:
            self._records.append(record)

    def end(self) -> None:
        """A request is done (recorded, or abandoned by an error)."""
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    @property
    def in_flight(self) -> int:
        """Requests received and not yet done."""
        with self._changed:
            return self._in_flight

    def wait_idle(self, timeout: float) -> bool:
        """Block until no request is in flight; ``False`` if ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._in_flight == 0, timeout)

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the records so far, oldest first."""
        with self._changed:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record."""
        with self._changed:
            self._records.clear()
