"""Settings: keywords, EFUNDPAY_* variables, environments, and errors before any I/O."""

from __future__ import annotations

import pytest

from efundpay import AsyncEFundPay, ConfigurationError, Environment, MockTransport, Timeout
from tests.helpers import API_KEY, MERCHANT, ok_customer, scripted

ENV_VARS = (
    "EFUNDPAY_API_KEY",
    "EFUNDPAY_MERCHANT_ACCOUNT_ID",
    "EFUNDPAY_ENVIRONMENT",
    "EFUNDPAY_BASE_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def test_environment_variables_fill_what_is_not_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFUNDPAY_API_KEY", "sk_live_from_env")
    monkeypatch.setenv("EFUNDPAY_MERCHANT_ACCOUNT_ID", "acct_env")
    client = AsyncEFundPay()
    assert client.merchant_account_id == "acct_env"
    assert client.environment is Environment.PRODUCTION
    assert client.base_url == "https://api.efundpay.com"


def test_keywords_win_over_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFUNDPAY_API_KEY", "sk_live_from_env")
    monkeypatch.setenv("EFUNDPAY_MERCHANT_ACCOUNT_ID", "acct_env")
    monkeypatch.setenv("EFUNDPAY_BASE_URL", "https://env.example")
    client = AsyncEFundPay(
        api_key="sk_test_kw", merchant_account_id="acct_kw", base_url="https://kw.example/"
    )
    assert client.merchant_account_id == "acct_kw"
    assert client.base_url == "https://kw.example"


def test_a_test_key_means_the_sandbox_when_no_environment_is_given() -> None:
    client = AsyncEFundPay(api_key="sk_test_abc", merchant_account_id=MERCHANT)
    assert client.environment is Environment.SANDBOX
    assert client.base_url == "https://sandbox.efundpay.com"


def test_an_explicit_environment_wins_over_the_key_prefix() -> None:
    client = AsyncEFundPay(
        api_key="sk_test_abc", merchant_account_id=MERCHANT, environment="production"
    )
    assert client.base_url == "https://api.efundpay.com"


def test_environment_variable_selects_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EFUNDPAY_ENVIRONMENT", "Sandbox")
    client = AsyncEFundPay(api_key="sk_live_abc", merchant_account_id=MERCHANT)
    assert client.base_url == "https://sandbox.efundpay.com"


def test_base_url_wins_over_environment() -> None:
    client = AsyncEFundPay(
        api_key=API_KEY,
        merchant_account_id=MERCHANT,
        environment="production",
        base_url="https://proxy.example/efundpay/",
    )
    assert client.base_url == "https://proxy.example/efundpay"


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"merchant_account_id": MERCHANT}, ("api_key", "EFUNDPAY_API_KEY")),
        ({"api_key": "", "merchant_account_id": MERCHANT}, ("api_key", "EFUNDPAY_API_KEY")),
    ],
)
def test_a_missing_setting_names_the_keyword_and_the_variable(
    kwargs: dict[str, str], names: tuple[str, str]
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        AsyncEFundPay(**kwargs)  # type: ignore[arg-type]
    for name in names:
        assert name in str(raised.value)


@pytest.mark.anyio
async def test_without_a_merchant_account_v3_works_and_a_v4_call_raises_before_any_io() -> None:
    transport = MockTransport(scripted(ok_customer()))
    client = AsyncEFundPay(api_key=API_KEY, transport=transport)
    assert client.merchant_account_id is None

    customer = await client.customers.toggle("cus_123")
    with pytest.raises(ConfigurationError) as raised:
        await client.subscriptions.pause("sub_1")

    assert customer.id == "cus_123"
    assert "merchant_account_id" in str(raised.value)
    assert "EFUNDPAY_MERCHANT_ACCOUNT_ID" in str(raised.value)
    assert [r.url.rsplit("/v3/", 1)[1] for r in transport.requests] == [
        "recurring-payment/cus_123/toggle"
    ], "the v4 call sent nothing"
    assert "x-merchant-account-id" not in transport.requests[0].headers


@pytest.mark.parametrize(
    "url",
    [
        "api.efundpay.com",
        "ftp://api.efundpay.com",
        "https://",
        "https://host:notaport",
        "https://user:pw@api.efundpay.com",
        "https://api.efundpay.com/?x=1",
    ],
)
def test_a_malformed_base_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, base_url=url)


def test_a_malformed_base_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EFUNDPAY_BASE_URL", "not a url")
    with pytest.raises(ConfigurationError, match="EFUNDPAY_BASE_URL"):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT)


