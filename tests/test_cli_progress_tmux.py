"""The bulk progress line in a real terminal: tmux runs ``efundpay`` in a 50-column pane.

Against ``efundpay fake-server --delay`` (every answer held, so a run lasts about two
seconds), the pane must show one progress line, never stacked copies, no wider than the
pane, with the rate and the time left; its final counts must be the results file's rows;
and Ctrl-C must put the interrupt message on a line of its own.

tmux is needed: a developer machine without it skips loudly, CI (``CI`` set) fails.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ctrl_c_reaches_children

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = 50
IDS_PER_RUN = 40
DELAY = 0.2  # seconds per answer: 40 ids, 4 at a time, about 2 s a run
WAIT = 20.0


def _require_tmux() -> str:
    found = shutil.which("tmux")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("tmux is not installed; CI must install it (see .ci/run)")
    pytest.skip("SKIPPED LOUDLY: tmux is not installed; the real-terminal test did not run")


@pytest.fixture
def fake_server() -> Iterator[dict[str, object]]:
    """A fake-server with 2 x 40 generated subscriptions and slow answers; its announcement."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EFUNDPAY_")}
    command = [sys.executable, "-m", "efundpay", "fake-server", "--port", "0", "--json",
               "--no-sample-data", "--subscriptions", str(2 * IDS_PER_RUN),
               "--delay", str(DELAY)]  # fmt: skip
    with ctrl_c_reaches_children(), subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:  # fmt: skip
        assert process.stdout is not None
        try:
            yield json.loads(process.stdout.readline())
        finally:
            process.terminate()
            process.wait(timeout=WAIT)


class Pane:
    """One tmux server of our own (its own socket), one pane of COLUMNS columns."""

    def __init__(self, tmux: str, tmp: Path) -> None:
        self.tmux = tmux
        self.socket = f"efundpay-test-{uuid.uuid4().hex[:12]}"
        self.tmp = tmp

    def _run(self, *args: str) -> str:
        result = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, timeout=WAIT, check=True,
        )  # fmt: skip
        return result.stdout

    def start(self, script: Path) -> None:
        """Run ``script`` in a pane of exactly COLUMNS columns (it waits for ``<name>.go``)."""
        self._run("new-session", "-d", "-x", str(COLUMNS), "-y", "30", "-s", "run",
                  f"bash {shlex.quote(str(script))}")  # fmt: skip
        # A session no client is attached to may be sized later by tmux's own rules: pin it.
        self._run("set-option", "-t", "run", "window-size", "manual")
        self._run("resize-window", "-t", "run", "-x", str(COLUMNS), "-y", "30")
        width = self._run("display-message", "-p", "-t", "run", "#{pane_width}").strip()
        assert width == str(COLUMNS), f"tmux made a pane {width} columns wide"
        script.with_suffix(".go").touch()

    def capture(self) -> list[str]:
        return self._run("capture-pane", "-p", "-t", "run").rstrip("\n").split("\n")

    def send_ctrl_c(self) -> None:
        self._run("send-keys", "-t", "run", "C-c")

    def kill(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=WAIT, check=False)  # fmt: skip


def _script(tmp: Path, name: str, env: dict[str, str], ids: list[str]) -> tuple[Path, Path]:
    ids_file, results = tmp / f"{name}-ids.csv", tmp / f"{name}-out.csv"
    # One id the fake does not know (a 404: "failed") and one unusable line ("invalid").
    ids_file.write_text("\n".join(["id", *ids, "sub_not_there", "sub_" + "x" * 300]) + "\n")
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
    command = shlex.join([sys.executable, "-m", "efundpay", "subscriptions", "cancel",
                         "--from-file", str(ids_file), "--results", str(results),
                         "--concurrency", "4"])  # fmt: skip
    script = tmp / f"{name}.sh"
    status = tmp / f"{name}.status"
    go = tmp / f"{name}.go"
    script.write_text(
        f"while [ ! -e {shlex.quote(str(go))} ]; do sleep 0.05; done\n"
        # The pty takes its new size a moment after tmux reports it; the terminal's own "^C"
        # echo would share the progress line's row.
        f"until [ \"$(stty size)\" = '30 {COLUMNS}' ]; do sleep 0.05; done; stty -echoctl\n"
        f"cd {shlex.quote(str(ROOT))}\n{exports}{command}\n"
        f"echo $? > {shlex.quote(str(status))}\nsleep 600\n"
    )
    return script, status


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    pytest.fail(f"waited {WAIT}s for {what}")


