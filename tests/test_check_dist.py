"""scripts/check_dist.py: what ``nox -s package`` requires of the sdist and the wheel."""

from __future__ import annotations

import importlib.util
import io
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_dist", ROOT / "scripts/check_dist.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_dist = _load()

ENTRY_POINTS = """\
[console_scripts]
efundpay = efundpay.__main__:main

[pytest11]
efundpay = efundpay.testing.pytest_plugin
"""


def make_wheel(path: Path, names: list[str], entry_points: str = ENTRY_POINTS) -> str:
    with zipfile.ZipFile(path, "w") as wheel:
        for name in names:
            wheel.writestr(name, "")
        wheel.writestr("efundpay-0.1.0.dist-info/entry_points.txt", entry_points)
    return str(path)


def make_sdist(path: Path, names: list[str]) -> str:
    with tarfile.open(path, "w:gz") as sdist:
        for name in names:
            info = tarfile.TarInfo(f"efundpay-0.1.0/{name}")
            sdist.addfile(info, io.BytesIO(b""))
    return str(path)


def test_a_complete_sdist_and_wheel_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = make_wheel(tmp_path / "efundpay-0.1.0-py3-none-any.whl", list(check_dist.WHEEL_FILES))
    sdist = make_sdist(tmp_path / "efundpay-0.1.0.tar.gz", list(check_dist.SDIST_FILES))

    assert check_dist.main([sdist, wheel]) == 0
    assert "2 files hold what a release needs" in capsys.readouterr().out


def test_a_wheel_without_py_typed_or_the_plugin_entry_point_or_with_tests_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [n for n in check_dist.WHEEL_FILES if n != "efundpay/py.typed"]
    names += ["tests/test_x.py", "efundpay/__pycache__/x.pyc"]
    wheel = make_wheel(
        tmp_path / "x.whl", names, "[console_scripts]\nefundpay = efundpay.__main__:main\n"
    )
    sdist = make_sdist(tmp_path / "x.tar.gz", list(check_dist.SDIST_FILES))

    assert check_dist.main([sdist, wheel]) == 1
    err = capsys.readouterr().err
    assert "wheel lacks efundpay/py.typed" in err
    assert "wheel ships the tests: tests/test_x.py" in err
    assert (
        "wheel lacks the entry point 'efundpay = efundpay.testing.pytest_plugin' in [pytest11]"
        in err
    )
    assert "must not ship efundpay/__pycache__/x.pyc" in err


def test_an_sdist_without_the_test_data_fails(tmp_path: Path) -> None:
    names = [n for n in check_dist.SDIST_FILES if not n.startswith("tests/data/")]
    sdist = make_sdist(tmp_path / "x.tar.gz", [*names, ".nox/tests-3.11/bin/python"])

    assert check_dist.problems([sdist]) == [
        "sdist lacks tests/data/rm-signature-vector.json",
        "must not ship .nox/tests-3.11/bin/python",
    ]


def test_it_needs_both_an_sdist_and_a_wheel(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "x.whl", list(check_dist.WHEEL_FILES))
    assert check_dist.main([wheel]) == 2
