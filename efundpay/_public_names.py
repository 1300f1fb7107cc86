"""Public classes say they are ``efundpay.X``, and their annotations still resolve.

Tracebacks, reprs and pickles name a class by ``__module__``: ``efundpay.NotFoundError``
reads better than the private module that defines it, and is the import users write.  But
``typing.get_type_hints`` (used by cattrs, Sphinx and users) evaluates string annotations in
the namespace of ``sys.modules[cls.__module__]``; once that is ``efundpay``, names the
defining module imported would no longer be found.  So each class's own annotations are
resolved first, in the namespace of the module that wrote them (the annotations are the
SDK's own source, evaluated once, as ``typing.get_type_hints`` would evaluate them).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["publish"]


def publish(namespace: Mapping[str, Any], names: Iterable[str], module: str) -> None:
    """Give every class among ``names`` in ``namespace`` the ``__module__`` ``module``."""
    classes = [obj for name in names if isinstance(obj := namespace[name], type)]
    bases = {base for cls in classes for base in cls.__mro__ if base.__module__ != "builtins"}
    for base in bases:
        _resolve_own_annotations(base)
    for cls in classes:
        cls.__module__ = module


def _resolve_own_annotations(cls: type) -> None:
    """Evaluate the string annotations ``cls`` itself wrote, as ``typing.get_type_hints``
    would, in its module's namespace; a name only imported for type checkers stays a string
    (``get_type_hints`` could not resolve it before either)."""
    own = inspect.get_annotations(cls)
    defining = sys.modules.get(cls.__module__)
    if not own or defining is None or not cls.__module__.startswith("efundpay"):
        return
    resolved = dict(own)
    for name, value in own.items():
        if isinstance(value, str):
            try:
                resolved[name] = eval(value, vars(defining), dict(vars(cls)))  # noqa: S307
            except Exception:  # noqa: S112 - left for get_type_hints to report
                continue
    cls.__annotations__ = resolved
