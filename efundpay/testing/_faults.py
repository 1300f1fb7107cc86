"""Injected faults: what they are, the FIFO queue they wait in, and the random generator.

A fault is taken from the queue when a request for its operation arrives (``operation=None``
matches every request), before normal handling.  The queue is FIFO among faults that match
the request, and a fault stays at its place until it has fired ``times`` times.  When no
queued fault matches, the random generator (if enabled) may produce one.  What a fault
*does* is the request handler's business; this module only describes and hands them out.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Literal, get_args

import attrs

__all__ = [
    "Fault",
    "FaultInjection",
    "FaultKind",
    "FaultQueue",
    "MalformedKind",
    "Operation",
    "RandomFaultKind",
    "retry_after_value",
]

#: The operations a fault can be limited to.
Operation = Literal["customers.toggle", "subscriptions.status", "oauth.token"]

FaultKind = Literal["status", "delay", "drop", "malformed"]

#: The broken bodies ``malformed_next`` can send.
MalformedKind = Literal["html", "truncated_json", "wrong_types", "empty", "not_an_object"]

#: The faults ``random_faults`` draws from.
RandomFaultKind = Literal[
    "error_before_apply",
    "error_after_apply",
    "drop_before_apply",
    "drop_after_apply",
    "delay",
    "rate_limit",
]

ALL_RANDOM_KINDS: Final[tuple[RandomFaultKind, ...]] = get_args(RandomFaultKind)
_OPERATIONS: Final[tuple[Operation, ...]] = get_args(Operation)
_MALFORMED_KINDS: Final[tuple[MalformedKind, ...]] = get_args(MalformedKind)


def retry_after_value(value: float | str | datetime | None) -> str | None:
    """The ``Retry-After`` header for seconds (``0``, ``1.5``), an HTTP-date or a datetime."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("retry_after datetime must be timezone-aware")
        return email.utils.format_datetime(value, usegmt=True)
    if value < 0:
        raise ValueError(f"retry_after must be >= 0 seconds, not {value!r}")
    return str(int(value)) if float(value).is_integer() else str(value)


def raw_body(body: Any) -> bytes | None:
    """A fault's raw body as bytes: bytes as given, anything else serialised as JSON."""
    if body is None or isinstance(body, bytes):
        return body
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


@attrs.frozen
class Fault:
    """One injected misbehaviour.  Which attributes matter depends on ``kind``:

    ``status``: respond ``status`` with an error body built from ``code``/``message`` (or
    the raw ``body``), with ``Retry-After`` when ``retry_after`` is set.
    ``delay``: hold the response ``seconds``.  ``drop``: close the connection unanswered.
    ``malformed``: respond ``status`` with a broken body of kind ``malformed``.
    ``apply`` says whether the operation is carried out before the fault fires.
    """

    kind: FaultKind
    operation: str | None = None
    apply: bool = False
    status: int = 200
    code: str | None = None
    message: str | None = None
    retry_after: str | None = None
    body: bytes | None = None
    seconds: float = 0.0
    malformed: MalformedKind | None = None

    def describe(self) -> str:
        """A short label for the request log (``"status(503, apply=False)"``)."""
        detail = {
            "status": f"{self.status}",
            "delay": f"{self.seconds}s",
            "drop": "",
            "malformed": f"{self.malformed!r}, {self.status}",
        }[self.kind]
        label = "after_apply" if self.kind == "drop" else "apply"
        return f"{self.kind}({detail}{', ' if detail else ''}{label}={self.apply})"


@attrs.define
class _Queued:
    fault: Fault
    remaining: int


class FaultQueue:
    """Queued faults plus an optional random generator; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._random: _RandomFaults | None = None

    def push(self, fault: Fault, times: int) -> None:
        """Queue ``fault`` to fire on the next ``times`` matching requests."""
        if times < 1:
            raise ValueError(f"times must be a positive integer, not {times!r}")
        with self._lock:
            self._queue.append(_Queued(fault, times))

    def take(self, operation: str | None) -> Fault | None:
        """The fault for a request to ``operation``, consuming one of its ``times``."""
        with self._lock:
            for index, queued in enumerate(self._queue):
                if queued.fault.operation in (None, operation):
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        del self._queue[index]
                    return queued.fault
            if self._random is not None:
                return self._random.draw(operation)
        return None

    def pending(self) -> int:
        """How many queued firings are left (random faults not counted)."""
        with self._lock:
            return sum(queued.remaining for queued in self._queue)

    def set_random(
        self,
        rate: float,
        *,
        seed: int | None,
        kinds: Iterable[RandomFaultKind],
        delay: float,
        operation: str | None,
    ) -> None:
        """Enable (``rate > 0``) or disable (``rate == 0``) random faults."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, not {rate!r}")
        chosen = tuple(kinds)
        unknown = [kind for kind in chosen if kind not in ALL_RANDOM_KINDS]
        if unknown or not chosen:
            raise ValueError(f"kinds must be a non-empty subset of {ALL_RANDOM_KINDS}")
        with self._lock:
            self._random = (
                _RandomFaults(rate, random.Random(seed), chosen, delay, operation)  # noqa: S311
                if rate > 0
                else None
            )

    def clear(self) -> None:
        """Drop every queued fault and disable random faults."""
        with self._lock:
            self._queue.clear()
            self._random = None


@attrs.define
class _RandomFaults:
    rate: float
    rng: random.Random
    kinds: tuple[RandomFaultKind, ...]
    delay: float
    operation: str | None

    def draw(self, operation: str | None) -> Fault | None:
        if self.operation not in (None, operation) or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(self.kinds)
        return _RANDOM_FAULTS[kind](self.delay, operation)


