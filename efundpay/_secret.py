"""Secrets held in a type whose ``repr`` and ``str`` mask them.

An API key, an access token, a client secret or a private key is kept in a :class:`Secret`
from the moment the SDK receives it.  ``repr()``, ``str()``, f-strings, ``%`` formatting,
pickling, ``copy`` and frame-locals renderers (``traceback`` with ``capture_locals``,
``pytest -l``, rich, Sentry) all see ``Secret('sk_test_…')``, never the value.  Code that
must send the value calls :meth:`Secret.reveal` at the last moment and keeps the result in no
local variable of its own: it goes straight into a :class:`SecretHeaders` mapping, whose
``repr`` masks the values of credential headers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final, NoReturn

__all__ = ["CREDENTIAL_HEADERS", "Secret", "SecretHeaders", "SecretMapping"]

# Prefixes safe to show: they tell a sandbox key from a production one and nothing more.
_SHOWN_PREFIXES: Final = ("sk_test_", "sk_live_")

# Headers whose values are credentials; :class:`SecretHeaders` masks them in its repr.
CREDENTIAL_HEADERS: Final = frozenset(
    {"authorization", "x-signature", "proxy-authorization", "cookie", "x-api-key"}
)


class Secret:
    """A secret string that never shows itself by accident.

    >>> key = Secret("sk_test_abc123")
    >>> key
    Secret('sk_test_…')
    >>> f"{key}"
    'sk_test_…'
    >>> key.reveal()
    'sk_test_abc123'
    """

    __slots__ = ("__value",)

    __value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        object.__setattr__(self, "_Secret__value", value)

    def reveal(self) -> str:
        """The secret itself: pass it on at once, never keep it in a variable or log it."""
        return self.__value

    def masked(self) -> str:
        """What may be shown: the ``sk_test_``/``sk_live_`` prefix and ``…``."""
        prefix = next((p for p in _SHOWN_PREFIXES if self.__value.startswith(p)), "")
        return f"{prefix}…"

    def __repr__(self) -> str:
        return f"Secret({self.masked()!r})"

    def __str__(self) -> str:
        return self.masked()

    def __format__(self, spec: str) -> str:
        return format(self.masked(), spec)

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __len__(self) -> int:
        return len(self.__value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        import hmac  # noqa: PLC0415 - rarely used

        return hmac.compare_digest(self.__value.encode(), other.__value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self.__value))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("a Secret cannot be changed")

    def __copy__(self) -> Secret:
        return self  # immutable: a copy is the same secret

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled: it would write the secret in the clear")


class SecretHeaders(Mapping[str, str]):
    """Request headers whose ``repr`` masks credentials; what the SDK hands a transport.

    Built anew for every attempt (a copy of the call's template, which is cheap).  Lookups
    ignore case, as HTTP does.

    >>> SecretHeaders({"Authorization": "Bearer sk_test_abc", "Accept": "application/json"})
    SecretHeaders({'Authorization': '[REDACTED]', 'Accept': 'application/json'})
    """

    __slots__ = ("_index", "_items")
    _items: dict[str, str]
    _index: dict[str, str]

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        if type(items) is SecretHeaders:
            # A copy of checked headers (a call's template, once per attempt): two dict
            # copies instead of lowering every name again.
            self._items = items._items.copy()
            self._index = items._index.copy()
            return
        self._items = {}
        self._index = {}
        if items:
            for name, value in items.items():
                self[name] = value

    def __setitem__(self, name: str, value: str) -> None:
        lowered = name.lower()
        old = self._index.get(lowered)
        if old is not None and old != name:
            del self._items[old]
        self._index[lowered] = name
        self._items[name] = value

    def __getitem__(self, name: str) -> str:
        return self._items[self._index[name.lower()]]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def to_dict(self) -> dict[str, str]:
        """A plain ``dict`` copy, credentials in the clear: for handing to an HTTP library.

        The transport passes it straight to aiohttp, which copies a ``dict`` in C (the
        ``Mapping`` views would cost a Python call per header).  Never log or show it: the
        views (``items()``…) and the mapping itself keep their masked ``repr``.
        """
        return self._items.copy()

    def __repr__(self) -> str:
        shown = {
            name: "[REDACTED]" if name.lower() in CREDENTIAL_HEADERS else value
            for name, value in self._items.items()
        }
        return f"{type(self).__name__}({shown!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("request headers cannot be pickled: they hold credentials")


class SecretMapping(Mapping[str, str]):
    """A read-only view of settings (``os.environ``, flags) whose ``repr`` shows names only.

    Configuration is read from the environment, which holds API keys, client secrets and
    PEM keys in the clear; passed around as this view, a frame that holds it shows
    ``SecretMapping(['EFUNDPAY_API_KEY', ...])`` in a traceback rendered with locals.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted(self._items)!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("settings cannot be pickled: they hold credentials")
