"""The event loop behind the sync client: one anyio blocking portal per ``EFundPay``.

``EFundPay`` runs the very coroutines of ``AsyncEFundPay`` on a private event loop, in a
daemon thread started by the first call, and blocks the calling thread until each returns.
The wrapped async client and its aiohttp session live on that loop.  What follows from it:

- Any number of threads may share one client: each call becomes a task on the one loop,
  and the tasks share one connection pool.
- Calling from inside a running event loop (a Jupyter cell, code under ``asyncio.run``)
  works and cannot deadlock: the caller's loop is blocked for the call, but the work happens
  on the runner's loop, which waits on nothing of the caller's.  Async code should still
  ``await`` ``AsyncEFundPay``: a blocking call stalls every other task of the caller's loop.
  There is deliberately no warning for it, because a notebook cell is legitimate use.
- Exceptions raised on the loop reach the caller as they are: the same object, so the same
  class and attributes as from the async client.
- After ``os.fork()`` the child starts its own thread, loop and session on its first call;
  what it inherited from the parent is left untouched (see ``_forksafe.ForkSafeSelector``).
- The ``on_retry`` hook of a blocking client runs in a worker thread, not on the loop, so it
  may block or call the client again (see ``_retry.HOOKS_MAY_BLOCK``).  A blocking call
  made on the loop's own thread could never finish: it raises at once instead.
- ``close()`` closes the async client on the loop, then stops the loop and joins the thread.
  Calls in flight fail as any failed call does, with :class:`~efundpay.ClientClosedError`
  (its ``idempotency_key`` and ``outcome_unknown`` set); they get a moment to finish first.
  A ``weakref.finalize`` does the same when a forgotten client is garbage-collected or the
  interpreter exits, so exit never hangs and aiohttp never reports an unclosed session.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, ParamSpec, TypeVar, cast

from . import _forksafe
from ._errors import ClientClosedError
from ._forksafe import ForkSafeSelector
from ._retry import HOOKS_MAY_BLOCK

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal

__all__ = ["Runner"]

P = ParamSpec("P")
T = TypeVar("T")

# How long closing may wait for the loop (the session's close, then the thread's exit).
# Bounded so that a wedged loop can never hang interpreter exit; the thread is a daemon.
_CLOSE_TIMEOUT: Final = 5.0

_CLOSED_MESSAGE: Final = "the client is closed; create a new one"

# How long close() lets calls in flight end on their own, once the pool is closed (they
# fail at once, with their idempotency key and outcome), before cancelling what remains.
_IN_FLIGHT_GRACE: Final = 1.0


def _new_loop() -> asyncio.AbstractEventLoop:
    if not hasattr(os, "fork"):
        return asyncio.new_event_loop()
    return asyncio.SelectorEventLoop(ForkSafeSelector())


def _serve(
    ready: concurrent.futures.Future[tuple[BlockingPortal, asyncio.AbstractEventLoop]],
) -> None:
    """The runner thread: an event loop whose main task is a blocking portal."""
    # Imported by the first blocking call, not by ``import efundpay``: anyio's thread tools
    # are a good part of the SDK's import time, and async-only programs never need them.
    from anyio.from_thread import BlockingPortal  # noqa: PLC0415

    async def main() -> None:
        async with BlockingPortal() as portal:
            ready.set_result((portal, asyncio.get_running_loop()))
            await portal.sleep_until_stopped()

    try:
        # asyncio.Runner also shuts down async generators and the default executor (used
        # for DNS lookups) before closing the loop.
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            runner.run(main())
    except BaseException as exc:
        if not ready.done():
            ready.set_exception(exc)
        raise


def _ignore_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Exception handler for a loop inherited across fork(): its objects are the parent's."""


# What a forked child inherited from its parent's runners: kept referenced so that nothing
# finalizes it here (it belongs to the parent, and finalizing it could act on the parent's
# sockets).
_INHERITED_LOOPS: list[object] = []


