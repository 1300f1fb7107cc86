"""Routing on the raw request path, so that no id can ever change the route.

The path is read from ``request.raw_path`` (percent-encoding intact), split on ``/``, and
only then each segment is percent-decoded: an id such as ``sub%2F..%2Fx`` or ``%2E%2E`` is
one opaque segment.  Anything that is not exactly one of the two operations matches nothing
(the handler answers 404), and an unknown id is the operation's own 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote

import attrs

from ._wire import CUSTOMERS_TOGGLE, SUBSCRIPTIONS_STATUS

__all__ = ["Route", "route"]

# (literal segments with None where the id goes, operation, name of the id parameter)
_ROUTES: Final = (
    (("", "v3", "recurring-payment", None, "toggle"), CUSTOMERS_TOGGLE, "customer_id"),
    (("", "v4", "subscriptions", None, "status"), SUBSCRIPTIONS_STATUS, "subscription_id"),
)


@attrs.frozen
class Route:
    """Where a raw path leads: an operation (or ``None``) and its decoded path parameters."""

    operation: str | None
    params: Mapping[str, str] = attrs.field(factory=dict)


def route(raw_path: str) -> Route:
    """Match a raw request path (percent-encoding intact) against the two operations.

    >>> route("/v4/subscriptions/sub%2F..%2Fx/status")
    Route(operation='subscriptions.status', params={'subscription_id': 'sub/../x'})
    >>> route("/v4/subscriptions/sub/../x/status").operation is None
    True
    """
    segments = [unquote(segment) for segment in raw_path.split("?", 1)[0].split("/")]
    for pattern, operation, param in _ROUTES:
        if len(segments) != len(pattern):
            continue
        if all(want is None or want == got for want, got in zip(pattern, segments, strict=True)):
            return Route(operation, {param: segments[pattern.index(None)]})
    return Route(None)
