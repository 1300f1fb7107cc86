"""The strings a notification's signature may cover: every documented form, and no other.

**v3** (``X-Signature``): ``data=<base64 of the body>&method=<m>&nonceStr=<n>&signType=sha256
&timestamp=<t>`` (:func:`efundpay._canonical.v3_string_to_sign` without a URL).  The forms:

- ``data=`` over the bytes received, exactly; then over a sorted, compact re-encoding of the
  parsed body, for a sender that signs a re-encoding of what it sends: the vendor's Go SDK
  (:func:`canonical_json`), its PHP SDK (``JSON_HEX_TAG|AMP|APOS``, upper-case hex), or an
  encoder that escapes nothing (raw UTF-8, or ASCII only);
- ``method=post`` (what the API reference and the notification itself say), then
  ``method=get`` (what the recurring-payment guide's "Notify Response" table says).

**v4** (``signature``): the JSON body flattened to ``key=value`` pairs joined by ``&``:
objects are flattened in place with no prefix, objects inside arrays too; scalars inside
arrays and ``null`` are left out; booleans are ``true``/``false``; a whole number is written
as an integer.  The forms:

- the order of the pairs: keys sorted per object, each pair where its object is (eFundPay's
  Go SDK), always; all pairs sorted as ``key=value`` strings (a global sort, what the vendors'
  docs and Java/PHP examples read as "sort the parameters"), or all pairs sorted by key, ONLY
  when no key occurs twice among the pairs.  Keys carry no prefix, so with a repeated key a
  sorted form no longer says which value goes where: ``{"id": "evt_1", "data": {"id":
  "sub_A"}}`` and the same body with the two ids swapped sort to one string;
- arrays inside arrays: skipped (the Go SDK), or walked into (a signer that recurses into
  every array); never dropping objects inside arrays, which would leave them unsigned;
- numbers: exact (an integer as written; a fraction in plain decimal notation, as Go's
  ``strconv.FormatFloat(f, 'f', -1, 64)``); as a float64 reader sees them (as Go's
  ``json.Unmarshal`` into ``any`` reads them), ONLY when that rounds no signed integer (else
  ``2**53 + 1`` and ``2**53`` would sign alike); or a fraction as Python's ``repr`` writes it
  (``1e-07``).

Within those limits each form is the same pairs with the same values, so none lets a changed
value through.  What no form can give: the pairs carry no path, so a body that moves a pair to
another object while keeping the in-place order (or, with unique keys, the sorted order)
verifies too, and an object in an array inside an array is unsigned in the Go SDK's form.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Final

from .._canonical import canonical_json, v3_string_to_sign

__all__ = [
    "V3_METHODS",
    "flatten_pairs",
    "parse_json_object",
    "v3_candidates",
    "v3_reencodings",
    "v4_candidates",
    "v4_string",
]

#: The methods a v3 notification's string may name, in the order they are tried.
V3_METHODS: Final = ("post", "get")


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one key may be read differently by the signer and by this parser:
    # such a body is refused rather than guessed at.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError("a key appears twice in one object")
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_object(payload: bytes) -> dict[str, Any]:
    """The body as a JSON object, or ``ValueError`` saying why not (never quoting it)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKeyError as exc:
        raise ValueError(str(exc)) from None
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ValueError(f"the body is not JSON ({reason})") from None
    if not isinstance(data, dict):
        raise ValueError(f"the body is JSON, but not an object ({type(data).__name__})")
    return data


# -- v3 ------------------------------------------------------------------------------------


