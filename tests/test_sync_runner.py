"""The runner's fork-safe selector: in a forked child it never touches the parent's epoll set.

A real fork is exercised end to end by tests/test_sync_processes.py; here the child is
simulated (the fork count one higher, as a real fork's hook makes it) so the selector's
rules can be checked one by one.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from efundpay import _forksafe, _runner


@pytest.fixture
def registered() -> Iterator[tuple[selectors.BaseSelector, socket.socket]]:
    selector = _forksafe.ForkSafeSelector()
    left, right = socket.socketpair()
    selector.register(left, selectors.EVENT_READ, "parent's reader")
    yield selector, left
    selector.close()
    left.close()
    right.close()


def in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_forksafe, "generation", _forksafe.generation + 1)


def test_in_the_parent_it_is_the_default_selector(
    registered: tuple[selectors.BaseSelector, socket.socket],
) -> None:
    selector, sock = registered
    assert selector.get_key(sock).data == "parent's reader"
    assert sock.fileno() in selector.get_map()


def test_in_a_child_it_shows_no_registrations_and_changes_none(
    registered: tuple[selectors.BaseSelector, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    selector, sock = registered
    with monkeypatch.context() as patch:
        in_a_child(patch)
        assert dict(selector.get_map()) == {}  # what asyncio 3.13+ consults
        with pytest.raises(KeyError):
            selector.get_key(sock)  # what asyncio 3.11-3.12 consults
        with pytest.raises(KeyError):
            selector.unregister(sock)
        with pytest.raises(KeyError):
            selector.modify(sock, selectors.EVENT_WRITE)
        with pytest.raises(RuntimeError, match="parent process"):
            selector.register(sock, selectors.EVENT_WRITE)
    # Back in the parent: its registration was never touched.
    assert selector.get_key(sock).data == "parent's reader"
    assert [key.fd for key, _ in selector.select(timeout=0)] == []


def test_an_asyncio_transport_closed_in_a_child_leaves_the_parents_loop_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = _runner._new_loop()
    left, right = socket.socketpair()
    try:
        loop.add_reader(left.fileno(), lambda: None)
        with monkeypatch.context() as patch:
            in_a_child(patch)
            assert loop.remove_reader(left.fileno()) is False  # nothing to remove here
        assert loop.remove_reader(left.fileno()) is True  # the parent's reader was still there
    finally:
        loop.close()
        left.close()
        right.close()


_COUNT_FORKS = """
import os, sys
from efundpay import _forksafe
before = _forksafe.generation
pid = os.fork()
if pid == 0:
    os._exit(0 if _forksafe.generation == before + 1 else 1)
_, status = os.waitpid(pid, 0)
sys.exit(0 if os.waitstatus_to_exitcode(status) == 0 and _forksafe.generation == before else 2)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() only")
def test_a_real_fork_counts_one_more_in_the_child_and_none_in_the_parent() -> None:
    # In a process of its own: forking the test runner (threads and all) would be unsafe.
    done = subprocess.run([sys.executable, "-c", _COUNT_FORKS], check=False, timeout=60)
    assert done.returncode == 0
