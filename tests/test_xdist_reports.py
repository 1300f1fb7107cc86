"""The suite runs in pytest-xdist's workers (``nox``): what a test captures reaches the
controller, whatever bytes a hostile server sent."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]


def test_a_passing_test_whose_log_holds_undecodable_header_bytes_passes_in_a_worker(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aiohttp reads a header's non-UTF-8 bytes as lone surrogates; the SDK's debug log shows
    # the header, and xdist's channel carries UTF-8 only: without the plugin the worker's
    # report of this passing test crashes the run with an INTERNALERROR.
    pytester.makepyfile(
        test_log="""
        import logging

        def test_logs_a_request_id_read_from_undecodable_bytes():
            request_id = b"req-\\xff\\xfe".decode("utf-8", "surrogateescape")
            logging.getLogger("efundpay").warning("request_id=%s", request_id)
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    # Only the two plugins at work: the others' start-up would double this test's time.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest_subprocess(
        "-p", "xdist.plugin", "-p", "tests.xdist_reports", "-n", "1", "-p", "no:cacheprovider"
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