class _Call(Generic[T]):
    """One blocking call: started on the loop by the runner, waited for by the caller.

    The hand-off costs two thread wake-ups and nothing more: the caller blocks on a plain
    lock straight after scheduling the call, and the task releases it when it is done.  (A
    ``concurrent.futures.Future`` would do the same job with a condition variable, whose
    extra work keeps the interpreter lock busy at exactly the moment the other thread
    wakes up, and costs a third and fourth wake-up.)
    """

    __slots__ = (
        "__weakref__",
        "_args",
        "_done",
        "_error",
        "_fn",
        "_kwargs",
        "_released",
        "_result",
        "_task",
    )

    def __init__(
        self,
        fn: Callable[..., Coroutine[Any, Any, T]],
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
    ) -> None:
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._done = threading.Lock()
        self._done.acquire()  # released once, by _release
        self._released = False
        self._task: asyncio.Task[None] | None = None
        self._result: T | None = None
        self._error: BaseException | None = None

    # -- on the loop's thread --

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._task = loop.create_task(self._run())
        # Only for a task cancelled before its first step, which never runs _run's body.
        self._task.add_done_callback(self._finish)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        # The caller is released the moment the call is over, in the same turn of the loop,
        # not one turn later by a done-callback.
        HOOKS_MAY_BLOCK.set(True)  # this task's own context: a blocking caller waits on it
        try:
            self._result = await self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # cancellation included: the caller decides
            self._error = exc
        finally:
            self._release()

    def _finish(self, task: asyncio.Task[None]) -> None:
        if not self._released:
            self._error = asyncio.CancelledError()
            self._release()

    def _release(self) -> None:
        self._released = True
        self._done.release()

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The call's task on the loop, once started."""
        return self._task

    # -- on the caller's thread --

    def wait(self) -> T:
        """Block until the task is done; return its result or raise its exception."""
        self._done.acquire()  # interruptible: Ctrl-C raises KeyboardInterrupt here
        error, self._error = self._error, None  # no reference cycle through the traceback
        if error is not None:
            raise error
        return cast("T", self._result)


