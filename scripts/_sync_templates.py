"""Reading ``scripts/_sync_template.py``: the bodies the sync twins take from real Python.

A member's body is copied as its source text (comments kept), its placeholder names replaced,
and each ``for NAME in OPERATIONS:`` / ``for NAME in RESOURCES:`` loop written out once per
item.  See the template module's docstring for the placeholders.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from _sync_rules import TEMPLATE, GenerationError

_HERE = Path(__file__).resolve().parent
_LOOP = re.compile(r"for (\w+) in (OPERATIONS|RESOURCES):")


@dataclass(frozen=True)
class Templates:
    """The template module's members, by ``"Class.member"``."""

    lines: Sequence[str]
    members: Mapping[str, ast.FunctionDef]

    @classmethod
    def read(cls, path: Path = _HERE / Path(TEMPLATE).name) -> Templates:
        """Parse the template module (next to this one: it belongs to the generator, not to
        the sources it reads, which ``--root`` may put elsewhere)."""
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=TEMPLATE)
        members = {
            f"{node.name}.{item.name}": item
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            for item in node.body
            if isinstance(item, ast.FunctionDef)
        }
        return cls(text.split("\n"), members)

    def _member(self, key: str) -> ast.FunctionDef:
        try:
            return self.members[key]
        except KeyError:
            raise GenerationError(f"{TEMPLATE}: no member {key}") from None

    def header(self, key: str, names: Mapping[str, str]) -> str:
        """The member's ``def`` line(s), placeholders replaced."""
        func = self._member(key)
        text = "\n".join(self.lines[func.lineno - 1 : func.body[0].lineno - 1])
        return fill(textwrap.dedent(text), names)

    def body(
        self,
        key: str,
        names: Mapping[str, str],
        items: Sequence[Mapping[str, str]] = (),
    ) -> list[str]:
        """The member's body as lines, placeholders replaced and loops written out.

        ``items`` gives, for each pass of a loop, the names that pass replaces.
        """
        func = self._member(key)
        end = func.end_lineno or func.body[-1].lineno
        text = textwrap.dedent("\n".join(self.lines[func.body[0].lineno - 1 : end]))
        out: list[str] = []
        lines = text.split("\n")
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if not _LOOP.fullmatch(line.strip()):
                out.append(fill(line, names))
                continue
            indent = len(line) - len(line.lstrip())
            inner: list[str] = []
            while index < len(lines) and len(lines[index]) - len(lines[index].lstrip()) > indent:
                inner.append(lines[index])
                index += 1
            for item in items:
                for body_line in textwrap.dedent("\n".join(inner)).split("\n"):
                    out.append(" " * indent + fill(body_line, {**names, **item}))
        return out


def fill(text: str, names: Mapping[str, str]) -> str:
    """``text`` with each placeholder name replaced (whole identifiers only)."""
    for name, value in names.items():
        text = re.sub(rf"\b{name}\b", value, text)
    return text
