"""Dropping redelivered notifications: a small protocol, and an in-memory implementation.

eFundPay delivers at least once: a notification whose acknowledgement was lost is sent
again, with the same body (v3 also with a new nonce and timestamp).  A signature proves who
sent a message, not that it is the first copy, so an endpoint that moves money must drop
repeats by the notification's id (``notification.dedupe_key``).

The pattern is *claim, act, and release on failure*::

    key = notification.dedupe_key
    if not dedupe.claim(key):
        return ACK                       # a repeat: acknowledge, do nothing
    try:
        act_on(notification)
    except Exception:
        dedupe.release(key)              # let the redelivery try again
        raise
    return ACK

:class:`InMemoryDeduplicator` serves one process.  Several processes need a shared store:
implement the two methods on it, e.g. Redis ``SET key 1 NX EX ttl`` for ``claim`` and
``DEL key`` for ``release``, or a unique constraint in the table you record charges in.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["Deduplicator", "InMemoryDeduplicator"]


@runtime_checkable
class Deduplicator(Protocol):
    """Remembers which notifications were claimed.  Back it with any store you trust."""

    def claim(self, key: str) -> bool:
        """``True`` the first time ``key`` is claimed (act on it); ``False`` for a repeat.

        Must be atomic: of two concurrent claims of one key, exactly one gets ``True``.
        """
        ...

    def release(self, key: str) -> None:
        """Forget ``key`` (acting on it failed), so that a redelivery is acted on."""
        ...


class InMemoryDeduplicator:
    """A thread-safe :class:`Deduplicator` for one process, forgetting keys after ``ttl``.

    Keys are kept for ``ttl`` seconds (default a day: eFundPay's redeliveries come within
    hours) and at most ``max_keys`` at once, the oldest forgotten first.  ``clock`` is a
    monotonic clock in seconds, replaceable in tests.

    >>> from efundpay.webhooks import InMemoryDeduplicator
    >>> dedupe = InMemoryDeduplicator()
    >>> dedupe.claim("ord_1"), dedupe.claim("ord_1")
    (True, False)
    """

    def __init__(
        self,
        ttl: float = 86_400.0,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, got {max_keys!r}")
        self.ttl = ttl
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: OrderedDict[str, float] = OrderedDict()  # key → when it is forgotten

    def claim(self, key: str) -> bool:
        """``True`` the first time ``key`` is claimed within ``ttl``; ``False`` for a repeat."""
        if not key:
            raise ValueError("a dedupe key must be a non-empty string")
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            if key in self._expiry:
                return False
            self._expiry[key] = now + self.ttl
            while len(self._expiry) > self.max_keys:
                self._expiry.popitem(last=False)
            return True

    def release(self, key: str) -> None:
        """Forget ``key``; a no-op when it is not held."""
        with self._lock:
            self._expiry.pop(key, None)

    def __len__(self) -> int:
        """How many keys are held now (expired ones not counted)."""
        with self._lock:
            self._forget_expired(self._clock())
            return len(self._expiry)

    def _forget_expired(self, now: float) -> None:
        # Insertion order is expiry order (one ttl for all), so expired keys are at the front.
        while self._expiry:
            key, expires = next(iter(self._expiry.items()))
            if expires > now:
                return
            del self._expiry[key]
