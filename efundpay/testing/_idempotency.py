"""The v4 ``idempotency-key`` rule: the first request with a key is processed and its response
stored; the same key with the same request replays that response without applying anything;
the same key with a different request is ``422 idempotency_key_reused``.

Keys are scoped per merchant account.  "The same request" means the same path and the same
JSON body, compared as parsed JSON so that key order and whitespace do not matter (a client
re-serialising its body on a retry is still the same request).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import attrs

__all__ = ["IdempotencyStore", "StoredResponse", "fingerprint"]


@attrs.frozen
class StoredResponse:
    """A response kept for replay: its HTTP status and JSON payload."""

    status: int
    payload: Any


def fingerprint(raw_path: str, body: bytes) -> str:
    """What must match for a request to count as "the same" under one key."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    return f"{raw_path}\n{canonical}"


class IdempotencyStore:
    """Stored responses by ``(merchant, key)``, each with the fingerprint of its request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[str, StoredResponse]] = {}

    def lookup(self, merchant: str, key: str, print_: str) -> StoredResponse | None:
        """The stored response for a matching request, ``None`` for a new key.

        Raises :class:`KeyError` when the key was used for a different request.
        """
        with self._lock:
            entry = self._entries.get((merchant, key))
        if entry is None:
            return None
        stored_print, response = entry
        if stored_print != print_:
            raise KeyError(key)
        return response

    def store(self, merchant: str, key: str, print_: str, response: StoredResponse) -> None:
        """Remember ``response`` for later requests with this key."""
        with self._lock:
            self._entries[(merchant, key)] = (print_, response)

    def clear(self) -> None:
        """Forget every key."""
        with self._lock:
            self._entries.clear()
