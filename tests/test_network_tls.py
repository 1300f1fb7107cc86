"""Trusted CAs (``verify=``, ``SSL_CERT_FILE``/``SSL_CERT_DIR``) and the plain-http hint.

The servers are real: a TLS front on 127.0.0.1 with a certificate from a throwaway CA made
by trustme, in front of the fake.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
import trustme

import efundpay
from efundpay import AsyncEFundPay, ConfigurationError
from efundpay.testing import FakeEFundPay
from tests.helpers import NO_WAIT
from tests.network_servers import tls_front

pytestmark = pytest.mark.anyio


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(autouse=True)
def no_ca_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


async def _pause_over_tls(
    fake: FakeEFundPay,
    ca: trustme.CA,
    *,
    verify: bool | str | ssl.SSLContext = True,
    trust_env: bool = True,
) -> str:
    async with tls_front(fake, ca) as url:
        kwargs = fake.client_kwargs()
        kwargs["base_url"] = url
        client = AsyncEFundPay(**kwargs, retry=NO_WAIT, verify=verify, trust_env=trust_env)
        async with client:
            return (await client.subscriptions.pause("sub_123")).status


async def test_ssl_cert_file_names_the_cas_to_trust(
    fake: FakeEFundPay, ca: trustme.CA, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    assert await _pause_over_tls(fake, ca) == "paused"


@pytest.fixture
def ca_dir(ca: trustme.CA, tmp_path: Path) -> Path:
    """A directory OpenSSL can search: the CA stored under its subject hash, ``<hash>.0``."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem.bytes())
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(tmp_path / "ca.pem")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp_path / f"{subject_hash}.0").write_bytes(ca.cert_pem.bytes())
    return tmp_path


async def test_ssl_cert_dir_names_the_cas_to_trust(
    fake: FakeEFundPay, ca: trustme.CA, ca_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(ca_dir))
    assert await _pause_over_tls(fake, ca) == "paused"


async def test_without_the_ca_the_same_server_is_refused(
    fake: FakeEFundPay, ca: trustme.CA
) -> None:
    with pytest.raises(efundpay.APIConnectionError, match=r"(?i)certificate"):
        await _pause_over_tls(fake, ca)


async def test_trust_env_false_ignores_ssl_cert_file(
    fake: FakeEFundPay, ca: trustme.CA, ca_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    with pytest.raises(efundpay.APIConnectionError, match=r"(?i)certificate"):
        await _pause_over_tls(fake, ca, trust_env=False)


async def test_verify_takes_a_ca_bundle_path(
    fake: FakeEFundPay, ca: trustme.CA, ca_file: str
) -> None:
    assert await _pause_over_tls(fake, ca, verify=ca_file) == "paused"


async def test_verify_takes_an_ssl_context(fake: FakeEFundPay, ca: trustme.CA) -> None:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    assert await _pause_over_tls(fake, ca, verify=context) == "paused"


@pytest.mark.parametrize("verify", [False, 0, None])
def test_verify_cannot_switch_checks_off(verify: object) -> None:
    with pytest.raises(ConfigurationError, match="TLS checks stay on"):
        AsyncEFundPay(api_key="sk_test_x", verify=verify)  # type: ignore[arg-type]


def test_a_missing_ca_bundle_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "absent.pem"))
    with pytest.raises(ConfigurationError, match="SSL_CERT_FILE"):
        AsyncEFundPay(api_key="sk_test_x")
    with pytest.raises(ConfigurationError, match="verify="):
        AsyncEFundPay(api_key="sk_test_x", verify=str(tmp_path / "absent.pem"), trust_env=False)


async def test_https_to_a_plain_http_server_hints_at_http(fake: FakeEFundPay) -> None:
    kwargs = fake.client_kwargs()
    kwargs["base_url"] = fake.url.replace("http://", "https://")
    async with AsyncEFundPay(**kwargs, retry=NO_WAIT) as client:
        with pytest.raises(efundpay.APIConnectionError) as raised:
            await client.customers.toggle(fake.add_customer())

    assert "is the server plain http? use http:// for a local fake" in str(raised.value)
    assert raised.value.request_sent is False
    assert fake.requests == []


async def test_a_certificate_failure_gets_no_plain_http_hint(
    fake: FakeEFundPay, ca: trustme.CA
) -> None:
    with pytest.raises(efundpay.APIConnectionError) as raised:
        await _pause_over_tls(fake, ca)
    assert "plain http" not in str(raised.value)
