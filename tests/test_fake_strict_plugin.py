"""The pytest plugin turns strict authentication on (per test, or for a whole run) and gives
its client fixtures credentials made from the fake's throwaway keys."""

from __future__ import annotations

import sys
import types
from typing import Any

# Imported here, before pytester runs: its in-process runs forget modules first imported
# inside them, and cryptography's Rust bindings cannot be imported twice in one process.
import cryptography.hazmat.primitives.asymmetric.ec
import cryptography.hazmat.primitives.asymmetric.rsa
import cryptography.hazmat.primitives.serialization  # noqa: F401
import pytest

import efundpay
from tests.test_fake_plugin import RecordingClient, plugin_args

pytest_plugins = ["pytester"]


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    """Run ``source`` as a test file with the plugin active, warnings as errors, and ``args``."""
    pytester.makepyfile(source)
    options = ["-p", "no:hypothesispytest", "-p", "no:asyncio", "-p", "no:cacheprovider"]
    return pytester.runpytest_inprocess(
        *plugin_args(), *options, "-W", "error", "-q", "--strict-markers", *args
    )


STRICTNESS = """
import pytest

def test_default(efundpay_fake):
    assert (efundpay_fake.strict_auth is not None) is STRICT_BY_DEFAULT

@pytest.mark.efundpay_fake(strict_auth=True)
def test_marked_strict(efundpay_fake):
    assert efundpay_fake.strict_auth is not None
    assert efundpay_fake.token_url == efundpay_fake.url + "/v1/token"

@pytest.mark.efundpay_fake(strict_auth=False)
def test_marked_plain(efundpay_fake):
    assert efundpay_fake.strict_auth is None
"""


@pytest.mark.parametrize("option", [False, True])
def test_strict_auth_per_test_by_marker_and_per_run_by_option(
    pytester: pytest.Pytester, option: bool
) -> None:
    source = f"STRICT_BY_DEFAULT = {option}\n{STRICTNESS}"
    result = run(pytester, source, *(["--efundpay-strict-auth"] if option else []))
    result.assert_outcomes(passed=3)


class Recorded:
    """Stands in for an ``efundpay.auth`` class: keeps the keywords it was built with."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


def test_strict_client_fixtures_authenticate_with_the_fakes_keys(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = types.ModuleType("efundpay.auth")
    auth.JWTAuth = type("JWTAuth", (Recorded,), {})  # type: ignore[attr-defined]
    auth.SignedRequestAuth = type("SignedRequestAuth", (Recorded,), {})  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "efundpay.auth", auth)
    monkeypatch.setattr(efundpay, "EFundPay", RecordingClient, raising=False)
    monkeypatch.setattr(efundpay, "AsyncEFundPay", RecordingClient, raising=False)

    result = run(
        pytester,
        """
        import pytest

        def check(kwargs, fake):
            assert kwargs["base_url"] == fake.url
            assert kwargs["v3_base_url"] == fake.v3_base_url
            assert kwargs["merchant_account_id"] == fake.merchant_account_id
            assert type(kwargs["auth"]).__name__ == "JWTAuth"
            assert kwargs["auth"].kwargs == {
                "key_id": fake.jwt_key_id, "private_key": fake.jwt_private_key_pem,
            }
            assert type(kwargs["v3_auth"]).__name__ == "SignedRequestAuth"
            assert kwargs["v3_auth"].kwargs == {
                "client_id": fake.v3_client_id, "client_secret": fake.v3_client_secret,
                "private_key": fake.v3_private_key_pem, "token_url": fake.token_url,
            }

        @pytest.mark.efundpay_fake(strict_auth=True)
        def test_sync(efundpay_client, efundpay_fake):
            check(efundpay_client.kwargs, efundpay_fake)

        @pytest.mark.anyio
        @pytest.mark.efundpay_fake(strict_auth=True)
        async def test_async(async_efundpay_client, efundpay_fake):
            check(async_efundpay_client.kwargs, efundpay_fake)
        """,
    )

    result.assert_outcomes(passed=2)
