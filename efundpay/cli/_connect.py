"""Building the client a command uses, from the global options and the environment."""

from __future__ import annotations

import argparse
import os
import sys

from .._client import AsyncEFundPay
from .._config import (
    ENV_API_KEY,
    ENV_JWT_KEY_ID,
    ENV_MERCHANT_ACCOUNT_ID,
    ENV_PRIVATE_KEY_FILE,
    ENV_V3_CLIENT_ID,
    ENV_V3_CLIENT_SECRET,
    ENV_V3_PRIVATE_KEY_FILE,
    ENV_V3_TOKEN_URL,
    auth_from_env,
    v3_auth_from_env,
)
from .._errors import ConfigurationError
from .._retry import RetryPolicy
from .._secret import Secret
from .._transport import AiohttpTransport
from ..auth import Auth
from ._trace import RateGate, TracingTransport

__all__ = ["api_key", "open_client"]


def _read_secret_file(path: str, flag: str) -> Secret | None:
    """The file's text (``-`` = its first line from stdin), stripped, as a :class:`Secret`;
    ``None`` when empty.
    """
    try:
        if path == "-":
            text = sys.stdin.readline()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {flag} {path}: {exc.strerror}") from None
    return Secret(text.strip()) if text.strip() else None


def api_key(args: argparse.Namespace) -> Secret | None:
    """The API key: from ``--api-key-file`` (``-`` = stdin), else ``EFUNDPAY_API_KEY``."""
    path: str | None = getattr(args, "api_key_file", None)
    if path is None:
        return Secret(os.environ[ENV_API_KEY]) if os.environ.get(ENV_API_KEY) else None
    return _read_secret_file(path, "--api-key-file")


# Each flag and the environment variable it stands for.
_AUTH_FLAGS = {
    "jwt_key_id": ENV_JWT_KEY_ID,
    "private_key_file": ENV_PRIVATE_KEY_FILE,
    "v3_client_id": ENV_V3_CLIENT_ID,
    "v3_private_key_file": ENV_V3_PRIVATE_KEY_FILE,
    "v3_token_url": ENV_V3_TOKEN_URL,
}


def auth_settings(args: argparse.Namespace) -> tuple[Auth | None, Auth | None]:
    """``(auth, v3_auth)`` from the signing flags, each falling back to its variable.

    The SDK's own rules build them (see ``efundpay._config``): the flags only stand in for
    the variables they name, so a half-given set is reported the same way.
    """
    settings = dict(os.environ)
    for name, variable in _AUTH_FLAGS.items():
        value = getattr(args, name, None)
        if value:
            settings[variable] = value
    secret_file = getattr(args, "v3_client_secret_file", None)
    if secret_file:
        secret = _read_secret_file(secret_file, "--v3-client-secret-file")
        settings[ENV_V3_CLIENT_SECRET] = "" if secret is None else secret.reveal()
    return auth_from_env(settings), v3_auth_from_env(settings)


def open_client(
    args: argparse.Namespace,
    key: Secret | None,
    *,
    gate: RateGate | None = None,
    connections: int = 10,
    retry: RetryPolicy | None = None,
    v4: bool = True,
) -> tuple[AsyncEFundPay, TracingTransport]:
    """A client configured by the command line, and its tracing transport.

    ``v4`` says whether the command makes v4 calls, which need a merchant account.  Raises
    :class:`ConfigurationError` (before any I/O) naming the environment variable or option
    to set.
    """
    auth, v3_auth = auth_settings(args)
    if not key and (auth if v4 else v3_auth) is None:
        raise ConfigurationError(
            f"no API key: set {ENV_API_KEY}, or pass --api-key-file PATH (see efundpay --help)"
        )
    merchant = args.merchant_account_id or os.environ.get(ENV_MERCHANT_ACCOUNT_ID) or None
    if v4 and not merchant:
        raise ConfigurationError(
            f"no merchant account id: set {ENV_MERCHANT_ACCOUNT_ID} or pass "
            "--merchant-account-id ID"
        )
    transport = TracingTransport(AiohttpTransport(max_connections=connections), gate)
    client = AsyncEFundPay(
        api_key=key,
        merchant_account_id=merchant,
        environment=args.environment,
        base_url=args.base_url,
        timeout=args.timeout,
        max_retries=args.max_retries,
        retry=retry,
        transport=transport,
        auth=auth,
        v3_auth=v3_auth,
        v3_base_url=getattr(args, "v3_base_url", None),
        v3_route=getattr(args, "v3_route", None),
    )
    return client, transport
