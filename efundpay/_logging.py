"""The ``efundpay`` logger, and the ``EFUNDPAY_LOG`` shortcut.

The SDK logs through ``logging.getLogger("efundpay")`` and adds no handler of its own, so
your logging configuration decides what is shown.  ``EFUNDPAY_LOG=info`` (one line per
attempt: request line, status, attempt, duration, request id) or ``EFUNDPAY_LOG=debug`` (also
the request and response bodies, redacted) attaches a stderr handler for quick diagnosis.
API keys, card numbers, security codes and client keys never appear in a log line.
"""

from __future__ import annotations

import logging
import os
from typing import Final

__all__ = ["configure_from_env", "logger"]

logger: Final = logging.getLogger("efundpay")

_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_configured = False


def configure_from_env() -> None:
    """Apply ``EFUNDPAY_LOG`` once per process, if it is set and no handler exists yet."""
    global _configured  # noqa: PLW0603 - a once-per-process switch
    if _configured:
        return
    _configured = True
    level = _LEVELS.get(os.environ.get("EFUNDPAY_LOG", "").strip().lower())
    if level is None or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
