"""Everything the SDK does about ``fork()``: the one hook registered with the OS, what runs
in a child, knowing cheaply whether this is a child, and a selector a child cannot misuse.

A module whose state must not cross a fork (random bytes, locks, an event-loop thread) asks
for a reset with :func:`on_fork_in_child` instead of calling ``os.register_at_fork``
itself: then the order of the resets is the order they were asked for, written down here,
and :data:`generation` has already counted the fork when they run.
"""

from __future__ import annotations

import os
import selectors
from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = ["ForkSafeSelector", "generation", "on_fork_in_child"]

#: How many forks separate this process from the one that imported efundpay: 0 there, one
#: more in each child.  Objects note it when made and compare it per use: the same answer
#: as comparing ``os.getpid()``, without a system call per request (glibc no longer caches
#: the pid).  Read it as ``_forksafe.generation``, never imported by name.
generation = 0


# The resets to run in a forked child, in the order they were registered.
_IN_CHILD: Final[list[Callable[[], None]]] = []


def on_fork_in_child(callback: Callable[[], None]) -> None:
    """Run ``callback`` in every forked child, right after ``fork()``, before any other code.

    Callbacks run in registration order, after :data:`generation` has counted the fork.  One
    that raises does not stop the rest; the first error is then reported through
    ``sys.unraisablehook``, as Python reports any failed fork hook.  Register at import
    time: a callback is never removed, so it should act on module state (a ``WeakSet`` of
    live objects, say), not hold an object alive.
    """
    _IN_CHILD.append(callback)


def _after_fork_in_child() -> None:
    global generation  # noqa: PLW0603 - the one process-wide fact this module keeps
    generation += 1
    failed: Exception | None = None
    for callback in list(_IN_CHILD):
        try:
            callback()
        except Exception as exc:  # one failed reset must not leave the others undone
            failed = failed or exc
    if failed is not None:
        raise failed  # reported by the OS hook's caller (sys.unraisablehook); the child goes on


if hasattr(os, "register_at_fork"):  # no fork() without it, so no child to tell apart
    os.register_at_fork(after_in_child=_after_fork_in_child)


class ForkSafeSelector(selectors.DefaultSelector):
    """The default selector, inert in a forked child.

    An epoll set is shared between the parent and a child after ``fork()``.  When the child
    drops what it inherited (aiohttp closing the parent's pooled connections, say), the
    loop would *unregister* those sockets, and that removes them from the parent's set too:
    the parent's next response on such a socket would never be noticed, and its call would
    time out.  In a child this selector shows no registrations and changes none, so nothing
    inherited can touch the parent's loop.  (kqueue is not inherited; poll/select keep no
    kernel state: only epoll needs this, but it costs nothing elsewhere.)
    """

    def __init__(self) -> None:
        super().__init__()
        self._owner = generation

    def _inherited(self) -> bool:
        return generation != self._owner

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        """The registrations; none in a forked child (asyncio 3.13+ looks here)."""
        return {} if self._inherited() else super().get_map()

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        """The registration of ``fileobj``; none in a forked child (asyncio < 3.13)."""
        if self._inherited():
            raise KeyError(f"{fileobj!r} is not registered in this process")
        return super().get_key(fileobj)

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        """Register ``fileobj``; refused in a forked child."""
        if self._inherited():
            raise RuntimeError("this event loop belongs to the parent process")
        return super().register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        """Unregister ``fileobj``; in a forked child nothing is registered."""
        if self._inherited():
            raise KeyError(f"{fileobj!r} is not registered in this process")
        return super().unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        """Change the registration of ``fileobj``; in a forked child nothing is registered."""
        if self._inherited():
            raise KeyError(f"{fileobj!r} is not registered in this process")
        return super().modify(fileobj, events, data)