def test_plain_http_is_refused_for_remote_hosts() -> None:
    with pytest.raises(ConfigurationError, match="https"):
        AsyncEFundPay(
            api_key=API_KEY, merchant_account_id=MERCHANT, base_url="http://api.efundpay.com"
        )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9000", "http://127.5.0.1"]
)
def test_plain_http_is_accepted_for_loopback(url: str) -> None:
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, base_url=url)
    assert client.base_url == url


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="production"):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, environment="staging")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["sk_test_a\r\nX-Evil: 1", "sk test", "sk_tést"])
def test_a_key_that_cannot_be_a_header_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        AsyncEFundPay(api_key=value, merchant_account_id=MERCHANT)
    assert value not in str(raised.value)


@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"timeout": -1}, {"timeout": "5"}, {"max_retries": -1}, {"deadline": 0}],
)
def test_bad_call_settings_are_configuration_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, **options)  # type: ignore[arg-type]


def test_an_attempt_can_never_be_unbounded() -> None:
    with pytest.raises(ValueError, match="every attempt needs a bound"):
        Timeout(total=None)  # type: ignore[arg-type]


def test_a_number_timeout_bounds_the_whole_attempt() -> None:
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, timeout=2.5)
    assert client.timeout == Timeout(total=2.5, connect=2.5)


def test_repr_never_shows_the_key() -> None:
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT)
    assert API_KEY not in repr(client)
    assert API_KEY[8:] not in repr(client)
    assert "acct_unit" in repr(client)


@pytest.mark.anyio
async def test_with_options_shares_the_pool_and_changes_only_what_is_given() -> None:
    transport = MockTransport(scripted())
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, transport=transport)
    patient = client.with_options(timeout=60, max_retries=5)
    assert patient.max_retries == 5
    assert patient.timeout.total == 60
    assert client.max_retries == 2
    assert patient.base_url == client.base_url
    assert patient._transport is client._transport
    await patient.aclose()
    assert not transport.closed, "closing a copy must not close the shared pool"
    await client.aclose()
    assert transport.closed


def test_with_options_rejects_bad_values_as_configuration_errors() -> None:
    client = AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT)
    with pytest.raises(ConfigurationError):
        client.with_options(max_retries=-2)


SECRET = "hunter2secretvalue"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("base_url", f"https://merchant:{SECRET}@api.efundpay.com"),
        ("base_url", f"https://{SECRET}@api.efundpay.com"),
        ("base_url", f"https://api.efundpay.com/v?api_key={SECRET}"),
        ("base_url", f"https://api.efundpay.com/#{SECRET}"),
        ("base_url", f"https://api.efundpay.com:{SECRET}"),
        ("base_url", f"{SECRET}://api.efundpay.com"),
        ("base_url", f"https://api.efundpay.com/ {SECRET}"),
        ("environment", f"sk_live_{SECRET}"),
        ("environment", SECRET),
        ("EFUNDPAY_ENVIRONMENT", f"sk_live_{SECRET}"),
        ("EFUNDPAY_BASE_URL", f"https://user:{SECRET}@api.efundpay.com"),
    ],
)
def test_a_refused_setting_never_repeats_a_secret_it_holds(
    setting: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs: dict[str, str] = {"api_key": API_KEY, "merchant_account_id": MERCHANT}
    if setting.startswith("EFUNDPAY_"):
        monkeypatch.setenv(setting, value)
    else:
        kwargs[setting] = value
    with pytest.raises(ConfigurationError) as raised:
        AsyncEFundPay(**kwargs)  # type: ignore[arg-type]
    message = str(raised.value)
    assert setting in message
    assert SECRET not in message
    assert SECRET[:6] not in message


@pytest.mark.parametrize(
    "url",
    [
        "https://api.efundpay.com/ v1",
        "https://api.efundpay.com/v1\t",
        "https://api.efundpay.com/\nHost: evil",
        "https://api.efundpay.com/v1\x00",
        "https://api.efundpay.com/vé",
        'https://api.efundpay.com/"x"',
        "https://api.efundpay.com/{x}",
    ],
)
def test_a_base_url_that_cannot_go_on_a_request_line_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, base_url=url)


def test_an_environment_name_that_is_a_plain_word_is_shown_in_the_error() -> None:
    with pytest.raises(ConfigurationError, match="'staging'"):
        AsyncEFundPay(api_key=API_KEY, merchant_account_id=MERCHANT, environment="staging")  # type: ignore[arg-type]
