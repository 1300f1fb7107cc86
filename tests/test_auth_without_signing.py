"""Without the ``signing`` extra: bearer use works, the signing classes say what to install.

Runs in the ``tests_without_signing`` nox session, where cryptography and PyJWT are not
installed, and in the full suite, where their absence is simulated in a child interpreter.
Imports nothing that needs them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.without_signing

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
    import sys
    if "--simulate" in sys.argv:
        sys.modules["cryptography"] = None  # every "import cryptography..." now fails
        sys.modules["jwt"] = None
    import asyncio
    import efundpay
    from efundpay import AsyncEFundPay, ConfigurationError, HTTPResponse, MockTransport
    from efundpay.auth import JWTAuth, SignedRequestAuth

    assert "cryptography" not in sys.modules or sys.modules["cryptography"] is None
    assert "jwt" not in sys.modules or sys.modules["jwt"] is None

    SUB = {"id": "sub_1", "status": "paused"}
    transport = MockTransport(lambda request: HTTPResponse.from_json(200, SUB))
    client = AsyncEFundPay(api_key="sk_test_x", merchant_account_id="acct_1",
                           transport=transport)
    sub = asyncio.run(client.subscriptions.pause("sub_1"))
    print("bearer:", sub.status, transport.requests[0].headers["Authorization"])

    for make in (
        lambda: JWTAuth(key_id="k", private_key=b"-----BEGIN PRIVATE KEY-----"),
        lambda: SignedRequestAuth(client_id="c", client_secret="s", private_key="/k.pem",
                                  token_url="https://oauth.example/v1/token"),
    ):
        try:
            make()
        except ConfigurationError as exc:
            print("refused:", exc)
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    for name in list(env):
        if name.startswith("EFUNDPAY_"):
            del env[name]
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("how", ["--simulate", "--as-installed"])
def test_bearer_works_and_signing_classes_name_the_extra(how: str) -> None:
    result = run(how)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "bearer: paused Bearer sk_test_x"
    if how == "--as-installed" and importlib.util.find_spec("cryptography") is not None:
        return  # the extra is installed here: the simulated run covers its absence
    assert lines[1:] == [
        "refused: JWTAuth private_key needs the cryptography package: install the signing "
        'extra: pip install "efundpay[signing]"',
        "refused: SignedRequestAuth private_key needs the cryptography package: install the "
        'signing extra: pip install "efundpay[signing]"',
    ]


def test_importing_the_sdk_loads_neither_cryptography_nor_pyjwt() -> None:
    code = (
        "import sys, efundpay, efundpay.auth; "
        "print(sorted({'cryptography', 'jwt'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.stdout.strip() == "[]", result.stderr
