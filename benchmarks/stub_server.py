"""The stub eFundPay the benchmarks call: one route, one canned answer, in its own process.

It answers ``POST /v4/subscriptions/{id}/status`` with the docs' example subscription (the
seed response, about 900 bytes of JSON) after reading the whole request body, and anything
else with 404, so a client that got the route wrong cannot look fast.  It runs in a process
of its own so that its work never shares the measuring process's interpreter lock or event
loop, and it does as little as a server can, so that differences between clients stay
visible instead of drowning in server time.

With a delay (``--delay 0.2``) it holds every answer that long, as a loaded eFundPay would:
the overload scenario's server.  ``GET /_stats`` answers ``{"requests": N}``, the requests it
has received on the API route, so a scenario can count the attempts that really arrived.

Run it by hand with ``python -m benchmarks.stub_server [--delay S]`` (it prints its port and
serves until its standard input closes); the benchmark and ``tests/test_scale.py`` use
:func:`running_stub_server`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from aiohttp import web

from tests.helpers import SEED_SUBSCRIPTION

__all__ = ["PAYLOAD", "SUBSCRIPTION_ID", "running_stub_server"]

SUBSCRIPTION_ID: Final = SEED_SUBSCRIPTION["id"]
PAYLOAD: Final = json.dumps(SEED_SUBSCRIPTION, separators=(",", ":")).encode()
_ROUTE: Final = re.compile(r"/v4/subscriptions/[^/]+/status")
_ROOT: Final = Path(__file__).resolve().parent.parent
_STOP_TIMEOUT: Final = 30.0


class _Handler:
    """Answers the API route (after ``delay`` seconds, if any) and counts what arrived."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.requests = 0

    async def __call__(self, request: web.BaseRequest) -> web.Response:
        await request.read()  # a real server reads the body; so does this one
        if request.method == "GET" and request.raw_path == "/_stats":
            return web.json_response({"requests": self.requests})
        if request.method != "POST" or not _ROUTE.fullmatch(request.raw_path):
            return web.Response(status=404, text="no such route")
        self.requests += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(body=PAYLOAD, content_type="application/json")


async def _serve(delay: float) -> None:
    # The low-level server: no router, no middlewares and no access log to pay for.
    runner = web.ServerRunner(web.Server(_Handler(delay), access_log=None))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        # Serve until the parent closes our stdin (or dies): no orphan outlives a run.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def running_stub_server(delay: float = 0.0) -> Iterator[str]:
    """Start the stub in a child process (answering after ``delay`` seconds); yields its base
    URL, stops it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.stub_server", "--delay", repr(delay)],
        cwd=_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"the stub server did not start (printed {port!r})")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(prog="python -m benchmarks.stub_server")
    _parser.add_argument("--delay", type=float, default=0.0, help="seconds to hold each answer")
    asyncio.run(_serve(_parser.parse_args().delay))
