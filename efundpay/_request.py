"""The description of one API call, as resources build it and the client's pipeline runs it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Generic, Literal, TypeVar
from urllib.parse import quote

import attrs

__all__ = ["APIRequest", "path_segment"]

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
    """

    operation: str
    api: Literal["v3", "v4"]
    method: str
    path: str
    model: type[T]
    body: Mapping[str, Any] | None = None
    idempotent: bool = False
    idempotency_key: str | None = None
