"""The command line's signed-request settings: flags and files, never a secret in a flag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay.__main__ import main
from efundpay.cli import ExitCode
from tests.signing_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    KEY_ID,
    MERCHANT,
    SigningServer,
    pem,
    rsa_key,
    serving,
)
from tests.test_auth_config import AUTH_VARS


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SigningServer]:
    for name in AUTH_VARS:
        monkeypatch.delenv(name, raising=False)
    with serving() as running:
        yield running


def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"jwt": tmp_path / "jwt.pem", "v3": tmp_path / "v3.pem", "secret": tmp_path / "s"}
    paths["jwt"].write_bytes(pem(rsa_key("jwt")))
    paths["v3"].write_bytes(pem(rsa_key("v3")))
    paths["secret"].write_text(CLIENT_SECRET + "\n")
    return paths


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    status = main(argv)
    captured = capsys.readouterr()
    printed = captured.out + captured.err
    assert CLIENT_SECRET not in printed
    return status, printed


def test_a_signed_toggle_from_flags_needs_no_api_key_and_no_merchant(
    server: SigningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = files(tmp_path)
    status, printed = run(
        capsys,
        [
            "--json",
            "--base-url", "http://127.0.0.1:9",  # v4 host: unused by a toggle
            "--v3-base-url", server.url,
            "--v3-client-id", CLIENT_ID,
            "--v3-client-secret-file", str(paths["secret"]),
            "--v3-private-key-file", str(paths["v3"]),
            "--v3-token-url", server.token_url,
            "--v3-route", "customer-status",
            "customers", "toggle", "cus_1",
        ],
    )  # fmt: skip

    assert status == ExitCode.OK, printed
    assert json.loads(printed)["customer"]["id"] == "cus_1"
    [seen] = server.v3_requests
    assert (seen["method"], seen["path"], seen["refused"]) == (
        "PUT",
        "/v3/customer/cus_1/status",
        None,
    )


def test_a_pause_signed_with_a_jwt_from_flags(
    server: SigningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = files(tmp_path)
    status, printed = run(
        capsys,
        [
            "subscriptions", "pause", "sub_1",
            "--base-url", server.url,
            "--merchant-account-id", MERCHANT,
            "--jwt-key-id", KEY_ID,
            "--private-key-file", str(paths["jwt"]),
        ],
    )  # fmt: skip

    assert status == ExitCode.OK, printed
    assert server.v4_requests[0]["header"]["kid"] == KEY_ID


def test_half_a_set_of_signing_flags_is_a_configuration_error(
    server: SigningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, printed = run(capsys, ["customers", "toggle", "cus_1", "--v3-client-id", CLIENT_ID])
    assert status == ExitCode.CONFIGURATION
    assert "EFUNDPAY_V3_CLIENT_SECRET" in printed
    assert server.grants == []
