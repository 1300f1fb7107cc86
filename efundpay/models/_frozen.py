"""``FrozenDict``: the read-only, hashable mapping of a model's ``extra`` and ``metadata``.

Models are frozen and hashable, so the JSON objects they hold must be too.  A
``types.MappingProxyType`` is read-only but not hashable; a ``FrozenDict`` is both.  JSON
held inside one is frozen all the way down: objects become ``FrozenDict`` s, arrays tuples.
:func:`thaw` turns it back into plain ``dict`` s and ``list`` s (what ``to_dict()`` returns).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FrozenDict", "freeze", "frozen_mapping", "thaw"]


class FrozenDict(Mapping[str, Any]):
    """A read-only, hashable mapping; equal to any mapping with the same JSON content.

    >>> FrozenDict({"tags": ["a", "b"]})["tags"]
    ('a', 'b')
    >>> FrozenDict({"a": 1}) == {"a": 1}
    True
    """

    __slots__ = ("_data", "_hash")

    _data: dict[str, Any]
    _hash: int | None

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        data = {} if items is None else {key: freeze(value) for key, value in items.items()}
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._data == other._data
        if isinstance(other, Mapping):  # compared as JSON: a list equals its tuple
            return self._data == FrozenDict(other)._data
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(frozenset(self._data.items())))
        return self._hash  # type: ignore[return-value]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))


def freeze(value: Any) -> Any:
    """``value`` made hashable: a mapping → :class:`FrozenDict`, a list or tuple → a tuple
    (each item frozen), a set → a ``frozenset``; anything else as it is."""
    if isinstance(value, FrozenDict | str | int | float | None):
        return value
    if isinstance(value, Mapping):
        return FrozenDict(value)
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    if isinstance(value, set | frozenset):
        return frozenset(freeze(item) for item in value)
    return value


def frozen_mapping(value: Mapping[str, Any] | None) -> FrozenDict:
    """The attrs converter of ``extra`` and ``metadata``: a mapping → a :class:`FrozenDict`."""
    if type(value) is FrozenDict:
        return value
    return FrozenDict(value)


def thaw(value: Any) -> Any:
    """The inverse of :func:`freeze`, for JSON: mappings → ``dict``, tuples → ``list``."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value
