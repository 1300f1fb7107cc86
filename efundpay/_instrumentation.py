"""The seam through which optional instrumentation (such as :mod:`efundpay.otel`) sees calls.

The pipeline asks :func:`active` once per call.  With nothing installed (the default) that is
the whole cost: one global read and a ``None`` check; nothing is wrapped and nothing of any
tracing library is imported.  An installed :class:`Instrumentation` opens a scope around each
call; the scope may wrap the transport for that one call, so it sees every attempt (the
request as sent, then the response or the transport failure) and, through the ``with``, the
call's result or its final, fully stamped exception.  The pipeline does not know what the
instrumentation does with any of it, and the instrumentation cannot change what is sent.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from ._http import Transport
from ._request import APIRequest

__all__ = ["CallScope", "Instrumentation", "active", "install"]


class CallScope(Protocol):
    """What an instrumentation keeps for the duration of one call."""

    def transport(self, transport: Transport) -> Transport:
        """The transport this call's attempts go through (``transport`` itself, or a wrapper
        that observes each attempt and delegates to it).  A wrapper must not close
        ``transport``: the client owns it."""
        ...


class Instrumentation(Protocol):
    """Something that observes calls: it opens one :class:`CallScope` per call."""

    def call(self, request: APIRequest[Any]) -> AbstractContextManager[CallScope]:
        """A context manager entered around the whole call (all attempts and waits).

        An exception leaving the call passes through it, already carrying ``attempts``,
        ``outcome_unknown`` and ``idempotency_key``; it must be let through unchanged.
        """
        ...


_active: Instrumentation | None = None


def active() -> Instrumentation | None:
    """The installed instrumentation, or ``None`` (the default)."""
    return _active


def install(instrumentation: Instrumentation | None) -> Instrumentation | None:
    """Make ``instrumentation`` observe every client's calls from now on; ``None`` removes it.

    Returns the one it replaced, so a caller can restore it.  Process-wide, like the
    ``efundpay`` logger: calls already running keep the scope they started with.
    """
    global _active  # one process-wide switch, read once per call
    previous, _active = _active, instrumentation
    return previous
