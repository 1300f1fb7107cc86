"""``efundpay fake-server --strict-auth``: a separate process that checks credentials, writes
its throwaway keys and an env file owner-only, prints their paths and never a secret."""

from __future__ import annotations

import json
import secrets
import select
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.helpers import ctrl_c_reaches_children
from tests.test_cli_process import ROOT, TIMEOUT, environment
from tests.test_fake_strict_support import basic, jwt_claims, vendor_signature


@contextmanager
def strict_server(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A running ``fake-server --strict-auth`` and its first line; stopped with SIGTERM."""
    command = [sys.executable, "-m", "efundpay", "fake-server", "--port", "0", "--strict-auth"]
    with ctrl_c_reaches_children(), subprocess.Popen(
        [*command, *options], cwd=ROOT, env=environment(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
            assert ready, "fake-server printed nothing"
            yield process, process.stdout.readline()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        (env[name],) = shlex.split(value)
    return env


def call(url: str, method: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def signed_toggle_and_jwt_pause(env: dict[str, str]) -> None:
    """Use every setting of ``env`` as a client would; both calls must be accepted."""
    status, grant = call(
        env["EFUNDPAY_V3_TOKEN_URL"], "POST",
        {"Authorization": basic(env["EFUNDPAY_V3_CLIENT_ID"], env["EFUNDPAY_V3_CLIENT_SECRET"]),
         "Content-Type": "application/json"},
        b'{"grantType":"client_credentials"}',
    )  # fmt: skip
    assert status == 200, grant
    key = serialization.load_pem_private_key(
        Path(env["EFUNDPAY_V3_PRIVATE_KEY_FILE"]).read_bytes(), None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    url = env["EFUNDPAY_V3_BASE_URL"] + "/v3/recurring-payment/cus_123/toggle"
    nonce, timestamp = secrets.token_hex(16), str(int(time.time()))
    signature = vendor_signature(key, method="post", url=url, nonce=nonce, timestamp=timestamp,
                                 body=b"")  # fmt: skip
    headers = {"Authorization": f"Bearer {grant['accessToken']}", "X-Signature": signature,
               "X-Nonce-Str": nonce, "X-Timestamp": timestamp}  # fmt: skip
    status, toggled = call(url, "POST", headers)
    assert (status, toggled["item"]["isActive"]) == (200, False)

    token = jwt.encode(
        jwt_claims(env["EFUNDPAY_MERCHANT_ACCOUNT_ID"]),
        Path(env["EFUNDPAY_PRIVATE_KEY_FILE"]).read_bytes(),
        algorithm="RS512",
        headers={"kid": env["EFUNDPAY_JWT_KEY_ID"]},
    )
    status, paused = call(
        env["EFUNDPAY_BASE_URL"] + "/v4/subscriptions/sub_1234567890abcdef/status", "POST",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
         "x-merchant-account-id": env["EFUNDPAY_MERCHANT_ACCOUNT_ID"]},
        b'{"status":"paused"}',
    )  # fmt: skip
    assert (status, paused["status"]) == (200, "paused")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_json_announcement_names_the_files_which_configure_a_working_client(
    tmp_path: Path,
) -> None:
    key_dir = tmp_path / "keys"
    with strict_server("--json", "--key-dir", str(key_dir)) as (_, first):
        announced = json.loads(first)
        env_file = Path(announced["env_file"])
        env = read_env_file(env_file)
        signed_toggle_and_jwt_pause(env)

    assert announced["strict_auth"] is True
    assert env_file.parent == key_dir
    secret = env["EFUNDPAY_V3_CLIENT_SECRET"]
    assert "EFUNDPAY_V3_CLIENT_SECRET" not in announced["environment"]
    assert secret not in first
    for name in ("EFUNDPAY_V3_PRIVATE_KEY_FILE", "EFUNDPAY_PRIVATE_KEY_FILE"):
        assert announced["environment"][name] == env[name]
        assert Path(env[name]).stat().st_mode & 0o777 == 0o600
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert key_dir.exists()  # a directory the user named is kept


def test_text_announcement_prints_no_secret_and_its_temporary_keys_are_removed() -> None:
    with strict_server() as (process, first):
        assert process.stdout is not None
        lines = [first]
        while "Press Ctrl-C" not in lines[-1]:
            lines.append(process.stdout.readline())
        text = "".join(lines)
        env_file = Path(text.split("set -a; . ", 1)[1].split(";", 1)[0])
        env = read_env_file(env_file)
        v3_key = Path(env["EFUNDPAY_V3_PRIVATE_KEY_FILE"]).read_text()

    assert first.startswith("Fake eFundPay listening on http://127.0.0.1:")
    assert env["EFUNDPAY_V3_CLIENT_SECRET"] not in text
    assert "PRIVATE KEY-----" not in text and v3_key.splitlines()[1] not in text
    assert "EFUNDPAY_API_KEY" not in text  # not accepted by a strict fake
    assert not env_file.parent.exists()
