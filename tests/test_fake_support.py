"""Helpers shared by the ``test_fake_*`` modules (named so to live among them; no tests here).

The fake's own tests talk raw HTTP through :class:`Wire` (an ``aiohttp.ClientSession`` with
the fake's credentials), never through the SDK client: the fake is the independent check of
what the client sends, so it is tested independently of it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from efundpay.testing import FakeEFundPay

SUB = "sub_1234567890abcdef"
CUS = "cus_123"


@attrs.frozen
class Reply:
    """A response as received: status, headers, raw body, and the body parsed as JSON."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON (fails the test if it is not JSON)."""
        return json.loads(self.body)

    @property
    def error(self) -> Mapping[str, Any]:
        """The ``error`` object of a v3 or v4 error body."""
        error: Mapping[str, Any] = self.json["error"]
        return error


@attrs.define
class Wire:
    """Raw HTTP to a running fake, with correct credentials unless told otherwise."""

    fake: FakeEFundPay
    session: aiohttp.ClientSession

    def auth(self) -> dict[str, str]:
        """The headers every v4 call needs (Authorization and x-merchant-account-id)."""
        return {
            "Authorization": f"Bearer {self.fake.api_key}",
            "x-merchant-account-id": self.fake.merchant_account_id,
        }

    async def post(
        self,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        method: str = "POST",
        within: float | None = None,
    ) -> Reply:
        """Send ``path`` exactly as written (percent-encoding untouched) and read the reply
        (within ``within`` seconds, if given)."""
        url = URL(self.fake.url + path, encoded=True)
        sent_headers = self.auth() if headers is None else dict(headers)
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent_headers.setdefault("Content-Type", "application/json")
        async with self.session.request(
            method,
            url,
            headers=sent_headers,
            data=body,
            timeout=aiohttp.ClientTimeout(total=within),
            # Only the headers asked for: no Content-Type the test did not choose.
            skip_auto_headers=("Content-Type",),
        ) as response:
            return Reply(response.status, response.headers, await response.read())

    async def toggle(self, customer_id: str = CUS, **kwargs: Any) -> Reply:
        """POST the v3 toggle of ``customer_id``."""
        return await self.post(f"/v3/recurring-payment/{customer_id}/toggle", **kwargs)

    async def status(self, body: Any, subscription_id: str = SUB, **kwargs: Any) -> Reply:
        """POST a v4 status change of ``subscription_id`` with JSON ``body``."""
        return await self.post(
            f"/v4/subscriptions/{subscription_id}/status", json_body=body, **kwargs
        )


@asynccontextmanager
async def open_wire(**fake_options: Any) -> AsyncIterator[Wire]:
    """A fake running on the current loop and a session to it; both closed afterwards.

    ``force_close`` gives each request its own connection, so a connection the fake drops
    on purpose is never one another request expected to reuse.
    """
    async with (
        FakeEFundPay(**fake_options) as fake,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session,
    ):
        yield Wire(fake, session)


def post_sync(
    fake: FakeEFundPay, path: str, *, headers: Mapping[str, str], body: bytes = b""
) -> Reply:
    """POST over blocking HTTP (as a sync client does), to a fake running on its thread."""
    request = urllib.request.Request(
        fake.url + path, data=body, method="POST", headers=dict(headers)
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, received, data = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, received, data = error.code, error.headers, error.read()
    return Reply(status, CIMultiDictProxy(CIMultiDict(received.items())), data)
