"""Running the fake's aiohttp server: on the caller's event loop, or on a loop of its own.

:class:`LoopServer` binds and serves on the running loop (``async with FakeEFundPay()``).
:class:`BackgroundServer` owns a loop and runs a :class:`LoopServer` in it, either on a
daemon thread (``with FakeEFundPay()``; sync code and blocking clients can then use it) or
blocking the calling thread (``serve_forever``).  Stopping is thread-safe, ends injected
delays at once, and waits for the loop to finish so that no thread or socket outlives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

from aiohttp import web

from ._handler import FakeHandler

__all__ = ["BackgroundServer", "LoopServer"]

# Handlers finish quickly once delays are cut short; this only bounds a pathological case.
_SHUTDOWN_TIMEOUT = 2.0
_THREAD_START_TIMEOUT = 30.0
_THREAD_STOP_TIMEOUT = 30.0


class LoopServer:
    """A bound, serving aiohttp server on the current event loop."""

    def __init__(self, runner: web.ServerRunner, handler: FakeHandler, port: int) -> None:
        self._runner = runner
        self._handler = handler
        self.port = port

    @classmethod
    async def open(cls, handler: FakeHandler, host: str, port: int) -> LoopServer:
        """Bind ``host:port`` (``0`` = a free port) and start serving ``handler``."""
        handler.stopping = asyncio.Event()
        # The low-level server: the handler does its own routing on the raw path, and the
        # access log is off because the handler logs each request itself.
        server = web.Server(handler, access_log=None)
        runner = web.ServerRunner(server, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        bound_port: int = runner.addresses[0][1]
        return cls(runner, handler, bound_port)

    async def close(self) -> None:
        """Stop accepting, cut injected delays short, close every connection."""
        if self._handler.stopping is not None:
            self._handler.stopping.set()
        await self._runner.cleanup()


class BackgroundServer:
    """A :class:`LoopServer` on an event loop this object owns.

    Use :meth:`start_thread` + :meth:`stop`, or :meth:`run_blocking` (stopped by
    :meth:`stop` from another thread, or by Ctrl-C).
    """

    def __init__(self, handler: FakeHandler, host: str, port: int) -> None:
        self._handler = handler
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._stop_requested = False
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    def start_thread(self) -> int:
        """Serve on a new daemon thread; return the bound port once it accepts connections."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def on_ready(port: int) -> None:
            ready.set()

        def target() -> None:
            try:
                asyncio.run(self._main(on_ready))
            except BaseException as exc:  # reported to start_thread's caller
                failure.append(exc)
                ready.set()

        self._thread = threading.Thread(target=target, name="efundpay-fake-server", daemon=True)
        self._thread.start()
        if not ready.wait(_THREAD_START_TIMEOUT):
            self.stop()
            raise RuntimeError("the fake eFundPay server did not start in time")
        if failure:
            self._thread.join()
            raise failure[0]
        assert self.port is not None
        return self.port

    def run_blocking(self, on_ready: Callable[[int], None] | None = None) -> None:
        """Serve in the calling thread until :meth:`stop` is called or Ctrl-C is pressed."""
        try:
            asyncio.run(self._main(on_ready or (lambda port: None)))
        except KeyboardInterrupt:
            # asyncio.run has already cancelled _main, whose finally closed the server.
            return

    def stop(self) -> None:
        """Ask the loop to close the server and wait for it; safe from any thread, repeatable."""
        with self._lock:
            self._stop_requested = True
            loop, event = self._loop, self._stop_event
        if loop is not None and event is not None:
            # RuntimeError: the loop already closed, so the server is gone anyway.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(_THREAD_STOP_TIMEOUT)
            if thread.is_alive():
                raise RuntimeError("the fake eFundPay server thread did not stop")
            self._thread = None

    async def _main(self, on_ready: Callable[[int], None]) -> None:
        server = await LoopServer.open(self._handler, self._host, self._port)
        try:
            with self._lock:
                self._loop = asyncio.get_running_loop()
                self._stop_event = asyncio.Event()
                if self._stop_requested:  # stop() raced with start-up
                    self._stop_event.set()
            self.port = server.port
            on_ready(server.port)
            await self._stop_event.wait()
        finally:
            with self._lock:
                self._loop = None
                self._stop_event = None
            await server.close()
