"""Verifying what eFundPay sends: one call per kind, raw body in, typed notification out.

The order of the checks: the headers are there and well formed; the signature verifies over
one of the documented strings (:mod:`._signed`); the v3 timestamp is inside the tolerance;
the body is a JSON object that fits the model.  Each failure is a
:class:`~efundpay.WebhookVerificationError` whose ``reason`` names the check, and whose text
never contains the body, a signature or a key.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

from .._convert import ConversionError, structure
from .._errors import ConfigurationError, WebhookVerificationError
from .._keys import KeySource, load_public_key, rsa_verify
from ..models.notifications import RecurringPaymentNotification, WebhookEvent
from ._signed import parse_json_object, v3_candidates, v4_candidates

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = [
    "DEFAULT_TOLERANCE",
    "V3_NONCE_HEADER",
    "V3_SIGNATURE_HEADER",
    "V3_TIMESTAMP_HEADER",
    "V4_SIGNATURE_HEADER",
    "load_notification_key",
    "verify_v3_notification",
    "verify_v4_webhook",
]

T = TypeVar("T")

#: How far (seconds, either direction) a v3 ``X-Timestamp`` may be from this clock.
DEFAULT_TOLERANCE: Final = 120.0
V3_SIGNATURE_HEADER: Final = "X-Signature"
V3_NONCE_HEADER: Final = "X-Nonce-Str"
V3_TIMESTAMP_HEADER: Final = "X-Timestamp"
V4_SIGNATURE_HEADER: Final = "signature"

_KEY_WHAT: Final = "webhook verification (public_key=)"


def _fail(message: str, reason: str, header: str | None = None) -> WebhookVerificationError:
    return WebhookVerificationError(message, reason=reason, header=header)


# -- headers -------------------------------------------------------------------------------


def _normalise(name: str) -> str:
    """``X-Nonce-Str``, ``x_nonce_str`` and WSGI's ``HTTP_X_NONCE_STR`` → ``x-nonce-str``."""
    name = name.strip().lower().replace("_", "-")
    return name.removeprefix("http-")


def _items(headers: Any) -> Iterable[tuple[Any, Any]]:
    items = getattr(headers, "items", None)
    if callable(items):
        # Any mapping, and mapping-likes that are not Mappings (http.client's message).
        # Multi-dicts (aiohttp, starlette) repeat a name in items(); a dict has it once.
        return list(items())
    return list(headers)  # a list of (name, value) pairs, as ASGI gives them


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None


