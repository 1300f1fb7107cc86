"""The transport's exception mapping holds on every aiohttp the project accepts.

aiohttp's exceptions are not the same in every release it allows (``aiohttp>=3.10``).  Up to
3.13.3, a TLS certificate failure is a ``ClientConnectorCertificateError`` whose
``os_error`` property raises ``AttributeError``; the SDK read it and let that escape.  These
tests rebuild the exceptions as those releases make them, and check that each becomes a
:class:`~efundpay.TransportError` the client turns into an ``APIConnectionError``.
"""

from __future__ import annotations

import inspect
import ssl
from typing import Any

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from efundpay import AiohttpTransport, APIConnectionError, AsyncEFundPay, TransportError
from tests.helpers import API_KEY, MERCHANT, NO_WAIT

pytestmark = pytest.mark.anyio


def _connection_key() -> ConnectionKey:
    fields: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 443,
        "is_ssl": True,
        "ssl": True,
        "proxy": None,
        "proxy_auth": None,
        "proxy_headers_hash": None,
    }
    # A NamedTuple in recent releases, a frozen dataclass in older ones: built by its fields.
    names = inspect.signature(ConnectionKey).parameters
    make: Any = ConnectionKey
    key: ConnectionKey = make(**{name: fields.get(name) for name in names})
    return key


def certificate_error_as_aiohttp_3_10_made_it() -> aiohttp.ClientConnectorCertificateError:
    """The exception of aiohttp 3.10.0-3.13.3: no ``_os_error``, so ``os_error`` fails."""
    error = aiohttp.ClientConnectorCertificateError.__new__(aiohttp.ClientConnectorCertificateError)
    certificate_error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error._conn_key = _connection_key()
    error._certificate_error = certificate_error
    error.args = (error._conn_key, certificate_error)
    return error


class _Raising:
    """Stands in for the transport's aiohttp session: every request raises ``error``."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.closed = False

    async def request(self, *args: object, **kwargs: object) -> object:
        raise self.error

    async def close(self) -> None:
        self.closed = True


async def _toggle_through(error: BaseException) -> APIConnectionError:
    transport = AiohttpTransport()
    transport._open_session = lambda: _Raising(error)  # type: ignore[assignment,method-assign,return-value]
    async with AsyncEFundPay(
        api_key=API_KEY, merchant_account_id=MERCHANT, transport=transport, retry=NO_WAIT,
        max_retries=0,
    ) as client:  # fmt: skip
        with pytest.raises(APIConnectionError) as raised:
            await client.customers.toggle("cus_1")
    return raised.value


def test_the_old_certificate_error_really_fails_on_os_error() -> None:
    with pytest.raises(AttributeError):
        _ = certificate_error_as_aiohttp_3_10_made_it().os_error


async def test_an_old_aiohttp_certificate_failure_is_a_connection_error_nothing_sent() -> None:
    error = await _toggle_through(certificate_error_as_aiohttp_3_10_made_it())
    assert error.request_sent is False
    assert "SSLCertVerificationError" in str(error)
    assert isinstance(error.__cause__, TransportError)


@pytest.mark.parametrize(
    "raised",
    [
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        LookupError("unknown encoding: no-such-charset"),
        AttributeError("'NoneType' object has no attribute 'feed_data'"),
        ValueError("invalid literal for int() with base 16"),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
    ids=["unicode", "lookup", "attribute", "value", "os"],
)
async def test_whatever_escapes_aiohttp_becomes_a_connection_error_with_its_cause(
    raised: Exception,
) -> None:
    error = await _toggle_through(raised)
    assert error.request_sent is True  # it may have been sent: nothing says otherwise
    assert error.outcome_unknown is True
    assert isinstance(error.__cause__, TransportError)
    assert error.__cause__.__cause__ is raised
