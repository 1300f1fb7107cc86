"""The exact bytes of a JSON body, and the strings eFundPay's v3 signatures cover.

One encoder serves every request body (v3 and v4) and every signature, so the bytes that
are signed are the bytes that are sent.  The canonical form is the one the vendor's own SDKs
produce (Go's ``encoding/json`` over a sorted map):

- keys sorted at every level, by code point (the same order as UTF-8 bytes);
- compact: no spaces after ``,`` or ``:``;
- non-ASCII written as raw UTF-8;
- ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\u003c``, ``\\u003e``, ``\\u0026``,
  ``\\u2028``, ``\\u2029``; control characters other than ``\\n``, ``\\r``, ``\\t`` as
  ``\\u00XX``.

The string to sign (``signature-algorithm`` in the vendor's docs)::

    data=<base64(body)>&method=<lowercase>&nonceStr=<n>&requestUrl=<url>&signType=sha256&timestamp=<t>

``data=`` is left out when there is no body; ``requestUrl`` is left out for a notification
that eFundPay sends (it is signed the same way, without the URL).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from typing import Any, Final

__all__ = ["canonical_json", "v3_string_to_sign"]

_ENCODER: Final = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False
)
# The C encoder that ``_ENCODER.encode`` builds anew for every body (with a closure and a
# dict of markers), built once: a third of the cost for a small body.  It skips the
# circular-reference check; a body that contains itself exhausts its recursion instead, and
# then ``_ENCODER`` encodes it again to raise the usual ValueError.  Without the C
# accelerator (another Python implementation), ``_ENCODER`` encodes every body.
_make_c_encoder: Callable[..., Callable[[Any, int], Iterable[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None
)
_C_ENCODER: Final = (
    None
    if _make_c_encoder is None
    else _make_c_encoder(
        None,  # no markers: no circular-reference check
        _ENCODER.default,
        json.encoder.encode_basestring,  # ensure_ascii=False
        None,  # no indent
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        True,  # sort_keys
        False,  # skipkeys
        False,  # allow_nan
    )
)


def _encode(body: Any) -> str:
    """``_ENCODER.encode(body)``."""
    if _C_ENCODER is not None:
        try:
            return "".join(_C_ENCODER(body, 0))
        except RecursionError:
            pass
    return _ENCODER.encode(body)


# Characters the vendors' encoder escapes beyond what json.dumps does.  They can only occur
# inside strings in json.dumps' output, so replacing them there is safe.
_EXTRA: Final = re.compile("[<>&\u2028\u2029]")
# json.dumps writes \b and \f in short form; Go writes \u0008 and \u000c.  Escapes are
# matched pairwise from the left, so an escaped backslash followed by "b" is left alone.
_SHORT_ESCAPE: Final = re.compile(r"\\[bf\"\\/nrtu]")
_LONG_FORM: Final = {"\\b": "\\u0008", "\\f": "\\u000c"}


def _escape_extra(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _long_form(match: re.Match[str]) -> str:
    escape = match.group()
    return _LONG_FORM.get(escape, escape)


def canonical_json(body: Any) -> bytes:
    """The canonical bytes of ``body``: what is sent, and what is signed.

    >>> canonical_json({"b": "<&>", "a": [1, "é"]})
    b'{"a":[1,"\\xc3\\xa9"],"b":"\\\\u003c\\\\u0026\\\\u003e"}'
    """
    text = _encode(body)
    if "<" in text or ">" in text or "&" in text or "\u2028" in text or "\u2029" in text:
        text = _EXTRA.sub(_escape_extra, text)
    if "\\b" in text or "\\f" in text:
        text = _SHORT_ESCAPE.sub(_long_form, text)
    return text.encode()


def v3_string_to_sign(
    *,
    method: str,
    nonce: str,
    timestamp: str,
    body: bytes | None,
    url: str | None,
) -> str:
    """The string an ``X-Signature`` covers, from the exact bytes sent or received.

    ``url`` is the full URL requested, or ``None`` for a notification eFundPay sends.
    ``body`` ``None`` or empty leaves the ``data=`` part out.
    """
    parts = []
    if body:
        parts.append("data=" + base64.b64encode(body).decode("ascii"))
    parts.append("method=" + method.lower())
    parts.append("nonceStr=" + nonce)
    if url is not None:
        parts.append("requestUrl=" + url)
    parts.append("signType=sha256")
    parts.append("timestamp=" + timestamp)
    return "&".join(parts)
