"""Keeping secrets out of text: API keys, JWTs, private keys, card numbers, security codes,
client keys.

Used by exception messages, log lines and the command line's output; public as
:mod:`efundpay.redaction`.  Models mask their sensitive fields in ``repr`` field by field; a
test holds those fields to :func:`is_sensitive_key`, the one rule here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from ._secret import Secret

__all__ = [
    "MAX_JSON_DEPTH",
    "REDACTED",
    "TOO_DEEP",
    "Secrets",
    "is_sensitive_key",
    "redact_json",
    "redact_text",
    "remove_secrets",
]

#: The secrets to remove from a text: held as :class:`Secret` (or, from older callers, str).
Secrets: TypeAlias = tuple[str | Secret, ...]

#: What a removed secret or masked value reads.
REDACTED: Final = "[REDACTED]"

#: How deep :func:`redact_json` follows nested JSON.  Deeper values are replaced by
#: :data:`TOO_DEEP`: nothing eFundPay documents nests past a handful of levels, and a copy
#: bounded in depth can be logged, printed and pickled without running out of stack.
MAX_JSON_DEPTH: Final = 32
TOO_DEEP: Final = "[nested too deep]"

# Which keys' values are never shown, by one rule (:func:`is_sensitive_key`) applied to the
# key's *normalised* form: lower case, without ``_``, ``-``, ``.`` or spaces, so
# ``card_security_code``, ``cardSecurityCode`` and ``CARD-SECURITY-CODE`` are one name.
#
# Whole normalised names: too general to match inside longer names ("number" would
# catch "phone_number").
SENSITIVE_NAMES: Final = frozenset(
    {"number", "expirationdate", "expiry", "tokenid", "authorization", "signature"}
)
# Fragments: a normalised name containing one is sensitive ("cvv2", "cardcvc",
# "customeraccountnumber", "v3clientsecret").
SENSITIVE_FRAGMENTS: Final = (
    "cvv",
    "cvc",
    "securitycode",
    "cardnumber",
    "accountnumber",
    "clientkey",
    "clientsecret",
    "apikey",
    "secretkey",
    "privatekey",
    "password",
    "accesstoken",
    "refreshtoken",
)
# Words: a name with one of these as a word of its own ("card_pan", "cardPAN", but not
# "span" or "company").
SENSITIVE_WORDS: Final = frozenset({"pan", "cvn", "cvd", "csc"})
_SEPARATORS: Final = str.maketrans("", "", "_-. ")


def is_sensitive_key(key: str) -> bool:
    """Whether a JSON key (or field name) holds a value never to show, in any naming style.

    >>> [is_sensitive_key(k) for k in ("cvv2", "cardSecurityCode", "card_pan", "span")]
    [True, True, True, False]
    """
    normalised = key.translate(_SEPARATORS).lower()
    if normalised in SENSITIVE_NAMES or any(part in normalised for part in SENSITIVE_FRAGMENTS):
        return True
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", key)
    return any(word.lower() in SENSITIVE_WORDS for word in words)


# The patterns are kept as text and compiled by the re module on first use (which caches
# them): most programs never redact anything, and compiling them costs ~1 ms of import time.
#
# 13-19 digits, optionally grouped by spaces or dashes: a card number (PAN).
# Not part of a longer number or of a decimal fraction (a duration, an amount).
_PAN: Final = r"(?<!\d)(?<!\d\.)(?:\d[ -]?){12,18}\d(?!\d|\.\d)"
_API_KEY_SHAPE: Final = r"\bsk_(?:test|live)_[A-Za-z0-9_\-]+"
# A signed JWT (header and claims are base64url JSON objects, so both begin "eyJ"): a bearer
# credential whoever minted it, the SDK's JWTAuth or a custom Auth signing with a KMS.
# Not preceded by a base64url character (rather than ``\b``, which "-" satisfies): a text
# such as "eyJ-eyJ-eyJ-…" must not start a scan to its end at every "eyJ", which took time
# quadratic in the length of a hostile error body.
_JWT_SHAPE: Final = r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"
# A PEM private key, PKCS#1 or PKCS#8, encrypted or not; to the end of the text if cut short.
_PRIVATE_KEY_PEM: Final = (
    r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)"
)
# Any key's value in JSON text that could not be parsed (an HTML page, a body cut short):
# ``"clientKey": "ck_…"`` or ``"security_code":123``, the closing quote optional.  Every pair
# is matched; :func:`_mask_pair` asks :func:`is_sensitive_key` about its key.
# A value is a string or a scalar, never an object or array (their pairs are read one by one).
_JSON_PAIR: Final = r'("((?:[^"\\]|\\.)*)"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,{}\[\]"][^\s,}\]]*)'
# A converter problem about a field, ``item.clientKey: expected a string, got …``: for a
# sensitive field the offending value is the secret itself.  The text between the name and
# ", got" may not hold another ``name:``, so each problem is read against its own field.
_PROBLEM: Final = (
    r"(?<![\w-])([\w-]+)((?:\[\d+\])?: (?:(?![\w-]+(?:\[\d+\])?: )[^;])*?, got )([^;]*)"
)


def _mask_pair(match: re.Match[str]) -> str:
    if not is_sensitive_key(match.group(2)):
        return match.group()
    return f'{match.group(1)}"{REDACTED}"'


def _mask_pan(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_problem(match: re.Match[str]) -> str:
    if not is_sensitive_key(match.group(1)):
        return match.group()
    # A card number keeps its last four digits, as in a model's repr; anything else goes.
    value = match.group(3)
    masked = re.sub(_PAN, _mask_pan, value) if re.fullmatch(_PAN, value.strip()) else REDACTED
    return match.group(1) + match.group(2) + masked


def remove_secrets(text: str, secrets: Secrets) -> str:
    """``text`` with each of the given secrets replaced by :data:`REDACTED`, and nothing else
    changed: for text whose other parts must be shown as they are (an idempotency key to
    copy, a long number that is not a card).

    >>> remove_secrets("key sk_test_123 for 4242424242424242", ("sk_test_123",))
    'key [REDACTED] for 4242424242424242'
    """
    for secret in secrets:
        if secret:  # revealed inside the call only: no variable holds the plain value
            text = text.replace(secret.reveal() if isinstance(secret, Secret) else secret, REDACTED)
    return text


def redact_text(text: str, secrets: Secrets = ()) -> str:
    """Remove the given secrets, anything shaped like an eFundPay secret key, a signed JWT
    or a PEM private key, card numbers, and the values of sensitive keys written as JSON
    text or named in a converter problem.

    >>> redact_text('{"clientKey": "ck_123", "amount": 5')
    '{"clientKey": "[REDACTED]", "amount": 5'
    """
    text = remove_secrets(text, secrets)
    text = re.sub(_API_KEY_SHAPE, REDACTED, text)
    text = re.sub(_JWT_SHAPE, REDACTED, text)
    text = re.sub(_PRIVATE_KEY_PEM, REDACTED, text)
    text = re.sub(_JSON_PAIR, _mask_pair, text)
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
            if isinstance(key, str) and is_sensitive_key(key)
            else redact_json(item, secrets, _depth=_depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item, secrets, _depth=_depth + 1) for item in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
