"""Configuration objects and how settings are resolved from keywords and the environment.

Precedence, highest first: a constructor keyword, then its ``EFUNDPAY_*`` environment
variable, then the default.  ``base_url`` wins over ``environment``; with no environment
given, a ``sk_test_`` key means the sandbox.  Every problem is a
:class:`~efundpay.ConfigurationError` raised here, before any I/O, naming the keyword and the
environment variable.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from ._env_auth import auth_from_env, v3_auth_from_env
from ._errors import ConfigurationError
from ._retry import RetryPolicy
from ._seconds import check_seconds, optional_positive_seconds
from ._secret import Secret
from ._tokens import is_header_token, shown
from ._types import NOT_GIVEN, NotGiven
from ._urls import normalize_base_url

if TYPE_CHECKING:
    from .auth import Auth

__all__ = [
    "ClientConfig",
    "Environment",
    "Timeout",
    "resolve_config",
]

ENV_API_KEY: Final = "EFUNDPAY_API_KEY"
ENV_MERCHANT_ACCOUNT_ID: Final = "EFUNDPAY_MERCHANT_ACCOUNT_ID"
ENV_ENVIRONMENT: Final = "EFUNDPAY_ENVIRONMENT"
ENV_BASE_URL: Final = "EFUNDPAY_BASE_URL"
ENV_V3_BASE_URL: Final = "EFUNDPAY_V3_BASE_URL"
ENV_V3_ROUTE: Final = "EFUNDPAY_V3_ROUTE"

#: The two v3 routes of the toggle: the seed page's, and the one the vendor's SDKs call.
V3Route = Literal["recurring-payment", "customer-status"]
V3_ROUTES: Final = ("recurring-payment", "customer-status")


class Environment(enum.StrEnum):
    """Which eFundPay deployment a client talks to."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"

    @property
    def base_url(self) -> str:
        """The API host of this environment."""
        return _HOSTS[self]


_HOSTS: Final = {
    Environment.PRODUCTION: "https://api.efundpay.com",
    Environment.SANDBOX: "https://sandbox.efundpay.com",
}


def _check_total(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        raise ValueError("total must be a number of seconds: every attempt needs a bound")
    check_seconds(value, attribute.name)


@attrs.frozen
class Timeout:
    """Time limits for one attempt of a call.

    ``total`` bounds the whole attempt (connecting, sending, waiting, reading) and is always
    in force, so no attempt can hang.  ``connect`` bounds opening a connection (through a
    proxy and TLS included); when it runs out, nothing was sent.  ``read`` optionally bounds
    each wait for data from the server.

    ``pool`` bounds the wait for a free connection when every one of the pool's
    ``Limits(max_connections=...)`` is in use.  That wait comes before the attempt and uses
    none of ``connect`` or ``total``; when it runs out nothing was sent, so the call may be
    retried (a toggle too).  The default ``None`` waits as long as it takes, within the
    call's ``deadline`` if it has one: every connection in use is itself freed within its
    own attempt's ``total``, so the wait always ends.

    A plain number ``n`` given where a timeout is expected means ``Timeout(total=n)``.

    >>> Timeout(total=10, connect=2)
    Timeout(total=10, connect=2, read=None, pool=None)
    """

    total: float = attrs.field(default=30.0, validator=_check_total)
    connect: float | None = attrs.field(default=10.0, validator=optional_positive_seconds)
    read: float | None = attrs.field(default=None, validator=optional_positive_seconds)
    pool: float | None = attrs.field(default=None, validator=optional_positive_seconds)

    @classmethod
    def coerce(cls, value: Timeout | float) -> Timeout:
        """Accept a :class:`Timeout` or a number of seconds for ``total``."""
        if isinstance(value, Timeout):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"timeout must be a number of seconds or a Timeout, not {value!r}")
        connect = min(float(value), 10.0) if math.isfinite(value) and value > 0 else 10.0
        return cls(total=value, connect=connect)


