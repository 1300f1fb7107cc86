"""A server that can answer anything: raw bytes over a real socket on 127.0.0.1.

:class:`HostileServer` reads each request (its head and its declared body), counts it per
path, then carries out one :class:`Answer`: writes its bytes (slowly, if asked), and ends
the connection by closing it, resetting it, or holding it open.  Nothing in it knows the
SDK: what it writes is whatever the test says, however broken, so the SDK meets deep JSON,
lying ``Content-Length`` headers, resets after the request was read, compression bombs and
garbage as it would from a hostile or broken server.

It runs its own event loop in a thread, so sync and async clients use it alike, and binds
port 0: the kernel picks a free port, no test guesses one.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Literal

import attrs

__all__ = ["Answer", "HostileServer", "hostile_server"]

#: How long an answer that "holds" the connection keeps it open without a word.
HOLD_SECONDS = 3.0


@attrs.frozen
class Answer:
    """What the server does with one request.

    Attributes:
        name: says what the answer is, for test reports.
        chunks: the raw bytes written, in order (nothing at all is a valid answer).
        drip: seconds to wait before each chunk (a slow server).
        ending: ``"close"`` the connection, ``"reset"`` it (RST, no FIN), or ``"hold"`` it
            open for :data:`HOLD_SECONDS` first.
        slow: the answer takes seconds by design; pair it with a short client timeout.
    """

    name: str
    chunks: tuple[bytes, ...] = ()
    drip: float = 0.0
    ending: Literal["close", "reset", "hold"] = "close"
    slow: bool = False


def http_response(
    status: int,
    body: bytes = b"",
    *,
    headers: tuple[tuple[bytes, bytes], ...] = (),
    content_length: int | None = None,
    reason: bytes = b"Whatever",
) -> bytes:
    """An HTTP/1.1 response as bytes; ``content_length`` may lie about ``body``."""
    lines = [b"HTTP/1.1 %d %s" % (status, reason), b"Connection: close"]
    if not any(name.lower() == b"transfer-encoding" for name, _ in headers):
        length = len(body) if content_length is None else content_length
        lines.append(b"Content-Length: %d" % length)
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class HostileServer:
    """A raw-socket HTTP server answering every request with the current :class:`Answer`.

    >>> with hostile_server() as server:  # doctest: +SKIP
    ...     server.reset(Answer("empty 200", (http_response(200),)))
    ...     ...  # call the SDK at server.base_url
    ...     server.counts["/v3/recurring-payment/cus_1/toggle"]
    """

    def __init__(self) -> None:
        self.answer = Answer("connection closed at once")
        #: Requests received, per path, since the last :meth:`reset`.
        self.counts: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    def reset(self, answer: Answer) -> None:
        """Answer every request from now on with ``answer``, and forget the counts."""
        self.answer = answer
        self.counts.clear()

    def start(self) -> None:
        """Start the server's thread and loop; returns once it listens."""
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the hostile server did not start")

    def stop(self) -> None:
        """Stop the server, dropping any held connection."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self._server = server
        self._port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            path = await self._read_request(reader)
            if path is None:
                return
            self.counts[path] += 1
            answer = self.answer
            for chunk in answer.chunks:
                if answer.drip:
                    await asyncio.sleep(answer.drip)
                writer.write(chunk)
                await writer.drain()
            if answer.ending == "reset":
                sock = writer.get_extra_info("socket")
                # Linger on, for zero seconds: close() then sends a reset instead of a FIN.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if answer.ending == "hold":
                await asyncio.sleep(HOLD_SECONDS)
        except (ConnectionError, OSError):
            pass  # the client gave up first: nothing to answer
        except asyncio.CancelledError:
            pass  # the server is stopping: end quietly (asyncio logs a cancelled handler)
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> str | None:
        """The path of the request on ``reader``, its body read; ``None`` if none came."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return None
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        parts = request_line.split(" ")
        return parts[1] if len(parts) > 1 else ""


@contextlib.contextmanager
def hostile_server() -> Iterator[HostileServer]:
    """A started :class:`HostileServer`, stopped on exit."""
    server = HostileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
