#!/usr/bin/env python3
"""Write ``efundpay/_sync.py``, the blocking facade, from the async client and resources.

Usage::

    python scripts/gen_sync.py            # (re)write efundpay/_sync.py
    python scripts/gen_sync.py --check    # exit 1 when it is stale, naming the first difference

The async classes are read as source (``ast``), never imported.  Each becomes a twin with
the same public members, parameters, defaults, annotations and docstrings; every call runs
the async method on the client's :class:`efundpay._runner.Runner`.  The rules:

- ``AsyncEFundPay``/``AsyncCustomers``/``AsyncSubscriptions`` become ``EFundPay``/
  ``Customers``/``Subscriptions``; ``aclose``/``__aenter__``/``__aexit__`` become
  ``close``/``__enter__``/``__exit__``, in code and in docstrings.
- In docstrings, ``await x(...)`` loses its ``await`` (continuation lines aligned under it
  move left with it) and ``async with`` becomes ``with``, so examples are right for sync code.
- ``async def`` methods block on the runner; properties and plain methods delegate;
  ``with_options`` returns a twin sharing the runner and the connection pool; private
  members (``_request``…) are not copied.  A member no rule covers is an error, not a guess.

Every rule must be used at least once: when the async code is renamed under a rule, the
generator fails (in both modes) instead of silently producing something else.  The rules
are in ``scripts/_sync_rules.py``, the writing of a twin class in ``scripts/_sync_writer.py``,
and the bodies of members that do more than delegate are real Python in
``scripts/_sync_template.py`` (read by ``scripts/_sync_templates.py``).
"""

from __future__ import annotations

import argparse
import difflib
import functools
import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from _sync_rules import COMMAND, HEADER, MODULE_DOC, OUTPUT, TARGETS, GenerationError, Rules
from _sync_templates import Templates
from _sync_writer import SourceModule, Writer, render_imports, twin

__all__ = ["GenerationError", "Rules", "first_difference", "generate", "main"]


def generate(root: Path, rules: Rules | None = None) -> str:
    """The text ``efundpay/_sync.py`` should have, formatted by ruff."""
    rules = rules or Rules.create()
    writer = Writer(rules, Templates.read())
    classes = [twin(writer, t, SourceModule.read(root, t.path)) for t in TARGETS]
    rules.check_all_used()
    names = sorted(t.sync_name for t in TARGETS)
    source = "\n\n\n".join(
        [
            HEADER
            + MODULE_DOC
            + "\nfrom __future__ import annotations\n\n"
            + render_imports(writer.imports),
            f"__all__ = {names!r}",
            *classes,
        ]
    )
    source = writer.place_docstrings(source)
    source = _ruff(
        root, ["check", "--fix", "--select", "I", "--exit-zero", "--quiet"], source + "\n"
    )
    return _ruff(root, ["format", "--quiet"], source)


@functools.cache
def _ruff_command() -> tuple[str, ...]:
    # The ruff installed next to this Python (a venv), else on PATH, else as a module.
    for candidate in (Path(sys.executable).with_name("ruff"), shutil.which("ruff")):
        if candidate is not None and Path(candidate).is_file():
            return (str(candidate),)
    if importlib.util.find_spec("ruff") is not None:
        return (sys.executable, "-m", "ruff")
    raise GenerationError("ruff is needed to format the output: pip install ruff")


def _ruff(root: Path, args: list[str], source: str) -> str:
    command = _ruff_command()
    result = subprocess.run(
        [*command, *args, "--stdin-filename", OUTPUT, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if result.returncode != 0:
        raise GenerationError(f"ruff {args[0]} failed:\n{result.stderr}")
    return result.stdout


def first_difference(old: str, new: str) -> str:
    """Where ``old`` (on disk) first differs from ``new`` (generated), for humans."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            return f"line {number}:\n  on disk:   {a!r}\n  generated: {b!r}"
    number = min(len(old_lines), len(new_lines)) + 1
    extra = "on disk" if len(old_lines) > len(new_lines) else "generated"
    return f"line {number}: only the {extra} version has lines from here on"


def main(argv: list[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    options = parser.parse_args(argv)
    path = options.root / OUTPUT
    try:
        expected = generate(options.root)
    except (GenerationError, SyntaxError) as exc:
        out(f"gen_sync: {exc}")
        return 1
    if options.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == expected:
            return 0
        where = first_difference(current, expected) if current else "the file does not exist"
        diff = "".join(
            difflib.unified_diff(
                current.splitlines(True), expected.splitlines(True), OUTPUT, "generated", n=1
            )
        )
        out(f"{OUTPUT} is stale; first difference at {where}\nRun: {COMMAND}\n\n{diff[:4000]}")
        return 1
    path.write_text(expected, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
