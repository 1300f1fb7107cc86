"""Exit codes, and what the command line says about each kind of failure.

One table decides the exit code of every error class; the ``--help`` epilog is printed from
the same table, so the documentation cannot drift from the behaviour.
"""

from __future__ import annotations

import enum
from typing import Any, Final

import attrs

from .. import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    EFundPayError,
    InternalServerError,
    PermissionDeniedError,
    RateLimitError,
    WebhookVerificationError,
)
from ..redaction import Secrets, redact_text

__all__ = [
    "EXIT_CODES_HELP",
    "ExitCode",
    "Failure",
    "UsageError",
    "describe_failure",
    "exit_code_for",
]


class UsageError(ValueError):
    """The command line was used wrongly (exit status 2); nothing was sent."""


class ExitCode(enum.IntEnum):
    """The process exit status of ``efundpay``; see :data:`EXIT_CODES_HELP`."""

    OK = 0
    SOME_FAILED = 1
    USAGE = 2
    CONFIGURATION = 3
    AUTH = 4
    REJECTED = 5
    RATE_LIMITED = 6
    CONNECTION = 7
    SERVER = 8
    BAD_RESPONSE = 9
    NOT_VERIFIED = 10
    INTERRUPTED = 130


_MEANINGS: Final[dict[ExitCode, str]] = {
    ExitCode.OK: "success",
    ExitCode.SOME_FAILED: "bulk run finished, but some ids failed or were invalid (see results)",
    ExitCode.USAGE: "usage error or invalid value (nothing was sent)",
    ExitCode.CONFIGURATION: "configuration: missing/bad API key, merchant id, base URL, port",
    ExitCode.AUTH: "authentication (401) or permission (403) refused",
    ExitCode.REJECTED: "eFundPay refused the request: 400, 404 not found, 409 conflict, 422",
    ExitCode.RATE_LIMITED: "rate limited (429 / EXCEEDED_LIMIT) after the retries; a bulk run "
    "also stops so when eFundPay asks for a longer pause than the SDK waits",
    ExitCode.CONNECTION: "connection failed or timed out (read 'outcome unknown' below)",
    ExitCode.SERVER: "eFundPay server error (5xx) after the retries",
    ExitCode.BAD_RESPONSE: "eFundPay's response was not in the documented shape",
    ExitCode.NOT_VERIFIED: "a notification failed verification (webhooks verify)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}

EXIT_CODES_HELP: Final = (
    "exit codes:\n"
    + "\n".join(f"  {code.value:<4} {meaning}" for code, meaning in _MEANINGS.items())
    + "\n\n"
    "outcome unknown: after a timeout, a dropped connection or a 5xx the change may have\n"
    "been applied.  A subscription change is safe to repeat with the --idempotency-key the\n"
    "error prints (eFundPay applies it at most once).  A toggle is not: check the customer\n"
    "before toggling again, or you may flip it back."
)

# Most specific first: subclasses before their parents.
_BY_CLASS: Final[tuple[tuple[type[BaseException], ExitCode], ...]] = (
    (ConfigurationError, ExitCode.CONFIGURATION),
    (AuthenticationError, ExitCode.AUTH),
    (PermissionDeniedError, ExitCode.AUTH),
    (RateLimitError, ExitCode.RATE_LIMITED),
    (InternalServerError, ExitCode.SERVER),
    (APIStatusError, ExitCode.REJECTED),
    (APIConnectionError, ExitCode.CONNECTION),
    (APIResponseValidationError, ExitCode.BAD_RESPONSE),
    (WebhookVerificationError, ExitCode.NOT_VERIFIED),
    (ValueError, ExitCode.USAGE),
    (TypeError, ExitCode.USAGE),
)


def exit_code_for(error: BaseException) -> ExitCode:
    """The exit code of an error the SDK (or an argument check) raised."""
    for error_class, code in _BY_CLASS:
        if isinstance(error, error_class):
            return code
    raise TypeError(f"no exit code for {type(error).__name__}") from error


@attrs.frozen
class Failure:
    """An error, reduced to what the command line prints and records.

    ``error_type`` is the SDK's class name (``NotFoundError``); ``code`` eFundPay's error
    code when it sent one; ``hint`` tells the user what to do next.
    """

    exit_code: ExitCode
    error_type: str
    message: str
    code: str | None = None
    status_code: int | None = None
    request_id: str | None = None
    idempotency_key: str | None = None
    outcome_unknown: bool = False
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``{"error": {...}}`` document printed by ``--json``."""
        return {"error": {**attrs.asdict(self), "exit_code": int(self.exit_code)}}


def _hint(error: APIError) -> str | None:
    if not error.outcome_unknown:
        return None
    if error.idempotency_key is None:
        return (
            "The outcome is unknown: the toggle may have been applied.  Check the "
            "customer's state before toggling again."
        )
    return (
        "The outcome is unknown: the change may have been applied.  Repeat the same command "
        f"with --idempotency-key {error.idempotency_key}: eFundPay applies it at most once."
    )


def describe_failure(error: BaseException, secrets: Secrets) -> Failure:
    """A :class:`Failure` for ``error``, its message cleaned of ``secrets`` and card numbers."""
    code = exit_code_for(error)
    message = redact_text(str(error), secrets)
    if not isinstance(error, APIError):
        # An invalid value (ValueError/TypeError from the SDK's checks) is a usage problem.
        kind = type(error).__name__ if isinstance(error, EFundPayError) else "UsageError"
        return Failure(code, kind, message)
    status = error.status_code if isinstance(error, APIStatusError) else None
    request_id = (
        error.request_id if isinstance(error, APIStatusError | APIResponseValidationError) else None
    )
    return Failure(
        code,
        type(error).__name__,
        message,
        code=error.code if isinstance(error, APIStatusError) else None,
        status_code=status,
        request_id=request_id,
        idempotency_key=error.idempotency_key,
        outcome_unknown=error.outcome_unknown,
        hint=_hint(error),
    )
