"""Every Python block of README.md and docs/quickstart.md runs as written.

Each block (```` ```python ```` and MyST's ```` ```{testcode} ````) is saved as a script and
run in its own process against a fresh ``efundpay fake-server``, with the environment
variables the server announces, exactly as a reader would run it.  A block defining pytest
tests is run by pytest (with the project's installed plugin).  A ```` ```{testoutput} ````
after a block is the output the block must print.

A block that is deliberately a fragment is marked on the line before its fence with
``<!-- not-run: why -->``: it is compiled and its ``efundpay`` imports are checked, but it
is not run (README's block with real merchant keys is one).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from tests.helpers import ctrl_c_reaches_children

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/quickstart.md")
TIMEOUT = 60
_FENCE = re.compile(r"^```(python|\{testcode\}|\{testoutput\})[ \t]*(\S*)[ \t]*$")
_NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(.+?)\s*-->$")


@attrs.frozen
class Block:
    document: str
    line: int
    code: str
    expected_output: str | None
    not_run: str | None

    @property
    def name(self) -> str:
        return f"{self.document}:{self.line}"


def blocks_of(document: str) -> list[Block]:
    """The Python blocks of ``document``, each with the output that follows it, if any."""
    lines = (ROOT / document).read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str, str, str | None]] = []  # line, kind, text, not-run reason
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        end = lines.index("```", index + 1)
        marker = _NOT_RUN.match(lines[index - 1].strip()) if index else None
        text = "\n".join(lines[index + 1 : end]) + "\n"
        found.append((index + 1, fence.group(1), text, marker.group(1) if marker else None))
        index = end + 1
    blocks = []
    for position, (line, kind, text, not_run) in enumerate(found):
        if kind == "{testoutput}":
            continue
        following = found[position + 1] if position + 1 < len(found) else None
        output = following[2] if following and following[1] == "{testoutput}" else None
        blocks.append(Block(document, line, text, output, not_run))
    return blocks


ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks_of(document)]


def test_the_documents_have_python_blocks_to_run() -> None:
    assert {block.document for block in ALL_BLOCKS} == set(DOCUMENTS)
    assert len(ALL_BLOCKS) >= 6


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EFUNDPAY_")}
    # The checkout's efundpay, not one installed elsewhere.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def fake_server_env() -> Iterator[dict[str, str]]:
    """A fresh ``efundpay fake-server``; the environment a reader would export for it."""
    command = [sys.executable, "-m", "efundpay", "fake-server", "--port", "0", "--json"]
    with ctrl_c_reaches_children(), subprocess.Popen(
        command, cwd=ROOT, env=_environment(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        try:
            announced = json.loads(process.stdout.readline())
            yield {**_environment(), **announced["environment"]}
        finally:
            process.terminate()
            process.wait(timeout=TIMEOUT)


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=[block.name for block in ALL_BLOCKS])
def test_the_block_runs_as_written(
    block: Block, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if block.not_run is not None:
        # Not run (it needs what a reader has and the suite has not), but it must still be
        # Python that compiles and imports only what the SDK has.
        compile(block.code, block.name, "exec")
        for name in re.findall(r"^from (efundpay[\w.]*) import", block.code, re.MULTILINE):
            importlib.import_module(name)
        return
    # The server starts only for a block that runs.
    fake_server_env: dict[str, str] = request.getfixturevalue("fake_server_env")
    defines_tests = re.search(r"^def test_", block.code, re.MULTILINE) is not None
    script = tmp_path / ("test_block.py" if defines_tests else "block.py")
    script.write_text(block.code, encoding="utf-8")
    if defines_tests:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "-p", "no:randomly", "-p", "no:asyncio", "-W", "error",
                   str(script)]  # fmt: skip
    else:
        command = [sys.executable, "-W", "error", str(script)]
    result = subprocess.run(
        command, cwd=tmp_path, env=fake_server_env, capture_output=True, text=True,
        timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{block.name}\n{result.stdout}\n{result.stderr}"
    if defines_tests:
        assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout
    if block.expected_output is not None:
        assert result.stdout == block.expected_output, block.name
