"""No credential in the locals of any frame a failed call's exception chain passed through.

The SDK's own frames hold credentials only in masking types; aiohttp's frames hold the
request headers as a plain mapping.  An error keeps aiohttp's exception as its cause (so the
failure can be diagnosed) with those frames' locals dropped, so a traceback rendered with
locals (``traceback`` ``capture_locals``, ``pytest -l``, rich, Sentry) shows no credential.
Checked against real sockets on 127.0.0.1: refused, reset after the request was read, no
answer in time, and a TLS certificate the client does not trust.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import traceback
from collections.abc import AsyncIterator, Iterator

import pytest
import trustme

import efundpay
from efundpay import AsyncEFundPay
from tests.helpers import NO_WAIT, refusing_url

pytestmark = pytest.mark.anyio

API_KEY = "sk_test_ChainedTracebackSecret0123"


def rendered_chain(error: BaseException) -> str:
    """The whole exception chain, every frame with its locals, as ``capture_locals`` shows it."""
    return "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())


@contextlib.asynccontextmanager
async def server(answer: str) -> AsyncIterator[str]:
    """A raw server that reads the request, then resets, or says nothing, as ``answer`` says."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if answer == "reset":
                writer.transport.abort()
                return
            await asyncio.sleep(5)  # "silent": longer than the client's timeout
        finally:
            writer.close()  # also when the test ends first and cancels this handler

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield f"http://127.0.0.1:{port}"
        listener.close()


@pytest.fixture
def refused() -> Iterator[str]:
    with refusing_url() as url:
        yield url


async def failed_call(base_url: str, **options: object) -> efundpay.APIError:
    async with AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id="acct_1",
        base_url=base_url,
        retry=NO_WAIT,
        max_retries=0,
        timeout=0.5,
        **options,  # type: ignore[arg-type]
    ) as client:
        with pytest.raises(efundpay.APIError) as raised:
            await client.subscriptions.pause("sub_123")
    return raised.value


async def test_a_refused_connection_shows_no_credential_in_any_frame(refused: str) -> None:
    error = await failed_call(refused)
    assert isinstance(error.__cause__, Exception)  # the transport's failure is still there
    text = rendered_chain(error)
    assert "aiohttp" in text  # aiohttp's frames are in the chain, with their locals dropped
    assert API_KEY not in text


@pytest.mark.parametrize("answer", ["reset", "silent"])
async def test_a_failure_after_sending_shows_no_credential_in_any_frame(answer: str) -> None:
    async with server(answer) as url:
        error = await failed_call(url)
    assert error.outcome_unknown
    assert API_KEY not in rendered_chain(error)


async def test_an_untrusted_certificate_shows_no_credential_in_any_frame() -> None:
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            with contextlib.suppress(Exception):
                await reader.read(1)
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = listener.sockets[0].getsockname()[1]
    async with listener:
        error = await failed_call(f"https://127.0.0.1:{port}")
    assert isinstance(error, efundpay.APIConnectionError)
    assert not error.request_sent
    assert API_KEY not in rendered_chain(error)
