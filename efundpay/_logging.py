"""The ``efundpay`` logger, the ``EFUNDPAY_LOG`` shortcut, and the per-attempt log lines.

The SDK logs through ``logging.getLogger("efundpay")`` and adds no handler of its own, so
your logging configuration decides what is shown.  ``EFUNDPAY_LOG=info`` (one line per
attempt: request line, status or error, attempt, duration, request id) or
``EFUNDPAY_LOG=debug`` (also the request and response bodies, redacted) attaches a stderr
handler for quick diagnosis.  API keys, card numbers, security codes and client keys never
appear in a log line: headers are never logged and bodies pass through :mod:`._redact`.

Logging never changes what a call returns or raises: a body that cannot be logged (nested
deeper than anything can follow, say) is logged as such, and a failure while writing a log
line is reported on the logger instead of ending the call.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Final

from ._http import HTTPResponse
from ._redact import Secrets, redact_json, redact_text
from ._request import APIRequest
from ._response import request_id_of

__all__ = ["configure_from_env", "log_attempt", "log_failed_attempt", "logger"]

logger: Final = logging.getLogger("efundpay")

_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
# Bodies that are not JSON are cut here: enough to diagnose, never a whole HTML page.
_MAX_TEXT_BODY: Final = 2000


class _ShortcutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler ``EFUNDPAY_LOG`` attaches (a class of its own so it is added once)."""


def configure_from_env() -> None:
    """Apply ``EFUNDPAY_LOG`` (``debug`` or ``info``) if it is set; called by every client.

    The variable is read each time a client is created, so setting it later in a process (a
    notebook, a test) still works.  The level is set on the ``efundpay`` logger; a stderr
    handler is attached only when that logger has none yet, so your own handlers win.
    """
    level = _LEVELS.get(os.environ.get("EFUNDPAY_LOG", "").strip().lower())
    if level is None:
        return
    logger.setLevel(level)
    if not logger.handlers:
        handler = _ShortcutHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


def log_attempt(
    request: APIRequest[Any],
    response: HTTPResponse,
    *,
    url: str,
    attempt: int,
    started: float,
    sent: bytes | None,
    secrets: Secrets,
) -> None:
    """One INFO line for an attempt that got a response; the redacted bodies at DEBUG."""
    if not logger.isEnabledFor(logging.INFO):
        return
    try:
        _log_attempt(
            request, response, url=url, attempt=attempt, started=started, sent=sent, secrets=secrets
        )
    except Exception as exc:  # a log line must never change the call's outcome
        logger.warning(
            "%s: attempt %d could not be logged (%s)",
            request.operation,
            attempt,
            type(exc).__name__,
        )


def _log_attempt(
    request: APIRequest[Any],
    response: HTTPResponse,
    *,
    url: str,
    attempt: int,
    started: float,
    sent: bytes | None,
    secrets: Secrets,
) -> None:
    logger.info(
        "%s %s -> %d (%s, attempt %d, %.1f ms, request_id=%s)",
        request.method,
        url,
        response.status_code,
        request.operation,
        attempt,
        (time.perf_counter() - started) * 1000,
        request_id_of(response),
    )
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("request body: %s", _redacted_body(sent, secrets))
        logger.debug("response body: %s", _redacted_body(response.content, secrets))


def log_failed_attempt(
    request: APIRequest[Any], error: Exception, *, url: str, attempt: int, started: float
) -> None:
    """One INFO line for an attempt that got no usable response (``error`` is redacted)."""
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "%s %s -> %s (%s, attempt %d, %.1f ms)",
            request.method,
            url,
            type(error).__name__,
            request.operation,
            attempt,
            (time.perf_counter() - started) * 1000,
        )


def _redacted_body(content: bytes | None, secrets: Secrets) -> str:
    if not content:
        return "(empty)"
    try:
        return json.dumps(redact_json(json.loads(content), secrets))
    except RecursionError:
        return f"({len(content)} bytes of JSON nested too deep to read)"
    except ValueError:
        # Not JSON (an HTML page, a truncated body): the text redaction still masks secret
        # keys, card numbers and the values of sensitive "key": value pairs.
        text = content[:_MAX_TEXT_BODY].decode("utf-8", errors="replace")
        return redact_text(text, secrets)
