"""The record of every request the fake received and what it did about it.

The record keeps the credentials a request carried (a test may need to look at them), but
no ``repr`` or ``str`` shows them: a failing assertion, ``pytest -l`` or a log line prints
``[REDACTED]`` in place of ``Authorization``, ``X-Signature`` and the tokens of a
``/v1/token`` body.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

import attrs
from multidict import CIMultiDictProxy

from .._secret import CREDENTIAL_HEADERS

__all__ = ["RecordedHeaders", "RecordedRequest", "RequestLog"]

_REDACTED: Final = "[REDACTED]"
# JSON keys whose values are credentials (the token endpoint's request and answer).
_SECRET_KEYS: Final = frozenset({"refreshtoken", "accesstoken", "clientsecret"})


class RecordedHeaders(CIMultiDictProxy[str]):
    """The headers of a recorded request: a read-only, case-insensitive multidict whose
    ``repr`` and ``str`` mask credentials.

    >>> from multidict import CIMultiDict
    >>> from efundpay.testing import RecordedHeaders
    >>> RecordedHeaders(CIMultiDict({"Authorization": "Bearer sk_test_x", "Accept": "*/*"}))
    <RecordedHeaders('Authorization': '[REDACTED]', 'Accept': '*/*')>
    """

    def __repr__(self) -> str:
        shown = ", ".join(f"{name!r}: {_masked(name, value)!r}" for name, value in self.items())
        return f"<{type(self).__name__}({shown})>"

    __str__ = __repr__


def _masked(name: str, value: str) -> str:
    return _REDACTED if name.lower() in CREDENTIAL_HEADERS else value


def _masked_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _REDACTED if str(key).lower() in _SECRET_KEYS else _masked_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked_json(item) for item in value]
    return value


@attrs.frozen(repr=False)
class RecordedRequest:
    """One request as the fake saw it, and its fate.

    ``raw_path`` is exactly what the client sent (percent-encoding intact);
    ``path_params`` holds the decoded ids (``{"subscription_id": "sub/../x"}``).
    ``operation`` is ``"customers.toggle"``, ``"subscriptions.status"`` or ``None`` for a
    path that matches no operation.  ``status`` is ``None`` when the connection was dropped
    without a response.  ``applied`` says whether this request changed state (a replayed
    idempotent request did not; a token grant changes no customer or subscription and is
    never ``applied``).  ``fault`` describes the injected fault that fired, if any
    (``"status(503, apply=True)"``, ``"drop(after_apply=False)"``…).  ``error_code`` is the
    code of the error the fake answered (``"TOKEN_EXPIRED"``, ``"invalid_request"``…), or
    ``None``.  ``repr``/``str`` mask credentials (see the module docstring).

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
    error_code: str | None = None

    def __repr__(self) -> str:
        body: object = self.body
        if self.json is not None and _masked_json(self.json) != self.json:
            body = _REDACTED
        fields = {
            "method": self.method,
            "raw_path": self.raw_path,
            "operation": self.operation,
            "status": self.status,
            "applied": self.applied,
            "replayed": self.replayed,
            "error_code": self.error_code,
            "fault": self.fault,
            "request_id": self.request_id,
            "path_params": dict(self.path_params),
            "headers": RecordedHeaders(self.headers),
            "body": body,
            "json": _masked_json(self.json),
        }
        shown = ", ".join(f"{name}={value!r}" for name, value in fields.items())
        return f"RecordedRequest({shown})"

    __str__ = __repr__


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
