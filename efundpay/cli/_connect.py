"""Building the client a command uses, from the global options and the environment."""

from __future__ import annotations

import argparse
import os
import sys

from .._client import AsyncEFundPay
from .._config import ENV_API_KEY, ENV_MERCHANT_ACCOUNT_ID
from .._errors import ConfigurationError
from .._retry import RetryPolicy
from .._transport import AiohttpTransport
from ._trace import RateGate, TracingTransport

__all__ = ["api_key", "open_client"]


def api_key(args: argparse.Namespace) -> str | None:
    """The API key: from ``--api-key-file`` (``-`` = stdin), else ``EFUNDPAY_API_KEY``."""
    path: str | None = getattr(args, "api_key_file", None)
    if path is None:
        return os.environ.get(ENV_API_KEY) or None
    try:
        if path == "-":
            text = sys.stdin.readline()
        else:
            with open(path, encoding="utf-8") as file:
                text = file.read()
    except OSError as exc:
        raise ConfigurationError(f"cannot read --api-key-file {path}: {exc.strerror}") from None
    return text.strip() or None


def open_client(
    args: argparse.Namespace,
    key: str | None,
    *,
    gate: RateGate | None = None,
    connections: int = 10,
    retry: RetryPolicy | None = None,
) -> tuple[AsyncEFundPay, TracingTransport]:
    """A client configured by the command line, and its tracing transport.

    Raises :class:`ConfigurationError` (before any I/O) naming the environment variable or
    option to set.
    """
    if not key:
        raise ConfigurationError(
            f"no API key: set {ENV_API_KEY}, or pass --api-key-file PATH (see efundpay --help)"
        )
    merchant = args.merchant_account_id or os.environ.get(ENV_MERCHANT_ACCOUNT_ID)
    if not merchant:
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
    )
    return client, transport
