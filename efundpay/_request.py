"""The description of one API call, as resources build it and the client's pipeline runs it."""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Mapping
from typing import Any, Final, Generic, Literal, TypeVar
from urllib.parse import quote

import attrs

from ._config import Timeout
from ._forksafe import on_fork_in_child
from ._tokens import is_header_name, is_header_token

__all__ = [
    "PROTECTED_HEADERS",
    "APIRequest",
    "CallOptions",
    "call_options",
    "new_idempotency_key",
    "path_segment",
]

T = TypeVar("T")


# What a path segment may hold as it is: letters, digits, "-", "_" and "~" (ASCII only).
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9_~-]+")


def path_segment(value: str) -> str:
    """Percent-encode one path parameter so that no id can change the route.

    Everything but letters, digits, ``-``, ``_`` and ``~`` is encoded, including ``/``, ``?``,
    ``#`` and ``.`` (so ``..`` cannot climb a level once a proxy normalises the path).

    >>> path_segment("sub_1/../x")
    'sub_1%2F%2E%2E%2Fx'
    """
    if _UNRESERVED.fullmatch(value):  # the usual id, e.g. "sub_1a2b": nothing to encode
        return value
    return quote(value, safe="").replace(".", "%2E")


# Keys made 64 at a time from one getrandom() system call (1 KiB), so that a call takes a
# ready key from the store.  A forked child must never hand out its parent's keys (both would
# send the same key), so the fork hook empties the store in the child.  deque.popleft is
# atomic: threads share it.
_KEYS: Final[deque[str]] = deque()
_BATCH: Final = 64


def _uuid4_text(random_16: bytes) -> str:
    raw = bytearray(random_16)
    raw[6] = raw[6] & 0x0F | 0x40  # version 4: random
    raw[8] = raw[8] & 0x3F | 0x80  # variant 10xx: RFC 9562
    digits = raw.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


on_fork_in_child(_KEYS.clear)


def new_idempotency_key() -> str:
    """A new idempotency key, made as the SDK makes one for a call given none.

    A random version 4 UUID in its usual 36-character form, as ``str(uuid.uuid4())``.  Make
    one yourself when the key must be stored *before* the call, so that a retry after a
    crash, or a replay later, carries the same key and eFundPay applies the change once::

        key = efundpay.new_idempotency_key()
        jobs.save(subscription_id, key)          # first: a restarted worker finds it
        client.subscriptions.cancel(subscription_id, idempotency_key=key)

    Made from 16 random bytes (``os.urandom``) with the version and variant bits set as
    RFC 9562 says, without building a ``uuid.UUID`` object; 64 keys are made from one read
    of 1 KiB, which matters on a path that runs for every call.  A forked child never makes
    its parent's next keys.

    >>> import uuid; uuid.UUID(new_idempotency_key()).version
    4
    """
    try:
        return _KEYS.popleft()
    except IndexError:
        block = os.urandom(16 * _BATCH)
        _KEYS.extend([_uuid4_text(block[i : i + 16]) for i in range(16, len(block), 16)])
        return _uuid4_text(block[:16])


#: Headers the SDK sets itself, which ``extra_headers`` cannot replace: credentials and
#: request signatures, the idempotency key, the merchant account, and the framing of the body.
PROTECTED_HEADERS: Final = frozenset(
    {
        "authorization",
        "idempotency-key",
        "x-merchant-account-id",
        "x-signature",
        "x-nonce-str",
        "x-timestamp",
        "content-type",
        "content-length",
        "transfer-encoding",
        "host",
    }
)


@attrs.frozen
class CallOptions:
    """Settings of one call that replace the client's: see :func:`call_options`."""

    timeout: Timeout | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str] | None = None


