"""Building the client a command uses: the public constructor, given only what the command
line says; the SDK reads the ``EFUNDPAY_*`` variables itself.

The signing flags stand in for the variables they name (``--jwt-key-id`` for
``EFUNDPAY_JWT_KEY_ID``…), so a set given half by flags and half by the environment is read
by the SDK's own rule (:func:`efundpay.settings.auth_from_env`), not a second one here.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import AiohttpTransport, AsyncEFundPay, ConfigurationError, RetryPolicy
from ..auth import Auth
from ..settings import (
    ENV_API_KEY,
    ENV_JWT_KEY_ID,
    ENV_MERCHANT_ACCOUNT_ID,
    ENV_PRIVATE_KEY_FILE,
    ENV_V3_CLIENT_ID,
    ENV_V3_CLIENT_SECRET,
    ENV_V3_PRIVATE_KEY_FILE,
    ENV_V3_TOKEN_URL,
    Secret,
    SecretMapping,
    auth_from_env,
    v3_auth_from_env,
)

__all__ = ["api_key", "open_client"]

_COMMAND_LINE_HINT = (
    f"; on the command line: {ENV_API_KEY} or --api-key-file PATH (see efundpay --help)"
)


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
    """The API key of ``--api-key-file`` (``-`` = stdin); ``None`` leaves it to the SDK, which
    reads ``EFUNDPAY_API_KEY``.

    The variable is also read here, but only to know which value to mask in what the command
    prints; the client is given the key only when it came from the file.
    """
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
    """``(auth, v3_auth)`` when signing flags were given (each flag standing in for its
    variable); ``(None, None)`` otherwise, leaving the environment to the SDK."""
    flags: dict[str, str] = {
        variable: str(getattr(args, name))
        for name, variable in _AUTH_FLAGS.items()
        if getattr(args, name, None)
    }
    secret_file = getattr(args, "v3_client_secret_file", None)
    if secret_file:
        secret = _read_secret_file(secret_file, "--v3-client-secret-file")
        flags[ENV_V3_CLIENT_SECRET] = "" if secret is None else secret.reveal()
    if not flags:
        return None, None
    settings = SecretMapping({**os.environ, **flags})
    return auth_from_env(settings), v3_auth_from_env(settings)


def open_client(
    args: argparse.Namespace,
    key: Secret | None,
    *,
    connections: int = 10,
    retry: RetryPolicy | None = None,
    v4: bool = True,
) -> AsyncEFundPay:
    """A client configured by the command line.

    ``v4`` says whether the command makes v4 calls, which need a merchant account: the
    command checks before it starts (a bulk run must not fail every id the same way).
    Raises :class:`ConfigurationError` (before any I/O) naming the variable or option to set.
    """
    auth, v3_auth = auth_settings(args)
    transport = AiohttpTransport(max_connections=connections)
    from_file = getattr(args, "api_key_file", None) is not None
    try:
        client = AsyncEFundPay(
            api_key=key if from_file else None,
            merchant_account_id=args.merchant_account_id,
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
    except ConfigurationError as exc:
        hint = _COMMAND_LINE_HINT if "no API key" in str(exc) else ""
        raise ConfigurationError(f"{exc}{hint}") from None
    if v4 and client.merchant_account_id is None:
        raise ConfigurationError(
            f"no merchant account id: set {ENV_MERCHANT_ACCOUNT_ID} or pass "
            "--merchant-account-id ID"
        )
    return client
