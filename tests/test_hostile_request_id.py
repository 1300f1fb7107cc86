"""A request id the server sends as bytes no text can hold: the SDK keeps it, escaped.

aiohttp decodes header bytes that are not UTF-8 into lone surrogates, and a terminal
reads control characters as commands.  The request id goes into error messages and log
lines; there it must stay readable, ASCII, and writable by a UTF-8 log handler (which
otherwise prints "--- Logging error ---" and drops the line).  The server is the raw-socket
one: it sends exactly these bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from efundpay import AsyncEFundPay, InternalServerError
from tests.hostile.server import Answer, HostileServer, hostile_server, http_response

pytestmark = pytest.mark.anyio

RAW_ID = b"req_\xff\xfe\x1b[31m_1"  # undecodable bytes, and an ANSI escape
SHOWN_ID = "req_\\udcff\\udcfe\\x1b[31m_1"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        running.reset(
            Answer(
                "500 with a binary request id",
                (http_response(500, b"{}", headers=((b"x-request-id", RAW_ID),)),),
            )
        )
        yield running


@pytest.fixture
def utf8_log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "efundpay.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    logger = logging.getLogger("efundpay")
    before = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)
        handler.close()


async def test_a_binary_request_id_reaches_the_error_and_a_utf8_log_escaped(
    server: HostileServer, utf8_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with AsyncEFundPay(
        api_key="sk_test_x", merchant_account_id="acct_1", base_url=server.base_url, max_retries=0
    ) as client:
        with pytest.raises(InternalServerError) as raised:
            await client.subscriptions.pause("sub_1")
    assert raised.value.request_id == SHOWN_ID
    assert SHOWN_ID in str(raised.value)
    logged = utf8_log.read_text(encoding="utf-8")  # noqa: ASYNC240 - the call is over
    assert SHOWN_ID in logged
    assert "\x1b" not in logged
    assert "Logging error" not in capsys.readouterr().err  # the handler wrote every line
