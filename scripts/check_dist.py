"""Check that a built sdist and wheel hold what a release needs (``nox -s package``).

    python scripts/check_dist.py dist/efundpay-0.1.0.tar.gz dist/efundpay-0.1.0-py3-none-any.whl

The wheel needs the package with its ``py.typed`` marker, the pytest plugin and both entry
points, and no tests; the sdist needs everything to rebuild, test and document the package:
the test suite with its data (the vendor's signature vector), the docs, the noxfile.  Prints
each problem and exits 1 when there is one.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import PurePosixPath

__all__ = ["problems", "sdist_problems", "wheel_problems"]

WHEEL_FILES = ("efundpay/__init__.py", "efundpay/py.typed", "efundpay/testing/pytest_plugin.py")
# What entry_points.txt must declare: the command, and the plugin pytest loads by itself.
ENTRY_POINTS = (
    ("[console_scripts]", "efundpay = efundpay.__main__:main"),
    ("[pytest11]", "efundpay = efundpay.testing.pytest_plugin"),
)
SDIST_FILES = (
    "pyproject.toml",
    "README.md",
    "CHANGELOG.md",
    "noxfile.py",
    "efundpay/py.typed",
    "tests/conftest.py",
    "tests/data/rm-signature-vector.json",
    "docs/conf.py",
    "docs/quickstart.md",
    "scripts/gen_sync.py",
)
# Build or tool leftovers that must never ship.
NEVER = ("__pycache__", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "_build")


def _stray(names: Iterable[str]) -> list[str]:
    return sorted(
        f"must not ship {name}" for name in names if set(PurePosixPath(name).parts) & set(NEVER)
    )


def wheel_problems(names: Iterable[str], entry_points: str) -> list[str]:
    """What is wrong with a wheel holding ``names`` and this ``entry_points.txt``."""
    names = list(names)
    found = [f"wheel lacks {f}" for f in WHEEL_FILES if f not in names]
    found += [f"wheel ships the tests: {n}" for n in names if n.startswith("tests/")][:1]
    sections = _sections(entry_points)
    found += [
        f"wheel lacks the entry point {line!r} in {section}"
        for section, line in ENTRY_POINTS
        if line not in sections.get(section, [])
    ]
    return found + _stray(names)


def sdist_problems(names: Iterable[str]) -> list[str]:
    """What is wrong with an sdist holding ``names`` (paths below its top directory)."""
    names = list(names)
    return [f"sdist lacks {f}" for f in SDIST_FILES if f not in names] + _stray(names)


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if line.startswith("["):
            current = line
        elif line:
            sections.setdefault(current, []).append(line)
    return sections


def problems(paths: Iterable[str]) -> list[str]:
    """Every problem with the sdists and wheels at ``paths``."""
    found: list[str] = []
    for path in paths:
        if path.endswith(".whl"):
            with zipfile.ZipFile(path) as wheel:
                names = wheel.namelist()
                (entry_file,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
                found += wheel_problems(names, wheel.read(entry_file).decode())
        elif path.endswith(".tar.gz"):
            with tarfile.open(path) as sdist:
                # Every member sits below "efundpay-<version>/".
                found += sdist_problems(
                    str(PurePosixPath(*PurePosixPath(n).parts[1:])) for n in sdist.getnames()
                )
        else:
            found.append(f"not an sdist or a wheel: {path}")
    return found


def main(argv: list[str]) -> int:
    """Check the files named in ``argv``; exit status 1 when anything is wrong."""
    if not any(a.endswith(".whl") for a in argv) or not any(a.endswith(".tar.gz") for a in argv):
        print("check_dist: give an sdist and a wheel", file=sys.stderr)
        return 2
    found = problems(argv)
    for problem in found:
        print(f"check_dist: {problem}", file=sys.stderr)
    if not found:
        print(f"check_dist: {len(argv)} files hold what a release needs")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
