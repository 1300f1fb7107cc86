"""Proxies: an explicit ``proxy=``, and HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY.

Every test goes through :class:`~tests.network_servers.RecordingProxy`, an HTTP proxy on
127.0.0.1 written for these tests, and checks what it saw as well as what the call returned.
"""

from __future__ import annotations

import base64
import ssl

import pytest
import trustme

import efundpay
from efundpay import AiohttpTransport, AsyncEFundPay, ConfigurationError, EFundPay
from efundpay.testing import FakeEFundPay
from tests.helpers import NO_WAIT
from tests.network_servers import RecordingProxy, tls_front

pytestmark = pytest.mark.anyio

# tests/conftest.py clears the proxy variables before each test.


async def test_an_explicit_proxy_carries_calls_to_a_loopback_host(fake: FakeEFundPay) -> None:
    customer_id = fake.add_customer()
    async with (
        RecordingProxy() as proxy,
        AsyncEFundPay(**fake.client_kwargs(), proxy=proxy.url) as client,
    ):
        customer = await client.customers.toggle(customer_id)

    assert customer.is_active is False
    assert fake.customer(customer_id).toggle_count == 1
    assert [(r.method, r.target) for r in proxy.seen] == [
        ("POST", f"{fake.url}/v3/recurring-payment/{customer_id}/toggle")
    ]


async def test_an_explicit_proxy_is_used_even_when_no_proxy_names_the_host(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    async with (
        RecordingProxy() as proxy,
        AsyncEFundPay(**fake.client_kwargs(), proxy=proxy.url) as client,
    ):
        await client.subscriptions.pause("sub_123")

    assert [r.method for r in proxy.seen] == ["POST"]


async def test_proxy_credentials_go_to_the_proxy_and_are_never_shown(
    fake: FakeEFundPay,
) -> None:
    password = "pr0xy-s3cret"
    async with RecordingProxy() as proxy:
        with_credentials = proxy.url.replace("http://", f"http://alice:{password}@")
        async with AsyncEFundPay(**fake.client_kwargs(), proxy=with_credentials) as client:
            await client.subscriptions.pause("sub_123")
            shown = repr(client) + repr(client._transport) + repr(client._transport.proxies)  # type: ignore[attr-defined]

    sent = proxy.seen[0].headers["proxy-authorization"]
    assert base64.b64decode(sent.removeprefix("Basic ")).decode() == f"alice:{password}"
    assert "proxy-authorization" not in {k.lower() for k in fake.requests[0].headers}
    assert password not in shown


async def test_a_refused_proxy_says_so_without_its_password(fake: FakeEFundPay) -> None:
    password = "pr0xy-s3cret"
    async with RecordingProxy() as proxy:
        dead = proxy.url.replace("http://", f"http://alice:{password}@")
    # The proxy has stopped: nothing listens on its port any more.
    async with AsyncEFundPay(**fake.client_kwargs(), proxy=dead, retry=NO_WAIT) as client:
        with pytest.raises(efundpay.APIConnectionError) as raised:
            await client.customers.toggle(fake.add_customer())

    assert raised.value.request_sent is False
    assert password not in str(raised.value)
    assert password not in repr(raised.value.__cause__)


async def test_http_proxy_from_the_environment_is_honoured(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.subscriptions.pause("sub_123")

    assert [r.target for r in proxy.seen] == [f"{fake.url}/v4/subscriptions/sub_123/status"]


async def test_all_proxy_is_the_fallback_for_any_scheme(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with RecordingProxy() as proxy:
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.subscriptions.pause("sub_123")

    assert len(proxy.seen) == 1


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
async def test_no_proxy_sends_a_listed_host_directly(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    async with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.subscriptions.pause("sub_123")

    assert proxy.seen == []
    assert len(fake.requests) == 1


async def test_no_proxy_naming_another_host_leaves_loopback_proxied(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in requests and httpx: a loopback target is bypassed only when NO_PROXY says so.
    async with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "internal.example,10.0.0.1")
        async with AsyncEFundPay(**fake.client_kwargs()) as client:
            await client.subscriptions.pause("sub_123")

    assert len(proxy.seen) == 1


async def test_trust_env_false_ignores_the_proxy_variables(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        async with AsyncEFundPay(**fake.client_kwargs(), trust_env=False) as client:
            await client.subscriptions.pause("sub_123")

    assert proxy.seen == []
    assert len(fake.requests) == 1


async def test_the_environment_is_read_once_when_the_client_is_made(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with RecordingProxy() as proxy, AsyncEFundPay(**fake.client_kwargs()) as client:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        await client.subscriptions.pause("sub_123")

    assert proxy.seen == []


async def test_an_https_target_is_tunnelled_with_connect(
    fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with tls_front(fake, ca) as url, RecordingProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("http://", "http://bob:pw%40x@"))
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # not the one for https
        kwargs = fake.client_kwargs()
        kwargs["base_url"] = url
        async with AsyncEFundPay(**kwargs, verify=trusting) as client:
            sub = await client.subscriptions.pause("sub_123")

    assert sub.status == "paused"
    authority = url.removeprefix("https://")
    assert [(r.method, r.target) for r in proxy.seen] == [("CONNECT", authority)]
    credential = proxy.seen[0].headers["proxy-authorization"].removeprefix("Basic ")
    assert base64.b64decode(credential) == b"bob:pw@x", "percent-decoded, on the CONNECT"
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [("HTTPS_PROXY", "socks5://user:hunter2@127.0.0.1:1080"), ("HTTP_PROXY", "http://:99999")],
)
def test_an_unusable_proxy_variable_is_refused_by_name_before_any_io(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable) as raised:
        AsyncEFundPay(api_key="sk_test_x", merchant_account_id="acct_1")
    assert "hunter2" not in str(raised.value)


def test_proxy_settings_belong_to_the_default_transport() -> None:
    with pytest.raises(ConfigurationError, match="transport"):
        AsyncEFundPay(
            api_key="sk_test_x", proxy="http://127.0.0.1:3128", transport=AiohttpTransport()
        )


def test_the_sync_client_takes_a_proxy_too(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeEFundPay() as fake:  # threaded: the sync client blocks this thread
        import anyio.from_thread  # noqa: PLC0415

        with anyio.from_thread.start_blocking_portal() as portal:
            proxy = portal.call(RecordingProxy().__aenter__)
            try:
                with EFundPay(**fake.client_kwargs(), proxy=proxy.url) as client:
                    client.subscriptions.pause("sub_123")
            finally:
                portal.call(proxy.__aexit__, None, None, None)

    assert [r.method for r in proxy.seen] == ["POST"]
