"""The progress bar of a bulk run: one redrawn line on stderr, only when stderr is a terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress"]

_WIDTH = 30
_REDRAW_EVERY = 0.1  # seconds; a fast run must not spend its time drawing


class Progress:
    """Draws ``[#####.....] 50/100  ok 48  failed 2`` and a rate-limit wait when there is one.

    Disabled (draws nothing) unless ``stream`` is a TTY, so logs and pipes stay clean.
    """

    def __init__(
        self,
        stream: TextIO,
        total: int,
        *,
        waiting: Callable[[], float] = lambda: 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._total = total
        self._waiting = waiting
        self._clock = clock
        self._last_draw = -_REDRAW_EVERY
        self.enabled = stream.isatty()

    def render(self, done: int, ok: int, failed: int) -> str:
        """The bar's text for these counts."""
        filled = _WIDTH if self._total == 0 else _WIDTH * done // self._total
        text = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {done}/{self._total}  ok {ok}"
        if failed:
            text += f"  failed {failed}"
        wait = self._waiting()
        if wait > 0:
            text += f"  rate limited: waiting {wait:.1f}s"
        return text

    def update(self, done: int, ok: int, failed: int) -> None:
        """Redraw, at most every 0.1 s (the last update always draws)."""
        now = self._clock()
        if not self.enabled or (done < self._total and now - self._last_draw < _REDRAW_EVERY):
            return
        self._last_draw = now
        # \r returns to the line start; ESC[K clears what a longer previous line left.
        self._stream.write("\r" + self.render(done, ok, failed) + "\x1b[K")
        self._stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self.enabled:
            self._stream.write("\n")
            self._stream.flush()
