"""``with_raw_response``: the same operations, answering with an :class:`APIResponse`.

A resource made with ``raw=True`` describes its requests as raw ones, and the pipeline
answers them with the response itself instead of the model; the functions here only give
its methods the return type they then have.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar, cast

from .._response import APIResponse

__all__ = ["returns_raw", "returns_raw_sync"]

P = ParamSpec("P")
T = TypeVar("T")


def returns_raw(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[APIResponse[T]]]:
    """``method`` of a raw resource, typed as what it returns: an :class:`APIResponse`."""
    return cast("Callable[P, Awaitable[APIResponse[T]]]", method)


def returns_raw_sync(method: Callable[P, T]) -> Callable[P, APIResponse[T]]:
    """The blocking form of :func:`returns_raw`."""
    return cast("Callable[P, APIResponse[T]]", method)
