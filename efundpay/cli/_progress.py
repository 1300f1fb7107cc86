"""The progress line of a bulk run: one redrawn line on stderr, only when stderr is a terminal.

``[#####.....] 50/100 ok 48 failed 2 12.5/s ETA 0:04``: the ids done of the total, the
count of each outcome (the same counts as the results file's rows, and the same names), the
rate in calls per second and the time left at that rate, plus a rate-limit wait when there
is one.  The line always fits the terminal: it is measured against the width at each redraw
(a terminal may be resized mid-run), the bar shrinks or goes first, then words are
abbreviated, and as a last resort the line is cut.  Writing as many characters as the
terminal has columns makes many terminals wrap, so the line stays one column short.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Mapping
from typing import Final, TextIO

__all__ = ["Progress", "fit", "format_duration", "terminal_columns"]

_BAR_WIDTH: Final = 30
_MIN_BAR: Final = 5
_REDRAW_EVERY: Final = 0.1  # seconds; a fast run must not spend its time drawing
# Redraw from the line start (\r) and clear what a longer previous line left (ESC[K).
_REDRAW: Final = "\r"
_CLEAR_TO_END: Final = "\x1b[K"
# Shorter words for narrow terminals, tried in this order.
_ABBREVIATIONS: Final = (
    ("rate limited: waiting ", "wait "),
    ("not_sent ", "ns "),
    ("unknown ", "unk "),
    ("invalid ", "inv "),
    ("failed ", "f "),
)


def format_duration(seconds: float) -> str:
    """``42s``, ``3:07``, ``1:02:03``: short enough for a progress line."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fit(head: str, body: str, fill: float, width: int) -> str:
    """``[bar] body`` cut to ``width`` characters: shrink or drop the bar, then abbreviate
    ``body`` (``head`` is the ``done/total`` part kept whole), then cut."""
    text = f"{head} {body}".rstrip()
    room = width - len(text) - 3  # "[" + "] "
    if room >= _MIN_BAR:
        bar = min(_BAR_WIDTH, room)
        filled = round(bar * fill)
        return f"[{'#' * filled}{'.' * (bar - filled)}] {text}"
    for long, short in _ABBREVIATIONS:
        if len(text) <= width:
            break
        text = text.replace(long, short)
    return text[: max(0, width)]


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to.

    ``shutil.get_terminal_size`` asks stdout's terminal, which is the wrong one (or none)
    when stdout goes to a file and the line is drawn on stderr; ``COLUMNS`` still wins, as
    it does there.
    """
    fallback = shutil.get_terminal_size()
    if os.environ.get("COLUMNS", "").isdigit():
        return fallback.columns
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, io.UnsupportedOperation):  # no descriptor, or no terminal
        return fallback.columns


class Progress:
    """Draws the progress line of a bulk run (see the module docstring).

    Disabled (draws nothing) unless ``stream`` is a TTY, so logs and pipes stay clean.
    ``waiting`` gives the seconds of a rate-limit pause; ``clock`` and ``columns`` (the
    terminal's width) are injectable for tests.
    """

    def __init__(
        self,
        stream: TextIO,
        total: int,
        *,
        waiting: Callable[[], float] = lambda: 0.0,
        clock: Callable[[], float] = time.monotonic,
        columns: Callable[[], int] | None = None,
    ) -> None:
        self._stream = stream
        self._total = total
        self._waiting = waiting
        self._clock = clock
        self._columns = columns or (lambda: terminal_columns(stream))
        self._started = clock()
        self._last_draw: float | None = None
        self._on_line = False  # whether the cursor is on a drawn, unfinished line
        self.enabled = stream.isatty()

    def render(self, done: int, counts: Mapping[str, int], width: int) -> str:
        """The line for ``done`` ids finished and ``counts`` per outcome, in ``width`` columns."""
        head = f"{done}/{self._total}"
        words = [f"{name} {count}" for name, count in counts.items() if count]
        elapsed = self._clock() - self._started
        if done and elapsed > 0:
            rate = done / elapsed
            words.append(f"{rate:.1f}/s")
            if done < self._total:
                words.append(f"ETA {format_duration((self._total - done) / rate)}")
        else:
            words.append("-/s")  # no rate yet: nothing has finished
        wait = self._waiting()
        if wait > 0:
            words.append(f"rate limited: waiting {wait:.1f}s")
        fill = 1.0 if self._total == 0 else done / self._total
        return fit(head, " ".join(words), fill, width)

    def update(self, done: int, counts: Mapping[str, int], *, force: bool = False) -> None:
        """Redraw, at most every 0.1 s unless ``force`` (the last update always draws)."""
        if not self.enabled:
            return
        now = self._clock()
        recent = self._last_draw is not None and now - self._last_draw < _REDRAW_EVERY
        if recent and not force and done < self._total:
            return
        self._last_draw = now
        width = self._columns() - 1
        self._stream.write(_REDRAW + self.render(done, counts, width) + _CLEAR_TO_END)
        self._stream.flush()
        self._on_line = True

    def finish(self) -> None:
        """End the line, so what is printed next (a summary, an interrupt) starts a new one.

        Safe to call more than once, and when nothing was drawn.
        """
        if self._on_line:
            self._stream.write("\n")
            self._stream.flush()
            self._on_line = False
