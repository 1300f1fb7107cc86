"""The noxfile finds the Pythons pyenv and uv installed, and says loudly which are missing.

The noxfile is loaded from a copy in a temporary directory, with ``PATH`` and the version
managers' directories pointed at trees of stand-in interpreters, so nothing here depends on
what this machine has installed, and the checkout's ``.nox`` is left alone.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
from pathlib import Path
from types import ModuleType

import nox
import nox.registry
import pytest

ROOT = Path(__file__).resolve().parents[1]


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def load_noxfile(directory: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a copy of the noxfile from ``directory`` (its .nox goes there too)."""
    # Loading registers sessions and sets options in nox's globals: start from an empty
    # registry, and let monkeypatch put back what the noxfile changes.
    monkeypatch.setattr(nox.registry, "_REGISTRY", {})
    for option in ("sessions", "error_on_missing_interpreters", "default_venv_backend",
                   "reuse_existing_virtualenvs"):  # fmt: skip
        monkeypatch.setattr(nox.options, option, getattr(nox.options, option))
    monkeypatch.delenv("UV_PYTHON_DOWNLOADS", raising=False)
    shutil.copy(ROOT / "noxfile.py", directory / "noxfile.py")
    shutil.copy(ROOT / "pyproject.toml", directory / "pyproject.toml")
    monkeypatch.chdir(directory)
    spec = importlib.util.spec_from_file_location("noxfile_under_test", directory / "noxfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty machine: nothing on PATH, no pyenv, no uv-managed Pythons, no CI."""
    for name in ("CI", "PYENV_ROOT", "UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME", "PYENV_VERSION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    (tmp_path / "project").mkdir()
    return tmp_path


def test_find_interpreters_prefers_path_then_the_newest_pyenv_then_uv(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    noxfile = load_noxfile(machine / "project", monkeypatch)
    on_path = executable(machine / "bin" / "python3.11")
    executable(machine / "home/.pyenv/shims/python3.12")  # a shim: fails unless 3.12 is active
    executable(machine / "home/.pyenv/versions/3.11.7/bin/python3.11")
    executable(machine / "home/.pyenv/versions/3.12.1/bin/python3.12")
    newest = executable(
        machine / "home/.pyenv/versions/3.12.10/bin/python3.12"
    )  # 10 > 1, not "1" < "9"
    executable(machine / "home/.pyenv/versions/3.12.9/bin/python3.12")
    (machine / "home/.pyenv/versions/3.12-dev/bin").mkdir(parents=True)  # no interpreter in it
    uv_python = machine / "home/.local/share/uv/python/cpython-3.13.0-linux-x86_64-gnu"
    uv = executable(uv_python / "bin/python3.13")
    path = os.pathsep.join([str(machine / "home/.pyenv/shims"), str(machine / "bin")])

    found = noxfile.find_interpreters(
        ["3.11", "3.12", "3.13", "3.14"],
        path=path,
        roots=noxfile.version_manager_roots({"HOME": str(machine / "home")}),
    )

    assert found == {"3.11": on_path, "3.12": newest, "3.13": uv, "3.14": None}


def test_version_manager_roots_follow_their_environment_variables(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    noxfile = load_noxfile(machine / "project", monkeypatch)
    env = {"HOME": "/h", "PYENV_ROOT": "/p", "UV_PYTHON_INSTALL_DIR": "/u"}
    assert noxfile.version_manager_roots(env) == [
        (Path("/p/versions"), ""),
        (Path("/u"), "cpython-"),
    ]
    assert noxfile.version_manager_roots({"HOME": "/h", "XDG_DATA_HOME": "/d"})[1] == (
        Path("/d/uv/python"),
        "cpython-",
    )


def test_loading_links_the_pyenv_pythons_onto_path_and_warns_with_install_commands(
    machine: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    python312 = executable(machine / "home/.pyenv/versions/3.12.1/bin/python3.12")
    caplog.set_level(logging.WARNING, logger="nox")

    noxfile = load_noxfile(machine / "project", monkeypatch)

    links = machine / "project/.nox/.pythons"
    assert os.environ["PATH"].split(os.pathsep)[0] == str(links)
    assert (links / "python3.12").resolve() == python312
    assert shutil.which("python3.12") == str(links / "python3.12")
    assert not (links / "python3.11").exists()
    warnings = [r.getMessage() for r in caplog.records if "not found" in r.getMessage()]
    found = re.fullmatch(r"Python 3\.11 not found; skipping (.*)(\. Install it .*)", warnings[0])
    assert found is not None
    skipped, tail = found.groups()
    assert {"tests-3.11", "lint", "typing", "generated", "docs", "package"} <= set(
        skipped.split(", ")
    )
    assert "tests-3.12" not in skipped
    assert tail == (
        ". Install it with `pyenv install 3.11` or `uv python install 3.11`, then run nox again."
    )
    assert warnings[1].startswith("Python 3.13 not found; skipping tests-3.13. Install it")
    assert len(warnings) == 2
    assert noxfile.nox.options.error_on_missing_interpreters is False


def test_in_ci_a_missing_python_is_an_error(
    machine: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CI", "true")
    caplog.set_level(logging.WARNING, logger="nox")

    noxfile = load_noxfile(machine / "project", monkeypatch)

    assert noxfile.nox.options.error_on_missing_interpreters is True
    assert any(
        r.getMessage().startswith("Python 3.12 not found; in CI that fails tests-3.12.")
        for r in caplog.records
    )


def test_package_is_a_default_session(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    noxfile = load_noxfile(machine / "project", monkeypatch)
    assert "package" in noxfile.nox.options.sessions