_RANDOM_FAULTS: Final[Mapping[str, Callable[[float, str | None], Fault]]] = {
    "error_before_apply": lambda _delay, op: Fault("status", op, apply=False, status=503),
    "error_after_apply": lambda _delay, op: Fault("status", op, apply=True, status=500),
    "drop_before_apply": lambda _delay, op: Fault("drop", op, apply=False),
    "drop_after_apply": lambda _delay, op: Fault("drop", op, apply=True),
    "delay": lambda delay, op: Fault("delay", op, apply=True, seconds=delay),
    "rate_limit": lambda _delay, op: Fault("status", op, status=429, retry_after="0"),
}


class FaultInjection:
    """The fault-injection methods of :class:`~efundpay.testing.FakeEFundPay`."""

    _faults: FaultQueue

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        code: str | None = None,
        message: str | None = None,
        retry_after: float | str | datetime | None = None,
        body: Any = None,
        operation: Operation | None = None,
        apply: bool = False,
    ) -> None:
        """Answer the next request(s) with ``status`` instead of the real response.

        The body is an error in the operation's own style (v3 envelope, v4 error object)
        built from ``code``/``message``; ``body`` (bytes, or anything JSON-able) replaces
        it verbatim, sent as ``application/json``.  ``retry_after`` (seconds, an HTTP-date
        string, or an aware datetime) sets ``Retry-After``.  ``apply=True`` carries out the
        operation first: the change is made, then the client sees the failure::

            fake.fail_next(503, apply=True, operation="subscriptions.status")
            fake.fail_next(429, retry_after=0, times=2)
            fake.fail_next(200, code="EXCEEDED_LIMIT", operation="customers.toggle")
        """
        if not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status code, not {status!r}")
        fault = Fault(
            "status",
            _operation(operation),
            apply=apply,
            status=status,
            code=code,
            message=message,
            retry_after=retry_after_value(retry_after),
            body=raw_body(body),
        )
        self._faults.push(fault, times)

    def delay_next(
        self,
        seconds: float,
        *,
        times: int = 1,
        operation: Operation | None = None,
        apply: bool = True,
    ) -> None:
        """Hold the next response(s) ``seconds`` (other requests keep flowing meanwhile).

        ``apply=True`` applies the operation at once and then waits: a client that times out
        has changed state without knowing it.  ``apply=False`` waits *before* handling; if
        the client hung up meanwhile, the request is never handled (``applied`` false)::

            fake.delay_next(0.5, operation="customers.toggle")
        """
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, not {seconds!r}")
        self._faults.push(
            Fault("delay", _operation(operation), apply=apply, seconds=seconds), times
        )

    def drop_next(
        self, *, after_apply: bool, times: int = 1, operation: Operation | None = None
    ) -> None:
        """Close the connection of the next request(s) without sending any response.

        ``after_apply=True`` applies the operation first (the classic "did my payment go
        through?"); ``after_apply=False`` drops it untouched::

            fake.drop_next(after_apply=True, operation="subscriptions.status")
        """
        self._faults.push(Fault("drop", _operation(operation), apply=after_apply), times)

    def malformed_next(
        self,
        kind: MalformedKind,
        *,
        times: int = 1,
        operation: Operation | None = None,
        apply: bool = True,
        status: int = 200,
    ) -> None:
        """Answer the next request(s) with a broken body and HTTP ``status``.

        ``kind`` is ``"html"`` (an HTML error page, ``text/html``), ``"truncated_json"``
        (JSON cut in half, with a matching Content-Length), ``"wrong_types"`` (the success
        shape with ``isActive: "maybe"``, ``status: 42``…), ``"empty"`` or
        ``"not_an_object"`` (a JSON list)::

            fake.malformed_next("html", status=502, apply=False)
        """
        if kind not in _MALFORMED_KINDS:
            raise ValueError(f"kind must be one of {_MALFORMED_KINDS}, not {kind!r}")
        fault = Fault(
            "malformed", _operation(operation), apply=apply, status=status, malformed=kind
        )
        self._faults.push(fault, times)

    def random_faults(
        self,
        rate: float,
        *,
        seed: int | None = None,
        kinds: Iterable[RandomFaultKind] = ALL_RANDOM_KINDS,
        delay: float = 0.05,
        operation: Operation | None = None,
    ) -> None:
        """Give every request (not served by a queued fault) probability ``rate`` of a fault.

        ``kinds``: ``"error_before_apply"`` (503), ``"error_after_apply"`` (500 after the
        change), ``"drop_before_apply"``, ``"drop_after_apply"``, ``"delay"`` (``delay``
        seconds, applied) and ``"rate_limit"`` (429, ``Retry-After: 0``).  ``seed`` makes
        the sequence repeatable; ``rate=0`` turns random faults off::

            fake.random_faults(0.3, seed=1234)
        """
        self._faults.set_random(
            rate, seed=seed, kinds=kinds, delay=delay, operation=_operation(operation)
        )

    def clear_faults(self) -> None:
        """Forget queued faults and turn random faults off."""
        self._faults.clear()

    @property
    def pending_faults(self) -> int:
        """How many queued fault firings have not happened yet."""
        return self._faults.pending()


def _operation(operation: str | None) -> str | None:
    if operation is not None and operation not in _OPERATIONS:
        raise ValueError(f"operation must be one of {_OPERATIONS} or None, not {operation!r}")
    return operation
