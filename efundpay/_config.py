"""Configuration objects and how settings are resolved from keywords and the environment.

Precedence, highest first: a constructor keyword, then its ``EFUNDPAY_*`` environment
variable, then the default.  ``base_url`` wins over ``environment``; with no environment
given, a ``sk_test_`` key means the sandbox.  Every problem is a
:class:`~efundpay.ConfigurationError` raised here, before any I/O, naming the keyword and the
environment variable.
"""

from __future__ import annotations

import enum
import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from ._errors import ConfigurationError
from ._retry import RetryPolicy
from ._tokens import is_header_token, shown

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


def _check_seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{attribute.name} must be a number of seconds, not {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be a positive, finite number of seconds")


def _check_total(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        raise ValueError("total must be a number of seconds: every attempt needs a bound")
    _check_seconds(instance, attribute, value)


@attrs.frozen
class Timeout:
    """Time limits for one attempt of a call.

    ``total`` bounds the whole attempt (connecting, sending, waiting, reading) and is always
    in force, so no attempt can hang.  ``connect`` bounds getting a connection (from the pool
    or a new one); when it runs out, nothing was sent.  ``read`` optionally bounds each wait
    for data from the server.

    A plain number ``n`` given where a timeout is expected means ``Timeout(total=n)``.

    >>> Timeout(total=10, connect=2)
    Timeout(total=10, connect=2, read=None)
    """

    total: float = attrs.field(default=30.0, validator=_check_total)
    connect: float | None = attrs.field(default=10.0, validator=_check_seconds)
    read: float | None = attrs.field(default=None, validator=_check_seconds)

    @classmethod
    def coerce(cls, value: Timeout | float) -> Timeout:
        """Accept a :class:`Timeout` or a number of seconds for ``total``."""
        if isinstance(value, Timeout):
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"timeout must be a number of seconds or a Timeout, not {value!r}")
        connect = min(float(value), 10.0) if math.isfinite(value) and value > 0 else 10.0
        return cls(total=value, connect=connect)


def _mask(secret: str) -> str:
    return f"{secret[:8]}…" if len(secret) > 12 else "…"


@attrs.frozen
class ClientConfig:
    """Everything a client resolved at construction; shared by ``with_options`` copies."""

    api_key: str = attrs.field(repr=_mask)
    merchant_account_id: str
    base_url: str
    environment: Environment
    timeout: Timeout
    retry: RetryPolicy
    deadline: float | None

    def evolve(
        self,
        *,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        deadline: float | None = None,
        retry: RetryPolicy | None = None,
    ) -> ClientConfig:
        """A copy with some per-call settings changed; ``None`` keeps the current one."""
        policy = retry if retry is not None else self.retry
        if max_retries is not None:
            policy = policy.with_max_retries(max_retries)
        return attrs.evolve(
            self,
            timeout=Timeout.coerce(timeout) if timeout is not None else self.timeout,
            retry=policy,
            deadline=_check_deadline(deadline) if deadline is not None else self.deadline,
        )


def _header_value(value: str, keyword: str, env_var: str) -> str:
    """A credential must be usable as an HTTP header value: no spaces, controls or non-ASCII."""
    if not is_header_token(value):
        raise ConfigurationError(
            f"{keyword} contains characters that cannot be sent in an HTTP header "
            f"(whitespace, a line break, control or non-ASCII); check {keyword}=... or {env_var}"
        )
    return value


def _check_deadline(deadline: float | None) -> float | None:
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, int | float):
        raise ConfigurationError(f"deadline must be a number of seconds, not {deadline!r}")
    if not (math.isfinite(deadline) and deadline > 0):
        raise ConfigurationError("deadline must be a positive, finite number of seconds")
    return float(deadline)


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# What RFC 3986 lets a URL hold as it is: anything else (a space, a quote, a brace, a
# control or non-ASCII character) would reach the request line raw or be mangled on the way.
_URL_TEXT: Final = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def normalize_base_url(url: str, *, source: str) -> str:
    """Check a base URL and drop its trailing slash.

    ``https://`` is required, except for loopback hosts (a local fake or proxy), where
    ``http://`` is accepted.  ``source`` names where the value came from, for the message.
    No message repeats the URL: a refused one may carry a password or a key.
    """
    if not _URL_TEXT.fullmatch(url):
        raise ConfigurationError(
            f"{source} holds characters a URL cannot carry as they are (a space, a line "
            "break, a quote, a brace, a control or non-ASCII character); percent-encode them"
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise ConfigurationError(
            f"{source} is not a valid URL (its host or port cannot be read)"
        ) from None
    del port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL such as 'https://api.efundpay.com'"
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"{source} must not contain credentials (user:password@); the API key travels "
            "in a header"
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigurationError(f"{source} must not contain a query (?...) or a fragment (#...)")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{source} uses plain http:// for a non-loopback host ({parts.hostname}); "
            "API keys and card data must travel over https://"
        )
    return url.rstrip("/")


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
    api_key: str | None,
    merchant_account_id: str | None,
    environment: Environment | str | None,
    base_url: str | None,
    timeout: Timeout | float | None,
    max_retries: int | None,
    deadline: float | None,
    retry: RetryPolicy | None,
    env: Mapping[str, str],
) -> ClientConfig:
    """Build a :class:`ClientConfig` from keywords, falling back to ``env``."""
    key, _ = _setting(api_key, env, "api_key", ENV_API_KEY)
    if not key:
        raise ConfigurationError(f"no API key: pass api_key=... or set {ENV_API_KEY}")
    key = _header_value(key, "api_key", ENV_API_KEY)

    merchant, _ = _setting(merchant_account_id, env, "merchant_account_id", ENV_MERCHANT_ACCOUNT_ID)
    if not merchant:
        raise ConfigurationError(
            "no merchant account id (sent as x-merchant-account-id): pass "
            f"merchant_account_id=... or set {ENV_MERCHANT_ACCOUNT_ID}"
        )
    merchant = _header_value(merchant, "merchant_account_id", ENV_MERCHANT_ACCOUNT_ID)

    named, source = _setting(environment, env, "environment", ENV_ENVIRONMENT)
    if named:
        chosen = _parse_environment(named, source=source)
    else:
        chosen = Environment.SANDBOX if key.startswith("sk_test_") else Environment.PRODUCTION

    url, source = _setting(base_url, env, "base_url", ENV_BASE_URL)
    url = normalize_base_url(url, source=source) if url else chosen.base_url

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
    )
