"""Keeping secrets out of text: API keys, card numbers, security codes, client keys.

Used by exception messages and log lines.  Model ``repr`` masking lives with the models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["REDACTED", "redact_json", "redact_text"]

REDACTED: Final = "[REDACTED]"

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
    }
)

# 13-19 digits, optionally grouped by spaces or dashes: a card number (PAN).
_PAN: Final = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SECRET_KEY: Final = re.compile(r"\bsk_(?:test|live)_[A-Za-z0-9_\-]+")


def _mask_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "*" * (len(digits) - 4) + digits[-4:]


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove the given secrets, anything shaped like an eFundPay secret key, and card numbers."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _SECRET_KEY.sub(REDACTED, text)
    return _PAN.sub(_mask_pan, text)


def redact_json(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of decoded JSON with sensitive keys masked and secrets removed from strings."""
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in SENSITIVE_KEYS
            else redact_json(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item, secrets) for item in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