def _php_escapes(text: str) -> str:
    # PHP's JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS, upper-case hex as PHP writes it.
    # These characters can only occur inside strings in json.dumps' output.
    return (
        text.replace("<", "\\u003C")
        .replace(">", "\\u003E")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def v3_reencodings(parsed: dict[str, Any]) -> list[bytes]:
    """The sorted, compact encodings of a parsed body that the vendors' signers produce.

    Go's (:func:`canonical_json`: ``\\u003c``, ``\\u0026``…), PHP's (``JSON_HEX_*``:
    ``\\u003C``, ``\\u0027``…), and without escapes, with raw UTF-8 or ASCII only.
    """
    plain = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ascii_only = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    return [
        canonical_json(parsed),
        _php_escapes(plain).encode("utf-8"),
        plain.encode("utf-8"),
        ascii_only.encode("ascii"),
    ]


def v3_candidates(
    payload: bytes, parsed: dict[str, Any] | None, *, nonce: str, timestamp: str
) -> Iterator[str]:
    """Every string a v3 notification's ``X-Signature`` may cover, the likeliest first."""
    bodies = [payload]
    for body in v3_reencodings(parsed) if parsed is not None else []:
        if body not in bodies:
            bodies.append(body)
    if parsed == {}:
        bodies.append(b"")  # the vendor's SDKs leave data= out for an empty object too
    for body in bodies:
        for method in V3_METHODS:
            yield v3_string_to_sign(
                method=method, nonce=nonce, timestamp=timestamp, body=body, url=None
            )


# -- v4 ------------------------------------------------------------------------------------


def _plain(value: float) -> str:
    """A fraction in plain decimal notation, shortest round trip (Go's ``'f', -1``)."""
    return format(Decimal(repr(value)), "f")


def _exact(value: int | float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return _plain(value)


class _RoundedError(ValueError):
    pass


def _float64(value: int | float) -> str:
    # Only where float64 holds the value exactly: a rounded integer would let another
    # integer (2**53 + 1 for 2**53) carry the same signature.
    try:
        rounded = float(value)
    except OverflowError:
        raise _RoundedError("beyond float64") from None
    if isinstance(value, int) and rounded != value:
        raise _RoundedError("rounded by float64")
    return _exact(rounded)


def _python_repr(value: int | float) -> str:
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


_NUMBER_STYLES: Final[tuple[Callable[[int | float], str], ...]] = (_exact, _float64, _python_repr)


def flatten_pairs(
    value: Any, number: Callable[[int | float], str] = _exact, *, nested_arrays: bool = False
) -> list[tuple[str, str]]:
    """The ``(key, value)`` pairs of a v4 body, keys sorted per object, in place.

    An array inside an array is skipped, as eFundPay's Go SDK skips it; ``nested_arrays``
    walks into it instead (a signer that recurses into every array).

    >>> flatten_pairs({"b": {"d": 1.0, "c": [True, {"e": None, "f": "x"}]}, "a": False})
    [('a', 'false'), ('f', 'x'), ('d', '1')]
    """
    pairs: list[tuple[str, str]] = []

    def walk(obj: Any) -> None:
        if nested_arrays and isinstance(obj, list):
            for child in obj:
                walk(child)
            return
        if not isinstance(obj, dict):
            return  # a scalar inside an array is not signed
        for key in sorted(obj):
            item = obj[key]
            if isinstance(item, dict):
                walk(item)
            elif isinstance(item, list):
                for child in item:
                    walk(child)
            elif isinstance(item, str):
                pairs.append((key, item))
            elif isinstance(item, bool):
                pairs.append((key, "true" if item else "false"))
            elif isinstance(item, int | float):
                pairs.append((key, number(item)))
            # null: not signed

    walk(value)
    return pairs


def v4_string(pairs: list[tuple[str, str]]) -> str:
    """Pairs joined as the signature covers them: ``k=v&k=v``."""
    return "&".join(f"{key}={value}" for key, value in pairs)


def v4_candidates(body: dict[str, Any]) -> Iterator[str]:
    """Every string a v4 webhook's ``signature`` may cover, the likeliest first, no repeats."""
    seen: set[str] = set()
    for nested_arrays, number in itertools.product((False, True), _NUMBER_STYLES):
        try:
            pairs = flatten_pairs(body, number, nested_arrays=nested_arrays)
        except _RoundedError:
            continue  # this number style would change a signed value
        orders = [pairs]
        if len({key for key, _ in pairs}) == len(pairs):
            # Sorted orders only when each key names one value: with a repeated key they
            # lose which value goes where, and values could be swapped between objects.
            orders.append(sorted(pairs, key=lambda pair: f"{pair[0]}={pair[1]}"))
            orders.append(sorted(pairs, key=lambda pair: pair[0]))
        for ordered in orders:
            text = v4_string(ordered)
            if text not in seen:
                seen.add(text)
                yield text