def _header_values(headers: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for raw_name, raw_value in _items(headers):
        name, value = _text(raw_name), _text(raw_value)
        if name is not None and value is not None:
            found.setdefault(_normalise(name), []).append(value.strip())
    return found


def _header(found: dict[str, list[str]], name: str) -> str:
    values = found.get(_normalise(name))
    if not values or not values[0]:
        raise _fail(f"the {name} header is missing", "missing_header", name)
    if any(value != values[0] for value in values[1:]):
        raise _fail(f"the {name} header is sent more than once", "malformed_header", name)
    return values[0]


def _b64(text: str) -> bytes | None:
    """Standard base64 → bytes; ``None`` for anything else, or nothing."""
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded or None


# -- keys ----------------------------------------------------------------------------------


def load_notification_key(public_key: KeySource) -> RSAPublicKey:
    """The verifying key from PEM bytes or text, a PEM file, a loaded key, or bare base64.

    eFundPay's dashboards show the platform key as base64 DER without the PEM lines; that
    form is accepted too.  Raises :class:`~efundpay.ConfigurationError` for anything else,
    and names the ``signing`` extra when ``cryptography`` is not installed.
    """
    source = public_key
    if isinstance(source, bytes | str):
        text = source.decode("ascii", "replace") if isinstance(source, bytes) else source
        compact = "".join(text.split())
        if "-----BEGIN" not in text and len(compact) > 64 and _b64(compact) is not None:
            lines = [compact[i : i + 64] for i in range(0, len(compact), 64)]
            source = (
                "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
            )
    key = load_public_key(source, what=_KEY_WHAT)
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415 - loaded above

    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigurationError(
            f"{_KEY_WHAT}: eFundPay signs notifications with RSA; this is a {type(key).__name__}"
        )
    return key


def _verifies(
    key: RSAPublicKey, signatures: list[bytes], strings: Iterable[str], hash_name: str
) -> bool:
    for text in strings:
        message = text.encode("utf-8")
        for signature in signatures:
            if rsa_verify(key, signature, message, hash_name=hash_name):
                return True
    return False


# -- bodies --------------------------------------------------------------------------------


def _parse(payload: bytes) -> dict[str, Any] | None:
    try:
        return parse_json_object(payload)
    except ValueError:
        return None


def _read(payload: bytes, parsed: dict[str, Any] | None, cls: type[T]) -> T:
    if parsed is None:
        try:
            parse_json_object(payload)
        except ValueError as exc:
            raise _fail(f"malformed body: {exc}", "malformed_body") from None
        raise AssertionError("unreachable: a body that parses was passed as unparsed")
    try:
        return structure(parsed, cls)
    except ConversionError as exc:
        # "$.data.amount: expected an integer, got '100'" without the value it got
        problems = "; ".join(problem.split(", got ")[0] for problem in exc.problems)
        raise _fail(f"malformed body: {problems}", "malformed_body") from None


def _as_bytes(payload: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(payload, str):
        # Text has already been decoded by someone; UTF-8 gives back the bytes eFundPay sent.
        return payload.encode("utf-8")
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    raise TypeError(f"payload must be the raw body bytes, not {type(payload).__name__}")


# -- the public functions ------------------------------------------------------------------


def verify_v3_notification(
    payload: bytes | bytearray | memoryview | str,
    headers: Mapping[str, Any] | Iterable[tuple[Any, Any]],
    public_key: KeySource,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> RecurringPaymentNotification:
    """Verify a v3 notification sent to your ``notifyUrl`` and return it, typed.

    Args:
        payload: the raw request body, exactly as received (``await request.body()``,
            ``request.body``): not a re-encoded copy of parsed JSON.
        headers: the request headers, any mapping (names in any case; WSGI ``HTTP_*`` names
            work too): ``X-Signature``, ``X-Nonce-Str``, ``X-Timestamp``.
        public_key: eFundPay's *server* public key (PEM bytes or text, a PEM file, a loaded
            key, or the bare base64 the dashboard shows).
        tolerance: how many seconds ``X-Timestamp`` may be from this machine's clock, in
            either direction; ``None`` skips the check (only for re-checking a saved copy).

    Raises:
        WebhookVerificationError: a header is missing or malformed, the signature does not
            verify, the timestamp is stale, or the body is not what a notification is.
        ConfigurationError: the key is unusable, or the ``signing`` extra is not installed.

    Example::

        notification = verify_v3_notification(body, request.headers, SERVER_PUBLIC_KEY)
        if notification.status == "SUCCESS":
            record_charge(notification.id, notification.amount, notification.currency)
    """
    key = load_notification_key(public_key)
    body = _as_bytes(payload)
    found = _header_values(headers)
    signature_header = _header(found, V3_SIGNATURE_HEADER)
    nonce = _header(found, V3_NONCE_HEADER)
    timestamp = _header(found, V3_TIMESTAMP_HEADER)
    if not timestamp.isascii() or not timestamp.isdigit():
        raise _fail(
            f"{V3_TIMESTAMP_HEADER} is not unix seconds", "malformed_header", V3_TIMESTAMP_HEADER
        )
    *schemes, encoded = signature_header.split()
    scheme = schemes[0] if len(schemes) == 1 else "sha256" if not schemes else ""
    # Compared in constant time, as everything taken from a signature header is.
    if not hmac.compare_digest(scheme.lower().encode(), b"sha256"):
        raise _fail(
            f"{V3_SIGNATURE_HEADER} is not 'sha256 <base64 signature>'",
            "malformed_header",
            V3_SIGNATURE_HEADER,
        )
    signature = _b64(encoded)
    if signature is None:
        raise _fail(
            f"{V3_SIGNATURE_HEADER} is not 'sha256 <base64>'",
            "malformed_header",
            V3_SIGNATURE_HEADER,
        )
    parsed = _parse(body)
    strings = v3_candidates(body, parsed, nonce=nonce, timestamp=timestamp)
    if not _verifies(key, [signature], strings, "sha256"):
        raise _fail(
            "the signature does not verify with this public key (a changed body or header, "
            "or another key)",
            "bad_signature",
            V3_SIGNATURE_HEADER,
        )
    if tolerance is not None:
        skew = time.time() - int(timestamp)
        if abs(skew) > tolerance:
            when = "in the past" if skew > 0 else "in the future"
            raise _fail(
                f"{V3_TIMESTAMP_HEADER} is {abs(skew):.0f} s {when}, outside the "
                f"{tolerance:g} s tolerance (a replayed or delayed notification)",
                "stale_timestamp",
                V3_TIMESTAMP_HEADER,
            )
    return _read(body, parsed, RecurringPaymentNotification)


def verify_v4_webhook(
    payload: bytes | bytearray | memoryview | str,
    headers: Mapping[str, Any] | Iterable[tuple[Any, Any]],
    public_key: KeySource,
) -> WebhookEvent:
    """Verify a v4 webhook and return it, typed.

    The ``signature`` header lists one base64 SHA1withRSA signature per active secret,
    comma separated; the webhook is accepted when any of them verifies with
    ``public_key`` (the platform public key) over the flattened body.  v4 signs no
    timestamp, so a replay can only be caught by its id: see :class:`Deduplicator`.

    Raises:
        WebhookVerificationError: no ``signature`` header, no signature in it verifies, or
            the body is not a JSON object that fits :class:`WebhookEvent`.
        ConfigurationError: the key is unusable, or the ``signing`` extra is not installed.

    Example::

        event = verify_v4_webhook(body, request.headers, PLATFORM_PUBLIC_KEY)
        if event.subscription is not None:
            sync_subscription(event.subscription)
    """
    key = load_notification_key(public_key)
    body = _as_bytes(payload)
    header = _header(_header_values(headers), V4_SIGNATURE_HEADER)
    signatures = [
        decoded
        for candidate in header.split(",")
        if (decoded := _b64(candidate.strip().strip('"').strip())) is not None
    ]
    if not signatures:
        raise _fail(
            f"the {V4_SIGNATURE_HEADER} header holds no base64 signature",
            "malformed_header",
            V4_SIGNATURE_HEADER,
        )
    try:
        parsed = parse_json_object(body)
    except ValueError as exc:
        # The signed string is made from the parsed body: without one nothing can verify.
        raise _fail(f"malformed body: {exc}", "malformed_body") from None
    if not _verifies(key, signatures, v4_candidates(parsed), "sha1"):
        raise _fail(
            "no signature in the signature header verifies with this public key (a changed "
            "body, or another key)",
            "bad_signature",
            V4_SIGNATURE_HEADER,
        )
    return _read(body, parsed, WebhookEvent)
