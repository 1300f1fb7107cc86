"""Fork handling has one home: ``_forksafe`` registers the only OS hook, and in a real forked
child every piece of state that must not cross a fork is reset, in registration order.

The forks happen in a process of their own: forking the test runner (threads and all) would
be unsafe.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "efundpay"

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() only")


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )


def test_only_forksafe_registers_with_the_os() -> None:
    callers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "register_at_fork"
    }
    assert callers == {"_forksafe.py"}


_ORDER = """
import os, sys
from efundpay import _forksafe
seen = []
def first():
    seen.append(("first", _forksafe.generation))
def broken():
    raise RuntimeError("this reset failed")
def last():
    seen.append(("last", _forksafe.generation))
for callback in (first, broken, last):
    _forksafe.on_fork_in_child(callback)
unraisable = []
sys.unraisablehook = unraisable.append
before = _forksafe.generation
pid = os.fork()
if pid == 0:
    ok = seen == [("first", before + 1), ("last", before + 1)]
    ok = ok and [str(u.exc_value) for u in unraisable] == ["this reset failed"]
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
sys.exit(0 if os.waitstatus_to_exitcode(status) == 0 and seen == [] else 2)
"""


@needs_fork
def test_resets_run_in_the_child_in_registration_order_after_the_fork_is_counted() -> None:
    # and one that raises is reported without leaving the later ones undone
    done = _run(_ORDER)
    assert done.returncode == 0, done.stdout + done.stderr


_EVERY_PIECE = """
import asyncio, math, os, sys, threading
from efundpay import new_idempotency_key
from efundpay._runner import Runner
from efundpay._secret import Secret
from efundpay.auth._token import Token, TokenCache

async def nothing():
    pass

async def answer():
    return 42

async def fetch(old):
    return Token(Secret("tok_parent"), None, math.inf, None)

# The parent holds random bytes for its next keys; a token cache with a token, a lock for a
# live event loop, and its guard held by another thread at fork(); a runner whose loop
# thread runs.
new_idempotency_key()
cache = TokenCache()
loop = asyncio.new_event_loop()
loop.run_until_complete(cache.get(0.0, fetch))
token = cache.token
held, release = threading.Event(), threading.Event()
def hold():
    with cache._guard:
        held.set()
        release.wait()
threading.Thread(target=hold, daemon=True).start()
held.wait()
runner = Runner(on_close=nothing)
assert runner.run(answer) == 42
parent_thread = runner._state.thread
assert len(cache._locks) == 1 and parent_thread is not None and parent_thread.is_alive()

read, write = os.pipe()
pid = os.fork()
if pid == 0:
    problems = []
    keys = "".join(new_idempotency_key() for _ in range(3))
    if cache._guard.locked():
        problems.append("token cache guard still held")
    if len(cache._locks):
        problems.append("token cache kept the parent's loop locks")
    if cache.token is not token:
        problems.append("a still-fresh token was dropped")  # reused, by design
    state = runner._state
    if state.thread is not None or state._loop is not None or state._portal is not None:
        problems.append("runner kept the parent's loop")
    if state._lock.locked():
        problems.append("runner lock held")
    if runner.run(answer) != 42 or state.thread is parent_thread:
        problems.append("runner did not start afresh")
    runner.close()
    os.write(write, (keys + "|" + ";".join(problems)).encode())
    os._exit(0)
os.waitpid(pid, 0)
release.set()
child_keys, problems = os.read(read, 65536).decode().split("|")
parent_keys = "".join(new_idempotency_key() for _ in range(3))
runner.close()
loop.close()
print(problems)
sys.exit(0 if not problems and len(child_keys) == 108 and child_keys != parent_keys else 1)
"""


@needs_fork
def test_a_real_child_has_its_own_keys_token_locks_and_runner_and_keeps_the_token() -> None:
    done = _run(_EVERY_PIECE)
    assert done.returncode == 0, done.stdout + done.stderr
