"""A pytest plugin for running the suite in pytest-xdist's worker processes.

``tests/conftest.py`` loads it for the suite; ``-p tests.xdist_reports`` loads it anywhere.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Captured output is reported as UTF-8 text, a lone surrogate escaped.

    A header a hostile server sends as non-UTF-8 bytes reaches the debug log as lone
    surrogates; pytest-xdist's channel to its workers carries only UTF-8 and would crash on
    such a report (the test passed; the run would not).
    """
    report = yield
    report.sections = [(name, _utf8(text)) for name, text in report.sections]
    return report


def _utf8(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
