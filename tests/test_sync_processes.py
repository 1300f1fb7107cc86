"""EFundPay in scripts of their own: exiting without close(), and across os.fork().

Each case is a real Python process (the fake runs here, on its own thread), so interpreter
exit and fork() happen for real without touching the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay.testing import FakeEFundPay

ROOT = Path(__file__).resolve().parent.parent
# Generous for a loaded CI machine; a hang at exit would take the whole 30 s.
PROMPT_EXIT = 15.0


@pytest.fixture
def fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        yield server


def run_script(
    fake: FakeEFundPay, code: str, *python_options: str
) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {
        **os.environ,
        "EFUNDPAY_API_KEY": fake.api_key,
        "EFUNDPAY_MERCHANT_ACCOUNT_ID": fake.merchant_account_id,
        "EFUNDPAY_BASE_URL": fake.url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *python_options, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    return result, time.monotonic() - started


def test_a_script_that_never_closes_its_clients_exits_promptly_and_quietly(
    fake: FakeEFundPay,
) -> None:
    code = """
        import threading
        from efundpay import EFundPay

        used = EFundPay()
        print(used.customers.toggle("cus_123").is_active)
        from_a_thread = EFundPay()
        worker = threading.Thread(target=from_a_thread.customers.toggle, args=("cus_123",))
        worker.start()
        worker.join()
        copy_only = EFundPay().with_options(max_retries=5)  # the original is unreachable
        print(copy_only.customers.toggle("cus_123").is_active)
        never_called = EFundPay()
    """
    # -W always: show every ResourceWarning (an unclosed session or socket) if there is one.
    result, elapsed = run_script(fake, code, "-W", "always")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\nFalse\n"
    assert result.stderr == ""  # no "Unclosed client session", no traceback
    assert elapsed < PROMPT_EXIT
    assert fake.customer("cus_123").toggle_count == 3


def test_exit_while_a_daemon_thread_waits_on_a_call_is_prompt_and_quiet(
    fake: FakeEFundPay,
) -> None:
    fake.delay_next(25, apply=False, operation="customers.toggle")
    code = """
        import threading, time
        from efundpay import EFundPay
        client = EFundPay()
        client.subscriptions.pause("sub_1234567890abcdef")
        def stuck():
            try:
                client.customers.toggle("cus_123")
            except BaseException:
                pass
        threading.Thread(target=stuck, daemon=True).start()
        time.sleep(0.2)
        print("leaving")
    """
    result, elapsed = run_script(fake, code, "-W", "always")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "leaving\n"
    assert "Unclosed" not in result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < PROMPT_EXIT


FORK_SCRIPT = """
    import os, sys, warnings
    from efundpay import EFundPay

    SUB = "sub_1234567890abcdef"
    client = EFundPay()

    def fork():
        with warnings.catch_warnings():
            # 3.12+ warns that forking a process with threads may deadlock the child: this
            # test is about that situation, and the client's runner is such a thread.
            warnings.simplefilter("ignore", DeprecationWarning)
            return os.fork()

    for exit_how in ("os._exit", "sys.exit"):
        # The parent has a running loop and a pooled keep-alive connection when it forks.
        print("parent", client.customers.toggle("cus_123").is_active, flush=True)
        pid = fork()
        if pid == 0:
            status = 1
            try:
                print("child", client.customers.toggle("cus_123").is_active, flush=True)
                print("child", client.subscriptions.pause(SUB).status, flush=True)
                print("child", client.subscriptions.resume(SUB).status, flush=True)
                status = 0
            finally:
                if exit_how == "os._exit":
                    os._exit(status)
                sys.exit(status)  # interpreter exit in the child, finalizers and all
        _, wait_status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(wait_status), flush=True)
        # The parent's pooled connection and loop were not disturbed by the child.
        print("parent", client.customers.toggle("cus_123").is_active, flush=True)
    client.close()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_client_made_before_fork_keeps_working_in_the_child_and_the_parent(
    fake: FakeEFundPay,
) -> None:
    result, elapsed = run_script(fake, FORK_SCRIPT)
    assert result.returncode == 0, result.stderr
    # The customer starts active, and every toggle, parent's or child's, flips it once.
    assert result.stdout.splitlines() == [
        *("parent False", "child True", "child paused", "child active", "child exit 0"),
        *("parent False", "parent True", "child False", "child paused", "child active"),
        *("child exit 0", "parent True"),
    ]
    assert fake.customer("cus_123").toggle_count == 6
    # Nothing printed, by the parent or by a child at its exit.  (With -W always, a child
    # that exits normally shows a ResourceWarning for the parent's connector it inherited:
    # the transport keeps that alive on purpose, because closing it would close the
    # parent's connections.)
    assert result.stderr == ""
    assert elapsed < PROMPT_EXIT
