"""Keeping secrets out of text: API keys, card numbers, security codes, client keys.

Used by exception messages and log lines.  Model ``repr`` masking lives with the models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from ._secret import Secret

__all__ = ["MAX_JSON_DEPTH", "REDACTED", "TOO_DEEP", "Secrets", "redact_json", "redact_text"]

#: The secrets to remove from a text: held as :class:`Secret` (or, from older callers, str).
Secrets: TypeAlias = tuple[str | Secret, ...]

REDACTED: Final = "[REDACTED]"

#: How deep :func:`redact_json` follows nested JSON.  Deeper values are replaced by
#: :data:`TOO_DEEP`: nothing eFundPay documents nests past a handful of levels, and a copy
#: bounded in depth can be logged, printed and pickled without running out of stack.
MAX_JSON_DEPTH: Final = 32
TOO_DEEP: Final = "[nested too deep]"

# Keys whose values are never shown in a log line, in any casing or naming style.
SENSITIVE_KEYS: Final = frozenset(
    {
        "number",
        "card_number",
        "cardnumber",
        "security_code",
        "securitycode",
        "cvv",
        "cvc",
        "expiration_date",
        "expirationdate",
        "clientkey",
        "client_key",
        "token_id",
        "tokenid",
        "account_number",
        "accountnumber",
        "authorization",
        "api_key",
        "apikey",
        # OAuth2 token answers and grants (v3): never shown, whatever else redaction misses.
        "accesstoken",
        "access_token",
        "refreshtoken",
        "refresh_token",
        "clientsecret",
        "client_secret",
    }
)

# The patterns are kept as text and compiled by the re module on first use (which caches
# them): most programs never redact anything, and compiling them costs ~1 ms of import time.
#
# 13-19 digits, optionally grouped by spaces or dashes: a card number (PAN).
# Not part of a longer number or of a decimal fraction (a duration, an amount).
_PAN: Final = r"(?<!\d)(?<!\d\.)(?:\d[ -]?){12,18}\d(?!\d|\.\d)"
_API_KEY_SHAPE: Final = r"\bsk_(?:test|live)_[A-Za-z0-9_\-]+"
_KEY_NAMES: Final = "|".join(sorted(SENSITIVE_KEYS, key=len, reverse=True))
# A sensitive key's value in JSON text that could not be parsed (an HTML page, a body cut
# short): ``"clientKey": "ck_…"`` or ``"security_code":123``, the closing quote optional.
_JSON_PAIR: Final = rf'(?i)("(?:{_KEY_NAMES})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}}\]]+)'
# A converter problem about a sensitive field, ``item.clientKey: expected a string, got …``:
# the offending value is the secret itself.
_PROBLEM: Final = rf"(?i)(?<![\w])((?:{_KEY_NAMES})(?:\[\d+\])?: [^;]*?, got )([^;]*)"


def _mask_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_problem(match: re.Match[str]) -> str:
    # A card number keeps its last four digits, as in a model's repr; anything else goes.
    value = match.group(2)
    masked = re.sub(_PAN, _mask_pan, value) if re.fullmatch(_PAN, value.strip()) else REDACTED
    return match.group(1) + masked


def redact_text(text: str, secrets: Secrets = ()) -> str:
    """Remove the given secrets, anything shaped like an eFundPay secret key, card numbers,
    and the values of sensitive keys written as JSON text or named in a converter problem.

    >>> redact_text('{"clientKey": "ck_123", "amount": 5')
    '{"clientKey": "[REDACTED]", "amount": 5'
    """
    for secret in secrets:
        if secret:  # revealed inside the call only: no variable holds the plain value
            text = text.replace(secret.reveal() if isinstance(secret, Secret) else secret, REDACTED)
    text = re.sub(_API_KEY_SHAPE, REDACTED, text)
    text = re.sub(_JSON_PAIR, rf'\1"{REDACTED}"', text)
    text = re.sub(_PROBLEM, _mask_problem, text)
    return re.sub(_PAN, _mask_pan, text)


def redact_json(value: Any, secrets: Secrets = (), *, _depth: int = 0) -> Any:
    """A copy of decoded JSON with sensitive keys masked and secrets removed from strings.

    Numbers are kept as they are (an epoch-ms timestamp is not a card number: only text can
    hide one).  Containers nested deeper than :data:`MAX_JSON_DEPTH` become
    :data:`TOO_DEEP`, so the copy is always safe to log, print and pickle.

    >>> redact_json({"card": {"number": "4111111111111111"}, "at": 1732912345678})
    {'card': {'number': '[REDACTED]'}, 'at': 1732912345678}
    """
    if isinstance(value, Mapping | list) and _depth >= MAX_JSON_DEPTH:
        return TOO_DEEP
    if isinstance(value, Mapping):
        return {
            redact_text(key, secrets) if isinstance(key, str) else key: REDACTED
            if isinstance(key, str) and key.lower() in SENSITIVE_KEYS
            else redact_json(item, secrets, _depth=_depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item, secrets, _depth=_depth + 1) for item in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
