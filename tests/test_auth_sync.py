"""Signed requests from the blocking client: many threads, one token; and across fork()."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay import EFundPay
from tests.helpers import NO_WAIT
from tests.signing_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    MERCHANT,
    SigningServer,
    jwt_auth,
    pem,
    rsa_key,
    serving,
    signed_auth,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server() -> Iterator[SigningServer]:
    with serving() as running:
        yield running


def test_sixteen_threads_share_one_token_fetch(server: SigningServer) -> None:
    server.token_delay = 0.05  # every thread's call arrives while the fetch is in flight
    start = threading.Barrier(16)
    failures: list[BaseException] = []
    with EFundPay(
        merchant_account_id=MERCHANT,
        base_url=server.url,
        v3_auth=signed_auth(server),
        auth=jwt_auth(),
        retry=NO_WAIT,
    ) as client:

        def work(number: int) -> None:
            start.wait()
            try:
                client.customers.toggle(f"cus_{number}")
                client.subscriptions.pause(f"sub_{number}")
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert failures == []
    assert server.grants == [{"grantType": "client_credentials"}]
    assert [r["refused"] for r in server.v3_requests] == [None] * 16
    assert len({r["claims"]["jti"] for r in server.v4_requests}) == 16


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_fetches_even_if_the_parent_held_the_token_lock(
    server: SigningServer, tmp_path: Path
) -> None:
    key_file = tmp_path / "v3.pem"
    key_file.write_bytes(pem(rsa_key("v3")))
    code = """
        import os, signal, threading
        from efundpay import EFundPay

        client = EFundPay()  # configured by the environment alone
        client.customers.toggle("cus_parent")
        tokens = client.v3_auth.tokens
        tokens.expire(tokens.token)  # the child must fetch
        held, release = threading.Event(), threading.Event()

        def hold():
            with tokens._guard:  # a thread of the parent is inside the cache at fork()
                held.set()
                release.wait()

        threading.Thread(target=hold, daemon=True).start()
        held.wait()
        pid = os.fork()
        if pid == 0:
            signal.alarm(20)  # a deadlock fails the child instead of hanging the test
            try:
                client.customers.toggle("cus_child")
            except BaseException as exc:
                print("child failed:", type(exc).__name__, exc, flush=True)
                os._exit(1)
            os._exit(0)
        release.set()
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status), flush=True)
        client.close()
    """
    env = {
        **os.environ,
        "EFUNDPAY_BASE_URL": server.url,
        "EFUNDPAY_V3_CLIENT_ID": CLIENT_ID,
        "EFUNDPAY_V3_CLIENT_SECRET": CLIENT_SECRET,
        "EFUNDPAY_V3_PRIVATE_KEY_FILE": str(key_file),
        "EFUNDPAY_V3_TOKEN_URL": server.token_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    for name in ("EFUNDPAY_API_KEY", "EFUNDPAY_MERCHANT_ACCOUNT_ID", "EFUNDPAY_JWT_KEY_ID"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "child exit 0" in result.stdout, result.stdout + result.stderr
    assert [g["grantType"] for g in server.grants] == ["client_credentials", "refresh_token"]
    assert [r["path"] for r in server.v3_requests] == [
        "/v3/recurring-payment/cus_parent/toggle",
        "/v3/recurring-payment/cus_child/toggle",
    ]
    assert [r["refused"] for r in server.v3_requests] == [None, None]
