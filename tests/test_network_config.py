"""Network settings checked at construction: Limits, Timeout(pool=...), base URLs ending in a
version, and the one rule for seconds and for loopback hosts."""

from __future__ import annotations

import argparse
import math

import pytest

from efundpay import (
    AiohttpTransport,
    AsyncEFundPay,
    ConfigurationError,
    Limits,
    RetryPolicy,
    Timeout,
)
from efundpay._seconds import check_seconds
from efundpay._urls import is_loopback
from efundpay.cli._values import positive_seconds

KEY = "sk_test_x"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.efundpay.com/v4",
        "https://api.efundpay.com/v4/",
        "https://api.efundpay.com/V3",
        "https://gateway.example/efundpay/v3",
        "http://127.0.0.1:8080/v4",
    ],
)
def test_a_base_url_ending_in_a_version_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"appends /v3/\.\.\. and /v4/\.\.\. itself"):
        AsyncEFundPay(api_key=KEY, base_url=url)
    with pytest.raises(ConfigurationError, match="v3_base_url"):
        AsyncEFundPay(api_key=KEY, v3_base_url=url)


def test_a_versioned_base_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EFUNDPAY_BASE_URL", "https://api.efundpay.com/v4")
    with pytest.raises(ConfigurationError, match="EFUNDPAY_BASE_URL"):
        AsyncEFundPay(api_key=KEY)


@pytest.mark.parametrize(
    "url", ["https://gateway.example/v4api", "https://gateway.example/v34", "https://x.example/v"]
)
def test_a_path_that_only_looks_like_a_version_is_kept(url: str) -> None:
    assert AsyncEFundPay(api_key=KEY, base_url=url).base_url == url


def test_limits_reach_the_default_transport() -> None:
    limits = Limits(max_connections=7, keepalive_expiry=3)
    client = AsyncEFundPay(api_key=KEY, limits=limits)
    transport = client._transport
    assert isinstance(transport, AiohttpTransport)
    assert transport.limits == limits
    assert transport.max_connections == 7


def test_limits_belong_to_the_default_transport() -> None:
    with pytest.raises(ConfigurationError, match="transport"):
        AsyncEFundPay(api_key=KEY, limits=Limits(), transport=AiohttpTransport())


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_connections": 0}, ValueError),
        ({"max_connections": True}, TypeError),
        ({"max_connections": 2.5}, TypeError),
        ({"max_keepalive_connections": 5}, ValueError),
        ({"max_keepalive_connections": -1}, ValueError),
        ({"keepalive_expiry": 0}, ValueError),
        ({"keepalive_expiry": math.inf}, ValueError),
    ],
)
def test_limits_refuse_what_the_pool_cannot_honour(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        Limits(**kwargs)  # type: ignore[arg-type]


def test_limits_accept_no_keepalive_or_all() -> None:
    assert Limits(max_keepalive_connections=0).keepalive is False
    assert Limits(max_connections=5, max_keepalive_connections=5).keepalive is True
    assert Limits().keepalive is True


def test_a_bad_limit_on_the_client_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"limits must be an efundpay\.Limits"):
        AsyncEFundPay(api_key=KEY, limits={"max_connections": 3})  # type: ignore[arg-type]


def test_the_pool_timeout_defaults_to_none_and_is_checked_like_the_others() -> None:
    assert Timeout().pool is None
    assert Timeout(pool=2.5).pool == 2.5
    for bad in (0, -1, math.nan, math.inf):
        with pytest.raises(ValueError, match="pool must be a finite number of seconds"):
            Timeout(pool=bad)
    with pytest.raises(TypeError, match="pool must be a number of seconds"):
        Timeout(pool=True)


# -- one rule for seconds ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -0.5, math.nan, math.inf, -math.inf])
def test_every_positive_seconds_setting_refuses_the_same_values(bad: float) -> None:
    # Timeout fields, the deadline, the keep-alive expiry and the CLI's --timeout agree.
    with pytest.raises(ValueError, match="finite number of seconds"):
        check_seconds(bad, "x")
    with pytest.raises(ValueError, match="connect must be a finite number of seconds"):
        Timeout(connect=bad)
    with pytest.raises(ConfigurationError, match="deadline must be a finite number of seconds"):
        AsyncEFundPay(api_key=KEY, deadline=bad)
    with pytest.raises(ValueError, match="keepalive_expiry"):
        Limits(keepalive_expiry=bad)
    with pytest.raises(argparse.ArgumentTypeError):
        positive_seconds(repr(bad))


def test_zero_is_allowed_where_the_rule_says_so() -> None:
    assert RetryPolicy(initial_backoff=0, max_backoff=0).max_backoff == 0
    with pytest.raises(ValueError, match="max_backoff must be a finite number of seconds, 0 or"):
        RetryPolicy(max_backoff=-1)
    with pytest.raises(TypeError, match="max_retry_after must be a number of seconds"):
        RetryPolicy(max_retry_after="5")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("api.localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("localhost.example", False),
    ],
)
def test_one_loopback_rule(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
