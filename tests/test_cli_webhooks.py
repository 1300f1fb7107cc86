"""``efundpay webhooks verify`` and ``send``: exit codes, output, and nothing secret printed."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from efundpay.cli import ExitCode, run

from .notification_signers import go_json, key_pair, sign_v3, sign_v4
from .test_fake_notifications import Endpoint, threaded_endpoint

CHARGE = {
    "eventType": "RECURRING_PAYMENT",
    "data": {"amount": 990, "currency": "MYR", "orderId": "ord_9", "customerId": "cus_9"},
}
EVENT = {
    "id": "evt_9",
    "type": "subscription.cancelled",
    "data": {"subscription": {"id": "sub_9", "status": "cancelled"}},
}


def cli(*argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def saved(tmp_path: Path, payload: bytes, headers: Any) -> list[str]:
    (tmp_path / "body.json").write_bytes(payload)
    (tmp_path / "headers").write_text(headers if isinstance(headers, str) else json.dumps(headers))
    (tmp_path / "server.pem").write_bytes(key_pair()[1])
    return [
        "--public-key",
        str(tmp_path / "server.pem"),
        "--headers",
        str(tmp_path / "headers"),
        str(tmp_path / "body.json"),
    ]


def v3_saved(tmp_path: Path, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    payload = go_json(CHARGE)
    stamp = int(time.time()) if timestamp is None else timestamp
    return payload, sign_v3(key_pair()[0], payload, nonce="n0nce", timestamp=stamp)


def test_verify_prints_what_a_genuine_v3_notification_says(tmp_path: Path) -> None:
    payload, headers = v3_saved(tmp_path, timestamp=int(time.time()) - 86_400)
    code, out, _ = cli("webhooks", "verify", "--kind", "v3", *saved(tmp_path, payload, headers))
    assert code == ExitCode.OK
    assert "verified" in out and "ord_9" in out and "990 MYR" in out


def test_verify_reads_headers_saved_as_http_lines_and_checks_time_only_when_asked(
    tmp_path: Path,
) -> None:
    payload, headers = v3_saved(tmp_path, timestamp=int(time.time()) - 3600)
    lines = "HTTP/1.1 200 OK\n" + "".join(f"{k}: {v}\n" for k, v in headers.items())
    args = saved(tmp_path, payload, lines)
    assert cli("webhooks", "verify", "--kind", "v3", *args)[0] == ExitCode.OK
    code, _, err = cli("webhooks", "verify", "--kind", "v3", "--tolerance", "120", *args)
    assert code == ExitCode.NOT_VERIFIED
    assert int(ExitCode.NOT_VERIFIED) == 10
    assert "X-Timestamp" in err


def test_verify_of_a_tampered_notification_exits_10_without_printing_body_or_signature(
    tmp_path: Path,
) -> None:
    payload, headers = v3_saved(tmp_path)
    tampered = payload.replace(b"990", b"999")
    code, out, err = cli(
        "webhooks", "verify", "--kind", "v3", "--json", *saved(tmp_path, tampered, headers)
    )
    assert code == ExitCode.NOT_VERIFIED
    error = json.loads(out)["error"]
    assert (error["error_type"], error["exit_code"]) == ("WebhookVerificationError", 10)
    assert "999" not in out + err and headers["X-Signature"][7:30] not in out + err


def test_verify_a_v4_webhook_with_json_output(tmp_path: Path) -> None:
    payload = json.dumps(EVENT).encode()
    headers = {"signature": sign_v4(key_pair()[0], EVENT)}
    code, out, _ = cli(
        "webhooks", "verify", "--kind", "v4", "--json", *saved(tmp_path, payload, headers)
    )
    assert code == ExitCode.OK
    document = json.loads(out)
    assert document["verified"] is True
    assert document["notification"]["data"]["subscription"]["status"] == "cancelled"


def test_verify_with_an_unreadable_file_or_an_unusable_key(tmp_path: Path) -> None:
    payload, headers = v3_saved(tmp_path)
    args = saved(tmp_path, payload, headers)
    missing = [*args[:-1], str(tmp_path / "nope.json")]
    assert cli("webhooks", "verify", "--kind", "v3", *missing)[0] == ExitCode.USAGE
    (tmp_path / "server.pem").write_text("not a key")
    assert cli("webhooks", "verify", "--kind", "v3", *args)[0] == ExitCode.CONFIGURATION


@pytest.mark.parametrize("kind", ["v3", "v4"])
def test_send_delivers_with_a_key_it_writes_and_the_endpoint_verifies_with(
    kind: str, tmp_path: Path
) -> None:
    private, public = tmp_path / "test.key", tmp_path / "test.pub"
    keys = ["--private-key", str(private), "--public-key-out", str(public)]
    nobody_listens = "http://127.0.0.1:9/"
    assert cli("webhooks", "send", "--kind", kind, *keys, nobody_listens)[0] == ExitCode.CONNECTION
    assert private.stat().st_mode & 0o077 == 0  # a key file only its owner reads
    endpoint = Endpoint(public.read_bytes())
    with threaded_endpoint(endpoint) as url:
        base = ["webhooks", "send", "--kind", kind, "--private-key", str(private), f"{url}/{kind}"]
        code, out, _ = cli(*base)
        assert (code, "HTTP 200 (as expected)" in out) == (ExitCode.OK, True)
        assert cli(*base, "--fault", "bad_signature")[0] == ExitCode.OK  # refused, as it should be
        code, out, _ = cli(*base, "--fault", "duplicate", "--json")
        assert [d["status"] for d in json.loads(out)["deliveries"]] == [200, 200]
    assert len(endpoint.acted) == 2


def test_send_says_when_an_endpoint_accepts_what_it_must_refuse(tmp_path: Path) -> None:
    class Gullible(Endpoint):
        def handle(self, path: str, body: bytes, headers: Any) -> tuple[int, bytes]:
            return 200, b"{}"

    with threaded_endpoint(Gullible(b"")) as url:
        code, out, _ = cli("webhooks", "send", "--kind", "v3", "--fault", "stale_timestamp", url)
    assert code == ExitCode.SOME_FAILED
    assert "NOT as expected" in out


def test_send_refuses_a_stale_v4_fault() -> None:
    code, _, err = cli("webhooks", "send", "--kind", "v4", "--fault", "stale_timestamp", "http://x")
    assert code == ExitCode.USAGE and "v3 only" in err


def test_fake_server_send_delivers_one_notification_instead_of_serving(tmp_path: Path) -> None:
    private, public = tmp_path / "fake.key", tmp_path / "fake.pub"
    keys = ["--private-key", str(private), "--public-key-out", str(public)]
    unreachable = ["--to", "http://127.0.0.1:9/"]
    assert cli("fake-server", "--send", "v3", *unreachable, *keys)[0] == ExitCode.CONNECTION
    endpoint = Endpoint(public.read_bytes())
    with threaded_endpoint(endpoint) as url:
        base = ["fake-server", "--private-key", str(private)]
        code, out, _ = cli(*base, "--send", "v3", "--to", f"{url}/v3", "--amount", "4200")
        assert (code, "HTTP 200 (as expected)" in out) == (ExitCode.OK, True)
        assert cli(*base, "--send", "v4", "--to", f"{url}/v4", "--fault", "tampered_body")[0] == 0
    assert [n.amount for n in endpoint.acted] == [4200]
    assert endpoint.refused == ["bad_signature"]
    code, _, err = cli("fake-server", "--send", "v3")
    assert code == ExitCode.USAGE and "--to" in err
