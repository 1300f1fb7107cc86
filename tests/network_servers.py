"""Servers for the network tests: a TLS front for a fake, and a recording HTTP proxy.

Both are plain asyncio servers on 127.0.0.1, written here rather than borrowed from the
SDK, so that what they report about the client is independent of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import attrs
import trustme

from efundpay.testing import FakeEFundPay

__all__ = ["ProxiedRequest", "RecordingProxy", "tls_front"]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Closed however the relay ends: cancelled too, when the client (older aiohttp
    # releases among them) leaves its connection open until the fixture tears down.
    try:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
    finally:
        writer.close()


class _Relays:
    """The server's connection tasks, cancelled together when it stops."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def stop(self, server: asyncio.Server) -> None:
        server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await server.wait_closed()


@contextlib.asynccontextmanager
async def tls_front(fake: FakeEFundPay, ca: trustme.CA) -> AsyncIterator[str]:
    """An ``https://`` URL for ``fake``: TLS terminated with a certificate from ``ca``."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    relays = _Relays()

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            fake_r, fake_w = await asyncio.open_connection("127.0.0.1", fake.port)
            await asyncio.gather(_pipe(client_r, fake_w), _pipe(fake_r, client_w))
        finally:
            client_w.close()  # also when cancelled before the pipes began

    server = await asyncio.start_server(
        lambda r, w: relays.start(relay(r, w)), "127.0.0.1", 0, ssl=server_context
    )
    try:
        yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        await relays.stop(server)


@attrs.frozen
class ProxiedRequest:
    """What the proxy saw: the request line's method and target, and the headers."""

    method: str
    target: str
    headers: dict[str, str]


class RecordingProxy:
    """An HTTP proxy on 127.0.0.1 that records every request it is asked to forward.

    Plain HTTP requests (absolute-form targets) are forwarded one per connection (the
    upstream is asked to close after answering, so every request is seen here); ``CONNECT``
    opens a tunnel and relays bytes both ways.  ``seen`` lists what arrived, in order.
    """

    def __init__(self) -> None:
        self.seen: list[ProxiedRequest] = []
        self.url = ""
        self._relays = _Relays()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> RecordingProxy:
        self._server = await asyncio.start_server(
            lambda r, w: self._relays.start(self._handle(r, w)), "127.0.0.1", 0
        )
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        await self._relays.stop(self._server)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Every stream is closed however the connection ends: the proxy stops by cancelling
        # its connections, and on a busy machine one may still be mid-relay then.
        try:
            await self._serve(reader, writer)
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        self.seen.append(ProxiedRequest(method, target, headers))
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            up_r, up_w = await asyncio.open_connection(host, int(port))
            try:
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                await asyncio.gather(_pipe(reader, up_w), _pipe(up_r, writer))
            finally:
                up_w.close()
            return
        await self._forward(reader, writer, method, target, headers)

    async def _forward(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        target: str,
        headers: dict[str, str],
    ) -> None:
        assert target.startswith("http://"), f"not an absolute-form target: {target}"
        authority, _, path = target.removeprefix("http://").partition("/")
        host, _, port = authority.rpartition(":")
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        kept = {k: v for k, v in headers.items() if k not in ("proxy-authorization", "connection")}
        kept["connection"] = "close"
        up_r, up_w = await asyncio.open_connection(host, int(port))
        try:
            request = f"{method} /{path} HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in kept.items()
            )
            up_w.write(request.encode("latin-1") + b"\r\n" + body)
            await up_w.drain()
            # The upstream closes after its answer; so does this connection to the client.
            await _pipe(up_r, writer)
        finally:
            up_w.close()