def call_options(
    timeout: Timeout | float | None,
    max_retries: int | None,
    extra_headers: Mapping[str, str] | None,
) -> CallOptions | None:
    """The per-call options, checked before anything is sent; ``None`` when none is given.

    Raises :class:`TypeError` or :class:`ValueError` naming the option (and the header),
    never repeating a refused header value: it may be a credential.

    >>> call_options(None, None, None) is None
    True
    >>> call_options(None, None, {"Authorization": "x"})
    Traceback (most recent call last):
    ...
    ValueError: extra_headers cannot set 'Authorization': the SDK sets it itself
    """
    if timeout is None and max_retries is None and extra_headers is None:
        return None  # the usual call: nothing to check, nothing allocated
    if timeout is not None:
        timeout = Timeout.coerce(timeout)
    if max_retries is not None:
        max_retries = _check_max_retries(max_retries)
    headers = None if extra_headers is None else _check_extra_headers(extra_headers)
    return CallOptions(timeout, max_retries, headers)


def _check_max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be a whole number, 0 or more; got {value!r}")
    return value


def _check_extra_headers(extra_headers: object) -> dict[str, str]:
    if not isinstance(extra_headers, Mapping):
        raise TypeError("extra_headers must be a mapping of header names to values")
    checked: dict[str, str] = {}
    for name, value in extra_headers.items():
        if not isinstance(name, str) or not is_header_name(name):
            raise ValueError(
                f"extra_headers: {name!r} is not a header name (letters, digits and "
                "!#$%&'*+.^_`|~- only)"
            )
        if name.lower() in PROTECTED_HEADERS:
            raise ValueError(f"extra_headers cannot set {name!r}: the SDK sets it itself")
        if not isinstance(value, str):
            raise TypeError(f"extra_headers[{name!r}] must be a string, not {type(value).__name__}")
        if not is_header_token(value):
            raise ValueError(
                f"extra_headers[{name!r}] must be visible ASCII characters (no spaces, line "
                "breaks or other controls)"
            )
        checked[str.__str__(name)] = str.__str__(value)
    return checked


class APIRequest(Generic[T]):
    """One call: where it goes, what it carries, how its answer is read, whether it may repeat.

    A plain slotted class rather than a frozen attrs class: one is built for every call, and
    a frozen class pays a Python-level ``object.__setattr__`` call per field.  Nothing changes
    it once built (the pipeline and the instrumentation only read it).

    Attributes:
        operation: the SDK method, e.g. ``"subscriptions.pause"`` (for logs and retry hooks).
        api: ``"v3"`` answers in a ``{"item", "code", "error"}`` envelope; ``"v4"`` answers
            with the bare object and needs the merchant account header.
        method: the HTTP method.
        path: the encoded path, starting with ``/v3/`` or ``/v4/``.
        model: the model class the answer is read into.
        body: the JSON body, or ``None`` for none.
        idempotent: ``True`` when repeating the request cannot apply it twice.
        idempotency_key: sent as the ``idempotency-key`` header on every attempt.
        scopes: the permissions the operation needs, for an Auth that states them (a JWT's
            ``scopes`` claim).
        options: the caller's settings for this call alone, or ``None``.
        raw: ``True`` to answer with an :class:`~efundpay.APIResponse` instead of the model.
    """

    __slots__ = (
        "api",
        "body",
        "idempotency_key",
        "idempotent",
        "method",
        "model",
        "operation",
        "options",
        "path",
        "raw",
        "scopes",
    )

    def __init__(
        self,
        *,
        operation: str,
        api: Literal["v3", "v4"],
        method: str,
        path: str,
        model: type[T],
        body: Mapping[str, Any] | None = None,
        idempotent: bool = False,
        idempotency_key: str | None = None,
        scopes: tuple[str, ...] = (),
        options: CallOptions | None = None,
        raw: bool = False,
    ) -> None:
        self.operation = operation
        self.api = api
        self.method = method
        self.path = path
        self.model = model
        self.body = body
        self.idempotent = idempotent
        self.idempotency_key = idempotency_key
        self.scopes = scopes
        self.options = options
        self.raw = raw

    def __repr__(self) -> str:
        # No body: it may carry a customer's details.
        return f"<APIRequest {self.operation} {self.method} {self.path}>"
