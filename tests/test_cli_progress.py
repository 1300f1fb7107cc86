"""The bulk run's progress line: rate, time left, one line that fits the terminal."""

from __future__ import annotations

import io

import pytest

from efundpay.cli._progress import Progress, fit, format_duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def drawn_lines(text: str) -> list[str]:
    """What each redraw showed: the text between carriage returns, without the clear code."""
    return [part.removesuffix("\x1b[K") for part in text.split("\r") if part]


def test_the_line_shows_the_rate_and_the_time_left_at_that_rate() -> None:
    clock = Clock()
    bar = Progress(Terminal(), 100, clock=clock, columns=lambda: 120)
    clock.now += 10.0  # 25 done in 10 s: 2.5/s, 75 left: 30 s
    line = bar.render(25, {"ok": 24, "failed": 1}, 119)
    assert "25/100 ok 24 failed 1 2.5/s ETA 30s" in line


def test_before_anything_finishes_there_is_no_rate_and_no_eta() -> None:
    bar = Progress(Terminal(), 10, clock=Clock(), columns=lambda: 80)
    line = bar.render(0, {}, 79)
    assert "-/s" in line and "ETA" not in line


def test_a_finished_run_shows_its_rate_and_no_eta() -> None:
    clock = Clock()
    bar = Progress(Terminal(), 4, clock=clock, columns=lambda: 80)
    clock.now += 2.0
    assert bar.render(4, {"ok": 4}, 79).endswith("4/4 ok 4 2.0/s")


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.4, "0s"), (42, "42s"), (187, "3:07"), (3723, "1:02:03")]
)
def test_durations_are_short(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


@pytest.mark.parametrize("columns", [200, 80, 50, 40, 30, 20, 12, 5, 1])
def test_the_line_is_always_one_column_narrower_than_the_terminal(columns: int) -> None:
    terminal, clock = Terminal(), Clock()
    bar = Progress(terminal, 10_000, waiting=lambda: 12.5, clock=clock, columns=lambda: columns)
    clock.now += 3.0
    counts = {"ok": 4000, "failed": 300, "unknown": 20, "not_sent": 7, "invalid": 1}
    bar.update(4327, counts)
    (line,) = drawn_lines(terminal.getvalue())
    assert len(line) <= columns - 1


def test_a_narrow_terminal_keeps_the_counts_rate_and_eta_by_dropping_the_bar() -> None:
    clock = Clock()
    bar = Progress(Terminal(), 1000, waiting=lambda: 12.5, clock=clock, columns=lambda: 50)
    clock.now += 5.0
    line = bar.render(500, {"ok": 490, "failed": 10}, 49)
    assert "[" not in line
    assert line == "500/1000 ok 490 f 10 100.0/s ETA 5s wait 12.5s"


def test_fit_shrinks_the_bar_before_touching_the_words() -> None:
    assert fit("1/2", "ok 1", 0.5, 60) == "[" + "#" * 15 + "." * 15 + "] 1/2 ok 1"
    assert fit("1/2", "ok 1", 0.5, 16) == "[##...] 1/2 ok 1"
    assert fit("1/2", "failed 1", 0.5, 10) == "1/2 f 1"  # no room for a bar: words shorten


def test_each_redraw_returns_to_the_line_start_and_clears_the_rest() -> None:
    terminal, clock = Terminal(), Clock()
    bar = Progress(terminal, 3, clock=clock, columns=lambda: 80)
    for done in (1, 2, 3):
        clock.now += 1.0
        bar.update(done, {"ok": done})
    bar.finish()
    text = terminal.getvalue()
    assert text.count("\r") == 3 and text.count("\x1b[K") == 3
    assert text.endswith("\x1b[K\n") and text.count("\n") == 1


def test_redraws_are_throttled_but_the_last_one_and_a_forced_one_always_draw() -> None:
    terminal, clock = Terminal(), Clock()
    bar = Progress(terminal, 10, clock=clock, columns=lambda: 80)
    bar.update(1, {"ok": 1})
    bar.update(2, {"ok": 2})  # within 0.1 s: skipped
    bar.update(3, {"ok": 3}, force=True)
    bar.update(10, {"ok": 10})
    assert [line.split()[1] for line in drawn_lines(terminal.getvalue())] == [
        "1/10",
        "3/10",
        "10/10",
    ]


def test_finish_ends_a_drawn_line_once_and_nothing_when_nothing_was_drawn() -> None:
    idle = Terminal()
    Progress(idle, 5, columns=lambda: 80).finish()
    assert idle.getvalue() == ""
    terminal = Terminal()
    bar = Progress(terminal, 5, columns=lambda: 80)
    bar.update(5, {"ok": 5})
    bar.finish()
    bar.finish()
    assert terminal.getvalue().count("\n") == 1