@attrs.frozen
class ClientConfig:
    """Everything a client resolved at construction; shared by ``with_options`` copies.

    ``auth`` signs v4 calls and ``v3_auth`` v3 calls; ``None`` means the API has no
    credentials (no ``api_key`` and no Auth of its own), which its first call reports.
    """

    api_key: Secret | None
    merchant_account_id: str | None
    base_url: str
    environment: Environment
    timeout: Timeout
    retry: RetryPolicy
    deadline: float | None
    v3_base_url: str = attrs.field(
        default=attrs.Factory(lambda self: self.base_url, takes_self=True)
    )
    v3_route: V3Route = "recurring-payment"
    auth: Auth | None = None
    v3_auth: Auth | None = None

    def evolve(
        self,
        *,
        timeout: Timeout | float | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven | None = NOT_GIVEN,
        deadline: float | NotGiven | None = NOT_GIVEN,
        retry: RetryPolicy | NotGiven | None = NOT_GIVEN,
        merchant_account_id: str | NotGiven | None = NOT_GIVEN,
        auth: Auth | NotGiven | None = NOT_GIVEN,
        v3_auth: Auth | NotGiven | None = NOT_GIVEN,
    ) -> ClientConfig:
        """A copy with some settings changed: ``NOT_GIVEN`` keeps one, ``None`` clears it.

        Cleared, ``timeout``, ``max_retries`` and ``retry`` are their defaults again;
        ``deadline``, ``merchant_account_id``, ``auth`` and ``v3_auth`` are unset.
        """
        policy = self.retry if isinstance(retry, NotGiven) else (retry or RetryPolicy())
        if not isinstance(max_retries, NotGiven):
            count = RetryPolicy().max_retries if max_retries is None else max_retries
            policy = policy.with_max_retries(count)
        changes: dict[str, Any] = {"retry": policy}
        if not isinstance(timeout, NotGiven):
            changes["timeout"] = Timeout() if timeout is None else Timeout.coerce(timeout)
        if not isinstance(deadline, NotGiven):
            changes["deadline"] = _check_deadline(deadline)
        if not isinstance(merchant_account_id, NotGiven):
            changes["merchant_account_id"] = (
                None
                if merchant_account_id is None
                else _check_merchant(merchant_account_id, "merchant_account_id=")
            )
        if not isinstance(auth, NotGiven):
            changes["auth"] = None if auth is None else _check_auth(auth, "auth")
        if not isinstance(v3_auth, NotGiven):
            changes["v3_auth"] = None if v3_auth is None else _check_auth(v3_auth, "v3_auth")
        return attrs.evolve(self, **changes)


def _header_value(value: str, keyword: str, env_var: str) -> str:
    """A credential must be usable as an HTTP header value: no spaces, controls or non-ASCII."""
    if not is_header_token(value):
        raise _not_a_header_value(keyword, env_var)
    return value


def _not_a_header_value(keyword: str, env_var: str) -> ConfigurationError:
    """The error for a setting that cannot go on a header line; it never repeats the value
    (a secret's check raises it from a frame that holds the value only as a ``Secret``)."""
    return ConfigurationError(
        f"{keyword} contains characters that cannot be sent in an HTTP header "
        f"(whitespace, a line break, control or non-ASCII); check {keyword}=... or {env_var}"
    )