def _progress_lines(lines: list[str], total: int) -> list[str]:
    return [line for line in lines if re.search(rf"\b\d+/{total}\b", line)]


def _counts_in(line: str) -> dict[str, int]:
    return {
        name: int(n)
        for name, n in re.findall(r"\b(ok|failed|unknown|invalid|not_sent) (\d+)", line)
    }


def _rows_by_outcome(results: Path) -> Counter[str]:
    last: dict[str, str] = {}
    with results.open(newline="") as file:
        for row in csv.DictReader(file):
            last[row["id"]] = row["outcome"]  # an id's last row is its outcome
    return Counter(last.values())


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    tmux_pane = Pane(_require_tmux(), tmp_path)
    try:
        yield tmux_pane
    finally:
        tmux_pane.kill()


def test_the_progress_line_in_a_50_column_terminal(
    pane: Pane, fake_server: dict[str, object], tmp_path: Path
) -> None:
    env = fake_server["environment"]
    ids = fake_server["data"]["subscriptions"][:IDS_PER_RUN]  # type: ignore[index]
    assert isinstance(env, dict)
    script, status = _script(tmp_path, "full", env, ids)
    total = IDS_PER_RUN + 1  # the unusable line is no job
    pane.start(script)
    seen_mid_run: list[str] = []

    def mid_run_line() -> bool:
        lines = _progress_lines(pane.capture(), total)
        seen_mid_run[:] = [line for line in lines if "ETA" in line]
        return bool(seen_mid_run) or status.exists()

    _wait_for(mid_run_line, "a progress line with an ETA")
    _wait_for(status.exists, "the run to end")
    assert status.read_text().strip() == "1"  # some ids failed, as planned

    assert seen_mid_run, pane.capture()
    mid = seen_mid_run[0]
    assert re.search(r"\d+\.\d/s ETA \d", mid), mid
    screen = pane.capture()
    progress = _progress_lines(screen, total)
    assert len(progress) == 1, screen  # redrawn in place: never stacked, never wrapped
    (final,) = progress
    assert len(final) <= COLUMNS - 1, final
    assert re.search(r"\d+\.\d/s", final), final
    assert f"{total}/{total}" in final
    rows = _rows_by_outcome(tmp_path / "full-out.csv")
    assert rows == Counter(ok=IDS_PER_RUN, failed=1, invalid=1)
    assert _counts_in(final) == dict(rows), (final, rows)


def test_ctrl_c_puts_the_interrupt_message_on_its_own_line(
    pane: Pane, fake_server: dict[str, object], tmp_path: Path
) -> None:
    env = fake_server["environment"]
    ids = fake_server["data"]["subscriptions"][IDS_PER_RUN:]  # type: ignore[index]
    assert isinstance(env, dict)
    script, status = _script(tmp_path, "stopped", env, ids)
    total = IDS_PER_RUN + 1
    pane.start(script)
    _wait_for(lambda: _progress_lines(pane.capture(), total), "the progress line")
    pane.send_ctrl_c()
    _wait_for(status.exists, "the interrupted run to end")
    assert status.read_text().strip() == "130"
    screen = pane.capture()
    message = [i for i, line in enumerate(screen) if "efundpay: interrupted" in line]
    assert len(message) == 1, screen
    (at,) = message
    assert screen[at].startswith("efundpay: interrupted"), screen
    assert _progress_lines(screen[:at], total) == [screen[at - 1]], screen
