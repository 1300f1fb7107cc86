"""``Headers``: the response headers an error or a response carries, read-only and picklable.

HTTP header names are case-insensitive, so ``error.headers["Retry-After"]`` and
``error.headers["retry-after"]`` must find the same value.  aiohttp's own
``CIMultiDictProxy`` does that, but cannot be pickled, and an exception crosses process
boundaries (a ``ProcessPoolExecutor``, a task queue) only when all it holds can be.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["Headers"]


class Headers(Mapping[str, str]):
    """A read-only, case-insensitive mapping of header names to values.

    A header sent more than once reads as its first value; :meth:`get_all` gives them all.
    Iteration yields each name once, as the server first spelled it.

    >>> headers = Headers({"Retry-After": "3"})
    >>> headers["retry-after"], "RETRY-AFTER" in headers
    ('3', True)
    """

    __slots__ = ("_first", "_items")

    _items: tuple[tuple[str, str], ...]
    _first: dict[str, tuple[str, str]]

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs: Iterable[tuple[str, str]]
        if isinstance(headers, Headers):
            pairs = headers._items
        elif isinstance(headers, Mapping):
            # A multidict's items() gives every value of a repeated header.
            pairs = headers.items()
        else:
            pairs = headers
        self._set(tuple((str(name), str(value)) for name, value in pairs))

    def _set(self, items: tuple[tuple[str, str], ...]) -> None:
        first: dict[str, tuple[str, str]] = {}
        for name, value in items:
            first.setdefault(name.lower(), (name, value))
        object.__setattr__(self, "_items", items)
        object.__setattr__(self, "_first", first)

    def __getitem__(self, name: str) -> str:
        if not isinstance(name, str):
            raise KeyError(name)
        return self._first[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._first.values())

    def __len__(self) -> int:
        return len(self._first)

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``, in the order received (empty when absent)."""
        key = name.lower()
        return [value for header, value in self._items if header.lower() == key]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self.items()) == {str(k): v for k, v in other.items()}
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Headers are read-only")

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Headers, (self._items,))
