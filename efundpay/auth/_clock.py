"""The time an Auth stamps on requests: the local clock plus what eFundPay's clock taught it."""

from __future__ import annotations

import time
from collections.abc import Callable

from ._base import Rejection

__all__ = ["Clock"]


class Clock:
    """Unix time as eFundPay sees it.

    ``offset`` starts at 0 and is set from the ``Date`` header of a clock-skew rejection, so
    a machine whose clock is minutes off still sends timestamps the server accepts.
    """

    __slots__ = ("_now", "offset")

    def __init__(self, now: Callable[[], float] | None = None) -> None:
        self._now = now or time.time
        self.offset = 0.0

    def local(self) -> float:
        """The local clock, uncorrected (for token lifetimes, which are relative)."""
        return self._now()

    def time(self) -> float:
        """The local clock corrected by the learnt offset."""
        return self._now() + self.offset

    def learn(self, rejection: Rejection) -> bool:
        """Take the offset from the rejection's ``Date`` header; ``False`` without one."""
        server = rejection.server_time
        if server is None:
            return False
        self.offset = server - self._now()
        return True

    def __repr__(self) -> str:
        return f"Clock(offset={self.offset:+.0f}s)"
