"""The clients under test, each making the same call the same way.

Every subject sends ``POST /v4/subscriptions/sub_…/status`` with the body
``{"status":"paused"}`` and the same six headers the SDK sends (the same API key, user agent,
merchant account and a fresh 36-character idempotency key per call), reads the whole response,
decodes the JSON, and checks the answer.  All keep connections alive in a pool of
:data:`POOL_SIZE` connections.  The SDK additionally builds its models from the JSON: that is
the work a user gets from it, and it is counted.
"""

from __future__ import annotations

import contextlib
import json
import queue
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
import requests
import requests.adapters

import efundpay
from efundpay._client import USER_AGENT

from .stub_server import SUBSCRIPTION_ID

__all__ = ["REQUESTS_PER_THREAD", "SUBJECTS", "AsyncSubject", "SyncSubject", "subject_named"]

AsyncCall = Callable[[], Awaitable[None]]
SyncCall = Callable[[], None]

# aiohttp's default pool size, and the SDK's: every subject gets the same.
POOL_SIZE: Final = 100
TIMEOUT: Final = 30.0
API_KEY: Final = "sk_test_benchmark_0123456789abcdef"
MERCHANT: Final = "acct_benchmark"
PATH: Final = f"/v4/subscriptions/{SUBSCRIPTION_ID}/status"
BODY: Final = b'{"status":"paused"}'
_HEADERS: Final = {
    "Authorization": f"Bearer {API_KEY}",
    "User-Agent": USER_AGENT,
    "Accept": "application/json",
    "Content-Type": "application/json",
    "x-merchant-account-id": MERCHANT,
}


@dataclass(frozen=True)
class AsyncSubject:
    """A client driven from one event loop; concurrency means tasks."""

    name: str
    open: Callable[[str], contextlib.AbstractAsyncContextManager[AsyncCall]]


@dataclass(frozen=True)
class SyncSubject:
    """A blocking client; concurrency means threads sharing one client."""

    name: str
    open: Callable[[str], contextlib.AbstractContextManager[SyncCall]]


def _headers() -> dict[str, str]:
    # A new idempotency key per call, as the SDK makes one: the same request, byte for byte.
    return {**_HEADERS, "idempotency-key": str(uuid.uuid4())}


def _check(status: int, data: Any) -> None:
    if status != 200 or data["id"] != SUBSCRIPTION_ID:
        raise RuntimeError(f"unexpected answer: HTTP {status} {data!r:.200}")


def _check_model(subscription: efundpay.Subscription) -> None:
    if subscription.id != SUBSCRIPTION_ID:
        raise RuntimeError(f"unexpected answer: {subscription!r:.200}")


@contextlib.asynccontextmanager
async def _raw_aiohttp(base_url: str) -> AsyncIterator[AsyncCall]:
    url = base_url + PATH
    connector = aiohttp.TCPConnector(limit=POOL_SIZE)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def call() -> None:
            async with session.post(url, data=BODY, headers=_headers()) as response:
                _check(response.status, json.loads(await response.read()))

        yield call


@contextlib.asynccontextmanager
async def _async_efundpay(base_url: str) -> AsyncIterator[AsyncCall]:
    async with efundpay.AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, base_url=base_url
    ) as client:
        pause = client.subscriptions.pause

        async def call() -> None:
            _check_model(await pause(SUBSCRIPTION_ID))

        yield call


@contextlib.contextmanager
def _sync_efundpay(base_url: str) -> Iterator[SyncCall]:
    with efundpay.EFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, base_url=base_url
    ) as client:
        pause = client.subscriptions.pause

        def call() -> None:
            _check_model(pause(SUBSCRIPTION_ID))

        yield call


@contextlib.contextmanager
def _requests_session(base_url: str) -> Iterator[SyncCall]:
    url = base_url + PATH
    with requests.Session() as session:
        # Blocking at POOL_SIZE, like aiohttp's connector: more threads than connections
        # wait for one instead of opening throwaway connections.
        adapter = requests.adapters.HTTPAdapter(
            pool_connections=1, pool_maxsize=POOL_SIZE, pool_block=True
        )
        session.mount("http://", adapter)

        def call() -> None:
            response = session.post(url, data=BODY, headers=_headers(), timeout=TIMEOUT)
            _check(response.status_code, response.json())

        yield call


@contextlib.contextmanager
def _requests_per_thread(base_url: str) -> Iterator[SyncCall]:
    # What a program without a thread-safe client does: a session per thread.  Each call
    # takes an idle session (a new one when every existing one is busy) and gives it back, so
    # N threads end up with N sessions of their own, kept warm from one burst to the next.
    url = base_url + PATH
    idle: queue.SimpleQueue[requests.Session] = queue.SimpleQueue()
    made: list[requests.Session] = []

    def call() -> None:
        try:
            session = idle.get_nowait()
        except queue.Empty:
            session = requests.Session()
            made.append(session)
        try:
            response = session.post(url, data=BODY, headers=_headers(), timeout=TIMEOUT)
            _check(response.status_code, response.json())
        finally:
            idle.put(session)

    try:
        yield call
    finally:
        for session in made:
            session.close()


REQUESTS_PER_THREAD: Final = SyncSubject("requests.Session per thread", _requests_per_thread)


def subject_named(name: str) -> AsyncSubject | SyncSubject:
    """The subject called ``name``, among :data:`SUBJECTS` and :data:`REQUESTS_PER_THREAD`."""
    return next(s for s in (*SUBJECTS, REQUESTS_PER_THREAD) if s.name == name)


def _subjects() -> tuple[AsyncSubject | SyncSubject, ...]:
    subjects: list[AsyncSubject | SyncSubject] = [
        AsyncSubject("raw aiohttp", _raw_aiohttp),
        AsyncSubject("AsyncEFundPay", _async_efundpay),
    ]
    # The sync facade is generated; a checkout without it still benchmarks the rest.
    if hasattr(efundpay, "EFundPay"):
        subjects.append(SyncSubject("EFundPay", _sync_efundpay))
    subjects.append(SyncSubject("requests.Session", _requests_session))
    return tuple(subjects)


SUBJECTS: Final = _subjects()
