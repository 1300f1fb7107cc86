"""Pickling exceptions whose ``__init__`` takes keyword-only arguments.

``Exception.__reduce__`` rebuilds an exception as ``cls(*self.args)``: an exception whose
constructor needs keywords (``status_code=``, ``request_sent=``) then cannot be unpickled,
and one such error in a ``ProcessPoolExecutor`` breaks the whole pool.  These exceptions are
rebuilt from their ``args`` without calling ``__init__``, and their attributes restored.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PicklableError"]


def _rebuild(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    return error


class PicklableError(Exception):
    """An exception that pickles with its ``args`` and every attribute it set."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args), dict(self.__dict__))