class _State:
    """Everything a runner owns, apart from the runner: what its finalizer closes."""

    def __init__(self, on_close: Callable[[], Awaitable[None]]) -> None:
        self._on_close = on_close
        self._generation = _forksafe.generation
        self._portal: BlockingPortal | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._new_locks()
        self.closed = False
        self.calls: weakref.WeakSet[_Call[Any]] = weakref.WeakSet()  # started, maybe running
        _LIVE_STATES.add(self)

    def _new_locks(self) -> None:
        # Held while a call is handed to the loop, and by close() while it marks the runner
        # closed: so no call can slip in while the loop stops, to wait forever for a loop
        # that is gone.  Held for microseconds: a hand-over never waits for the loop.
        self._lock = threading.Lock()

    @property
    def thread(self) -> threading.Thread | None:
        """The loop's thread, once started."""
        return self._thread

    def submit(self, call: _Call[Any]) -> None:
        """Start ``call`` as a task on the loop (starting the loop first if need be)."""
        with self._lock:
            if self._generation != _forksafe.generation:
                self.forget_parent()
            if self.closed:
                raise ClientClosedError(_CLOSED_MESSAGE, request_sent=False, attempts=0)
            if self._portal is None:
                self._start()
            assert self._loop is not None
            if threading.current_thread() is self._thread:
                raise RuntimeError(
                    "a blocking EFundPay call was made on the client's own event-loop thread, "
                    "where it could never finish; call it from another thread (an on_retry "
                    "hook already runs in one), or use AsyncEFundPay from async code"
                )
            self.calls.add(call)
            # Straight onto the loop: one trip there and back per call.  (The portal's
            # start_task_soon would first wait for the loop to accept the task: a second
            # round trip, two more thread wake-ups on every call.)
            self._loop.call_soon_threadsafe(call.start, self._loop)

    def cancel(self, call: _Call[Any]) -> None:
        """Cancel ``call`` on the loop, if the loop still runs."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing runs
                loop.call_soon_threadsafe(call.cancel)

    def _start(self) -> None:
        ready: concurrent.futures.Future[tuple[BlockingPortal, asyncio.AbstractEventLoop]]
        ready = concurrent.futures.Future()
        thread = threading.Thread(
            target=_serve, args=(ready,), name=f"efundpay-sync-{id(self):x}", daemon=True
        )
        thread.start()
        self._portal, self._loop = ready.result()
        self._thread = thread

    def forget_parent(self) -> None:
        """In a forked child: drop the parent's thread, loop and portal, without using them.

        The thread does not exist here; the loop and its sockets are the parent's.  A fresh
        portal starts on the next call, and the transport opens a fresh session on it.
        """
        if self._loop is not None:
            self._loop.set_exception_handler(_ignore_errors)
            _INHERITED_LOOPS.append((self._portal, self._loop, self._thread))
        self._portal = self._loop = self._thread = None
        # A lock held by another thread of the parent at fork time would stay held forever.
        self._new_locks()
        self._generation = _forksafe.generation

    def close(self) -> None:
        """Close the async client on the loop, stop the loop, join the thread.  Idempotent."""
        if self._generation != _forksafe.generation:
            self.forget_parent()
        on_loop = self._thread is not None and threading.current_thread() is self._thread
        with self._lock:  # calls being handed over are on the loop's queue once we have it
            self.closed = True
            portal, loop, thread = self._portal, self._loop, self._thread
            self._portal = self._loop = self._thread = None
        if portal is None or loop is None or thread is None:
            return
        if on_loop:
            # Finalized by the garbage collector on the loop's own thread, which cannot wait
            # for itself: the loop closes the client and stops once this callback returns.
            loop.call_soon(_stop_from_inside, loop, portal, self._on_close)
            return
        # Each step is handed to the loop without waiting for it to accept (unlike the
        # portal's start_task_soon), so that a wedged loop bounds close() by its timeouts
        # instead of hanging it, and interpreter exit with it.
        try:
            _on(loop, _awaited(self._on_close)).result(_CLOSE_TIMEOUT)
            # The pool is closed: calls in flight now fail on their own, each with its
            # idempotency key and outcome.  Give them a moment before cancelling the rest.
            tasks = {call.task for call in list(self.calls)} - {None}
            if tasks:
                with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                    _on(loop, _wait_for(tasks, _IN_FLIGHT_GRACE)).result(_CLOSE_TIMEOUT)
        finally:
            # Calls still in flight on other threads are cancelled; they raise
            # ClientClosedError.
            with contextlib.suppress(RuntimeError, concurrent.futures.TimeoutError):
                _on(loop, portal.stop(True)).result(_CLOSE_TIMEOUT)
            thread.join(_CLOSE_TIMEOUT)


def _on(
    loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, None]
) -> concurrent.futures.Future[None]:
    """Run ``coroutine`` on ``loop`` from another thread; never blocks the caller."""
    try:
        return asyncio.run_coroutine_threadsafe(coroutine, loop)
    except RuntimeError:  # the loop has closed: there is nothing left to run it
        coroutine.close()
        raise


async def _awaited(fn: Callable[[], Awaitable[None]]) -> None:
    await fn()


async def _wait_for(tasks: set[asyncio.Task[None] | None], seconds: float) -> None:
    await asyncio.wait([task for task in tasks if task is not None], timeout=seconds)


def _stop_from_inside(
    loop: asyncio.AbstractEventLoop,
    portal: BlockingPortal,
    on_close: Callable[[], Awaitable[None]],
) -> None:
    async def close_then_stop() -> None:
        try:
            await on_close()
        finally:
            await portal.stop(cancel_remaining=True)

    _CLOSING_TASKS.add(loop.create_task(close_then_stop()))


# Tasks must be referenced until done, or the loop may drop them half-way.
_CLOSING_TASKS: set[asyncio.Task[None]] = set()

# Every live runner state, so that a forked child can reset them before any thread runs.
_LIVE_STATES: weakref.WeakSet[_State] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for state in list(_LIVE_STATES):
        state.forget_parent()


_forksafe.on_fork_in_child(_after_fork_in_child)


class Runner:
    """Runs coroutine functions on a private event-loop thread, for blocking callers.

    One runner serves a sync client and its ``with_options`` copies.  ``on_close`` (the
    wrapped async client's ``aclose``) is awaited on the loop when the runner closes:
    explicitly, or when the runner is garbage-collected or the interpreter exits.

    >>> runner = Runner(on_close=some_async_client.aclose)  # doctest: +SKIP
    >>> runner.run(some_async_client.customers.toggle, "cus_123")  # doctest: +SKIP
    """

    def __init__(self, on_close: Callable[[], Awaitable[None]]) -> None:
        self._state = _State(on_close)
        self._finalizer = weakref.finalize(self, self._state.close)

    def run(
        self, fn: Callable[P, Coroutine[Any, Any, T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Await ``fn(*args, **kwargs)`` on the loop and return its result (or raise).

        Thread-safe.  If the caller is interrupted (``KeyboardInterrupt``), the call is
        cancelled on the loop instead of running on unattended.
        """
        call = _Call(fn, args, kwargs)
        self._state.submit(call)
        try:
            return call.wait()
        except asyncio.CancelledError:
            if self._state.closed:
                # Cut off by close() before it could fail on its own (a long wait before a
                # retry): what it had done is unknown here, so assume it may have been applied.
                raise ClientClosedError(
                    "the client was closed while this call was running; it may have been applied",
                    request_sent=True,
                    outcome_unknown=True,
                ) from None
            raise
        except BaseException:
            self._state.cancel(call)  # a no-op when the call itself raised
            raise

    def close(self) -> None:
        """Close the async client, stop the loop and join its thread.  Idempotent."""
        self._finalizer()
