"""The description of one API call, as resources build it and the client's pipeline runs it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Final, Generic, Literal, TypeVar
from urllib.parse import quote

import attrs

__all__ = ["APIRequest", "new_idempotency_key", "path_segment"]

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


def new_idempotency_key() -> str:
    """A random version 4 UUID in its usual 36-character form, as ``str(uuid.uuid4())``.

    Made from 16 random bytes directly, with the version and variant bits set as RFC 9562
    says: the same key at less than half the cost of building a ``uuid.UUID`` object,
    which matters on a path that runs for every call.

    >>> import uuid; uuid.UUID(new_idempotency_key()).version
    4
    """
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4: random
    raw[8] = raw[8] & 0x3F | 0x80  # variant 10xx: RFC 9562
    digits = raw.hex()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


@attrs.frozen
class APIRequest(Generic[T]):
    """One call: where it goes, what it carries, how its answer is read, whether it may repeat.

    Attributes:
        operation: the SDK method, e.g. ``"subscriptions.pause"`` (for logs and retry hooks).
        api: ``"v3"`` answers in a ``{"item", "code", "error"}`` envelope; ``"v4"`` answers
            with the bare object and needs the merchant account header.
        path: the encoded path, starting with ``/v3/`` or ``/v4/``.
        model: the model class the answer is read into.
        body: the JSON body, or ``None`` for none.
        idempotent: ``True`` when repeating the request cannot apply it twice.
        idempotency_key: sent as the ``idempotency-key`` header on every attempt.
        scopes: the permissions the operation needs, for an Auth that states them (a JWT's
            ``scopes`` claim).
    """

    operation: str
    api: Literal["v3", "v4"]
    method: str
    path: str
    model: type[T]
    body: Mapping[str, Any] | None = None
    idempotent: bool = False
    idempotency_key: str | None = None
    scopes: tuple[str, ...] = ()
