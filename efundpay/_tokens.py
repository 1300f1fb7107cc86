"""Two rules about text the SDK checks: what may travel as an HTTP header value, and how much
of a refused value an error message may repeat.

Every check of a credential, an id sent as a header, or an idempotency key calls
:func:`is_header_token`, so none can be written with ``re.match`` and a ``$`` anchor (which
lets a trailing newline through).  Every message about a refused setting shows the value
through :func:`shown`, so a secret pasted into the wrong setting is never repeated.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["is_header_name", "is_header_token", "shown"]

# Visible ASCII: no space, tab, CR, LF, other controls, DEL or non-ASCII characters.
_VISIBLE_ASCII: Final = re.compile(r"[\x21-\x7e]+")
# RFC 7230's token characters: what an HTTP header name is made of.
_HEADER_NAME: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A value short and plain enough to be a typo, not a secret: "staging", "prod", "live".
_PLAIN_WORD: Final = re.compile(r"[A-Za-z]{1,12}")


def is_header_token(value: str, *, max_length: int | None = None) -> bool:
    """Whether ``value`` can be sent whole as an HTTP header value.

    One or more visible ASCII characters (``!`` to ``~``), the whole string — a trailing
    ``\\n`` fails — and at most ``max_length`` of them when given.

    >>> is_header_token("sk_test_abc"), is_header_token("sk_test_abc\\n")
    (True, False)
    """
    if max_length is not None and len(value) > max_length:
        return False
    return _VISIBLE_ASCII.fullmatch(value) is not None


def is_header_name(name: str) -> bool:
    """Whether ``name`` is an HTTP header name: one or more RFC 7230 token characters.

    >>> is_header_name("X-Trace-Id"), is_header_name("X Trace"), is_header_name("X:1")
    (True, False, False)
    """
    return _HEADER_NAME.fullmatch(name) is not None


def shown(value: str) -> str:
    """``value`` as an error message may show it: a short plain word as itself, anything
    else (a key pasted into the wrong setting, a URL with a password) by its length only.

    >>> shown("staging")
    "'staging'"
    >>> shown("sk_live_4eC39HqLyjWDarjtT1zdp7dc")
    'a value of 32 characters (not shown: it may be a secret)'
    """
    if _PLAIN_WORD.fullmatch(value):
        return repr(value)
    return f"a value of {len(value)} characters (not shown: it may be a secret)"
