"""``FrozenDict``: the read-only, hashable mapping of a model's ``extra`` and ``metadata``.

Models are frozen and hashable, so the JSON objects they hold must be too.  A
``types.MappingProxyType`` is read-only but not hashable; a ``FrozenDict`` is both.  JSON
held inside one is frozen all the way down: objects become ``FrozenDict`` s, arrays tuples.
:func:`thaw` turns it back into plain ``dict`` s and ``list`` s (what ``to_dict()`` returns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["FrozenDict", "freeze", "frozen_mapping", "thaw"]


class FrozenDict(Mapping[str, Any]):
    """A read-only, hashable mapping; equal to any mapping with the same JSON content.

    >>> from efundpay.models import FrozenDict
    >>> FrozenDict({"tags": ["a", "b"]})["tags"]
    ('a', 'b')
    >>> FrozenDict({"a": 1}) == {"a": 1}
    True
    """

    __slots__ = ("_data", "_hash")

    _data: dict[str, Any]
    _hash: int | None

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        frozen = {} if items is None else freeze(dict(items))._data
        object.__setattr__(self, "_data", frozen)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _of(cls, frozen: dict[str, Any]) -> FrozenDict:
        """A ``FrozenDict`` of a dict whose values are frozen already (by :func:`freeze`)."""
        self = cls.__new__(cls)
        object.__setattr__(self, "_data", frozen)
        object.__setattr__(self, "_hash", None)
        return self

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


def _to_freeze(value: object) -> bool:
    return isinstance(value, Mapping | list | tuple | set | frozenset) and not isinstance(
        value, FrozenDict
    )


def _to_thaw(value: object) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _rebuild(value: Any, rebuild: Any, is_container: Callable[[object], bool]) -> Any:
    """``value`` with every container rebuilt by ``rebuild(container, converted_children)``,
    innermost first, without recursion: a JSON document nested as deep as the parser
    allowed must not exhaust the stack while it is frozen or thawed."""
    if not is_container(value):
        return value
    order: list[Any] = []  # every container once, parents before children
    seen: set[int] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        children = node.values() if isinstance(node, Mapping) else node
        stack.extend(child for child in children if is_container(child))
    done: dict[int, Any] = {}
    for node in reversed(order):  # children before parents
        done[id(node)] = rebuild(node, lambda child: done.get(id(child), child))
    return done[id(value)]


def _freeze_one(node: Any, converted: Any) -> Any:
    if isinstance(node, Mapping):
        return FrozenDict._of({key: converted(item) for key, item in node.items()})
    if isinstance(node, set | frozenset):
        return frozenset(converted(item) for item in node)
    return tuple(converted(item) for item in node)


def freeze(value: Any) -> Any:
    """``value`` made hashable: a mapping → :class:`FrozenDict`, a list or tuple → a tuple
    (each item frozen), a set → a ``frozenset``; anything else as it is."""
    return _rebuild(value, _freeze_one, _to_freeze)


def frozen_mapping(value: Mapping[str, Any] | None) -> FrozenDict:
    """The attrs converter of ``extra`` and ``metadata``: a mapping → a :class:`FrozenDict`."""
    if type(value) is FrozenDict:
        return value
    return FrozenDict(value)


def _thaw_one(node: Any, converted: Any) -> Any:
    if isinstance(node, Mapping):
        return {key: converted(item) for key, item in node.items()}
    return [converted(item) for item in node]


def thaw(value: Any) -> Any:
    """The inverse of :func:`freeze`, for JSON: mappings → ``dict``, tuples → ``list``."""
    return _rebuild(value, _thaw_one, _to_thaw)
