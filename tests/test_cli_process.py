"""The command line as a user runs it: a separate process, exit statuses, signals."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import anyio
import pytest

from efundpay import AsyncEFundPay
from tests.helpers import ctrl_c_reaches_children

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60


def environment() -> dict[str, str]:
    """The caller's environment without EFUNDPAY_* settings: a fresh user's shell."""
    return {name: value for name, value in os.environ.items() if not name.startswith("EFUNDPAY_")}


def efundpay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "efundpay", *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_console_script_is_main() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["efundpay"] == "efundpay.__main__:main"


def test_python_m_efundpay_help_documents_credentials_and_exit_codes() -> None:
    result = efundpay("--help")
    assert result.returncode == 0, result.stderr
    for text in ("demo", "customers", "subscriptions", "fake-server", "EFUNDPAY_API_KEY",
                 "exit codes:", "outcome unknown"):  # fmt: skip
        assert text in result.stdout


def test_demo_prints_the_table_with_no_credentials() -> None:
    result = efundpay("demo")
    assert result.returncode == 0, result.stderr
    header = "operation             id                    result"
    assert header in result.stdout
    rows = result.stdout.splitlines()
    assert sum(row.startswith("subscriptions.") for row in rows) == 3
    assert "4111111111111111" not in result.stdout


@pytest.mark.parametrize(("stop", "json_mode"), [(signal.SIGTERM, False), (signal.SIGINT, True)])
def test_fake_server_serves_and_stops_cleanly(stop: signal.Signals, json_mode: bool) -> None:
    command = [sys.executable, "-m", "efundpay", "fake-server", "--port", "0"]
    command += ["--json"] if json_mode else []
    with ctrl_c_reaches_children(), subprocess.Popen(
        command, cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
            assert ready, "fake-server printed nothing"
            first = process.stdout.readline()
            if json_mode:
                announced = json.loads(first)
                url = announced["base_url"]
                assert announced["environment"]["EFUNDPAY_API_KEY"] == "sk_test_fake"
            else:
                assert first.startswith("Fake eFundPay listening on ")
                url = first.rsplit(" ", 1)[1].strip()
            assert url.startswith("http://127.0.0.1:")

            async def toggle() -> bool:
                async with AsyncEFundPay(api_key="sk_test_fake", merchant_account_id="acct_fake",
                                         base_url=url) as client:  # fmt: skip
                    return (await client.customers.toggle("cus_123")).is_active

            assert anyio.run(toggle) is False
            process.send_signal(stop)
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
        # The same buffered streams as readline(), which may have read ahead.
        out, err = first + process.stdout.read(), process.stderr.read()
    assert process.returncode == 0, err
    assert json_mode or "EFUNDPAY_API_KEY=sk_test_fake" in out
    assert "fake eFundPay stopped" in err
    assert "Traceback" not in err
