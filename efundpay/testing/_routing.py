"""Routing on the raw request path, so that no id can ever change the route.

The path is read from ``request.raw_path`` (percent-encoding intact), split on ``/``, and
only then each segment is percent-decoded: an id such as ``sub%2F..%2Fx`` or ``%2E%2E`` is
one opaque segment.  The toggle has two routes (the seed's ``POST …/toggle`` and the vendor
SDKs' ``PUT /v3/customer/{id}/status``), and strict authentication adds ``POST /v1/token``.
Anything that is not exactly one of these matches nothing
(the handler answers 404), and an unknown id is the operation's own 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote

import attrs

from ._wire import CUSTOMERS_TOGGLE, OAUTH_TOKEN, SUBSCRIPTIONS_STATUS

__all__ = ["Route", "route"]

# (literal segments with None where the id goes, method, operation, name of the id parameter)
_ROUTES: Final = (
    (("", "v3", "recurring-payment", None, "toggle"), "POST", CUSTOMERS_TOGGLE, "customer_id"),
    # The same operation as the vendor's SDKs and its older docs name it.
    (("", "v3", "customer", None, "status"), "PUT", CUSTOMERS_TOGGLE, "customer_id"),
    (("", "v4", "subscriptions", None, "status"), "POST", SUBSCRIPTIONS_STATUS, "subscription_id"),
    # The token endpoint of strict authentication (404 on a plain fake).
    (("", "v1", "token"), "POST", OAUTH_TOKEN, None),
)


@attrs.frozen
class Route:
    """Where a raw path leads: an operation (or ``None``), its decoded path parameters, and
    the method the route takes."""

    operation: str | None
    params: Mapping[str, str] = attrs.field(factory=dict)
    method: str = "POST"


def route(raw_path: str) -> Route:
    """Match a raw request path (percent-encoding intact) against the routes above.

    >>> route("/v4/subscriptions/sub%2F..%2Fx/status")
    Route(operation='subscriptions.status', params={'subscription_id': 'sub/../x'}, method='POST')
    >>> route("/v4/subscriptions/sub/../x/status").operation is None
    True
    """
    segments = [unquote(segment) for segment in raw_path.split("?", 1)[0].split("/")]
    for pattern, method, operation, param in _ROUTES:
        if len(segments) != len(pattern):
            continue
        if all(want is None or want == got for want, got in zip(pattern, segments, strict=True)):
            params = {} if param is None else {param: segments[pattern.index(None)]}
            return Route(operation, params, method)
    return Route(None)