def _check_deadline(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    try:
        return check_seconds(deadline, "deadline")
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(str(exc)) from None


def _parse_environment(value: str, *, source: str) -> Environment:
    try:
        return Environment(value.strip().lower())
    except ValueError:
        raise ConfigurationError(
            f"{source} must be 'production' or 'sandbox', not {shown(value)}"
        ) from None


def _setting(
    value: object, env: Mapping[str, str], keyword: str, env_var: str
) -> tuple[str | None, str]:
    """A string setting from its keyword, else its environment variable; and its source."""
    if value is not None:
        if not isinstance(value, str):
            raise ConfigurationError(f"{keyword} must be a string, not {type(value).__name__}")
        return value, f"{keyword}="
    return env.get(env_var) or None, env_var


def resolve_config(
    *,
    api_key: str | Secret | None,
    merchant_account_id: str | None,
    environment: Environment | str | None,
    base_url: str | None,
    timeout: Timeout | float | None,
    max_retries: int | None,
    deadline: float | None,
    retry: RetryPolicy | None,
    env: Mapping[str, str],
    auth: Auth | None = None,
    v3_auth: Auth | None = None,
    v3_base_url: str | None = None,
    v3_route: str | None = None,
) -> ClientConfig:
    """Build a :class:`ClientConfig` from keywords, falling back to ``env``.

    The API key is needed only by an API that signs with it (no Auth of its own, from a
    keyword or the environment); the merchant account only by v4 calls.  When no Auth is
    configured at all, a missing key is reported here, as before any client existed.
    """
    key = _resolve_api_key(api_key, env)
    # A keyword beats a variable: an api_key passed here signs every API that has no Auth
    # keyword of its own, even when the environment also describes a JWT or signed-request
    # Auth; the environment's Auth fills in only when neither was passed.
    from_env = api_key is None
    if auth is not None:
        auth = _check_auth(auth, "auth")
    elif from_env:
        auth = auth_from_env(env)
    if v3_auth is not None:
        v3_auth = _check_auth(v3_auth, "v3_auth")
    elif from_env:
        v3_auth = v3_auth_from_env(env)
    if key is None and auth is None and v3_auth is None:
        raise ConfigurationError(f"no API key: pass api_key=... or set {ENV_API_KEY}")

    merchant, source = _setting(
        merchant_account_id, env, "merchant_account_id", ENV_MERCHANT_ACCOUNT_ID
    )
    merchant = _check_merchant(merchant, source) if merchant else None

    named, source = _setting(environment, env, "environment", ENV_ENVIRONMENT)
    if named:
        chosen = _parse_environment(named, source=source)
    elif key is not None and key.reveal().startswith("sk_test_"):
        chosen = Environment.SANDBOX
    else:
        chosen = Environment.PRODUCTION

    url, source = _setting(base_url, env, "base_url", ENV_BASE_URL)
    url = normalize_base_url(url, source=source) if url else chosen.base_url
    v3_url, source = _setting(v3_base_url, env, "v3_base_url", ENV_V3_BASE_URL)
    v3_url = normalize_base_url(v3_url, source=source) if v3_url else url

    try:
        attempt_timeout = Timeout() if timeout is None else Timeout.coerce(timeout)
        policy = retry if retry is not None else RetryPolicy()
        if max_retries is not None:
            policy = policy.with_max_retries(max_retries)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(str(exc)) from None

    return ClientConfig(
        api_key=key,
        merchant_account_id=merchant,
        base_url=url,
        environment=chosen,
        timeout=attempt_timeout,
        retry=policy,
        deadline=_check_deadline(deadline),
        v3_base_url=v3_url,
        v3_route=_resolve_v3_route(v3_route, env),
        auth=auth,
        v3_auth=v3_auth,
    )


# -- credentials: the API key, the merchant account, and Auth objects from the environment ----


def _resolve_api_key(api_key: str | Secret | None, env: Mapping[str, str]) -> Secret | None:
    """The API key as a :class:`Secret` (never a plain local), checked as a header value."""
    if api_key is not None and not isinstance(api_key, str | Secret):
        raise ConfigurationError(f"api_key must be a string, not {type(api_key).__name__}")
    if isinstance(api_key, str):
        api_key = Secret(api_key)
    if api_key is None and env.get(ENV_API_KEY):
        api_key = Secret(env[ENV_API_KEY])
    if api_key is None or not api_key:
        return None
    if not is_header_token(api_key.reveal()):
        raise _not_a_header_value("api_key", ENV_API_KEY)
    return api_key


def _check_merchant(value: str, source: str) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(
            f"merchant_account_id must be a string, not {type(value).__name__}"
        )
    return _header_value(value, "merchant_account_id", ENV_MERCHANT_ACCOUNT_ID)


def missing_merchant_message() -> str:
    """What a v4 call without a merchant account says."""
    return (
        "no merchant account id (sent as x-merchant-account-id on v4 subscription calls): "
        f"pass merchant_account_id=... or set {ENV_MERCHANT_ACCOUNT_ID}"
    )


def missing_auth_message(api: str) -> str:
    """What a call of an API with no credentials says."""
    keyword = "auth" if api == "v4" else "v3_auth"
    return (
        f"no credentials for {api} calls: pass api_key=... or set {ENV_API_KEY} "
        f"(sent as a bearer token), or pass {keyword}=..."
    )


def _check_auth(value: object, keyword: str) -> Auth:
    from .auth import Auth  # noqa: PLC0415 - efundpay.auth imports this module

    if not isinstance(value, Auth):
        raise ConfigurationError(
            f"{keyword} must be an efundpay.auth.Auth (BearerAuth, JWTAuth, "
            f"SignedRequestAuth or your own subclass), not {type(value).__name__}"
        )
    return value


def _resolve_v3_route(value: str | None, env: Mapping[str, str]) -> V3Route:
    route, source = _setting(value, env, "v3_route", ENV_V3_ROUTE)
    if not route:
        return "recurring-payment"
    route = route.strip().lower()
    if route == "recurring-payment":
        return "recurring-payment"
    if route == "customer-status":
        return "customer-status"
    raise ConfigurationError(
        f"{source} must be 'recurring-payment' (POST /v3/recurring-payment/{{id}}/toggle) "
        f"or 'customer-status' (PUT /v3/customer/{{id}}/status), not {route!r}"
    )
