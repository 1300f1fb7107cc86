# mypy: ignore-errors
# ruff: noqa: B007 - a loop's variable is a placeholder the generator replaces in its body
# Placeholders stand where the generator puts names; the code they become is checked where it
# lands, in efundpay/_sync.py (mypy --strict, ruff, and the tests of the blocking client).
"""The members of the sync twins that do more than delegate, as real Python.

``scripts/gen_sync.py`` never imports this module: it reads it with ``ast`` and copies each
member's body (comments included) into ``efundpay/_sync.py``, after replacing these
placeholder names:

- ``ARGS``: the member's own parameters, passed on (``timeout=timeout, …``);
- ``SyncResource`` / ``AsyncResource``: a resource's twin and its async class;
- ``SyncRawResource``: the twin of the resource's ``…WithRawResponse`` class;
- ``resource_attribute``: a resource's attribute on the client (``customers``);
- ``operation``: one operation of a resource (``pause``).

A ``for operation in OPERATIONS:`` or ``for resource_attribute in RESOURCES:`` loop is
unrolled: its body is written once per operation or resource.
"""

from __future__ import annotations

from typing import Any

from efundpay._client import AsyncEFundPay
from efundpay._runner import Runner
from efundpay.resources._raw import returns_raw_sync

ARGS: Any = None
AsyncResource: Any = None
SyncResource: Any = None
SyncRawResource: Any = None
OPERATIONS: Any = ()
RESOURCES: Any = ()
resource_attribute: Any = None
operation: Any = None


class Client:
    """``EFundPay``: the members with bodies of their own."""

    def __init__(self) -> None:
        wrapped = AsyncEFundPay(ARGS)
        self._bind(wrapped, Runner(wrapped.aclose), owner=True)

    def __repr__(self) -> str:
        wrapped = getattr(self, "_async", None)
        if wrapped is None:  # refused by its constructor: a traceback with locals shows this
            return f"<{type(self).__name__} (not configured)>"
        return repr(wrapped).replace(type(wrapped).__name__, type(self).__name__, 1)

    def with_options(self) -> Any:
        clone = object.__new__(type(self))
        clone._bind(self._async.with_options(ARGS), self._runner, owner=False)
        return clone

    def aclose(self) -> None:
        if self._owner:
            self._runner.close()

    def __aenter__(self) -> Any:
        return self

    def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def _bind(self, wrapped: AsyncEFundPay, runner: Runner, *, owner: bool) -> None:
        self._async = wrapped
        self._runner = runner
        self._owner = owner  # with_options copies share the runner but do not close it
        for resource_attribute in RESOURCES:
            self.resource_attribute = SyncResource(runner, wrapped.resource_attribute)


class Resource:
    """A resource's twin (``Customers``, ``Subscriptions``): the members of its own."""

    def __init__(self, runner: Runner, wrapped: AsyncResource) -> None:
        self._runner = runner
        self._async = wrapped

    def with_raw_response(self) -> Any:
        return self._with_raw_response()

    def _with_raw_response(self) -> SyncRawResource:
        raw = SyncResource(self._runner, self._async.with_raw_response._resource)
        return SyncRawResource(raw)


class RawResource:
    """The twin of a resource's ``…WithRawResponse`` class."""

    def __init__(self, raw: SyncResource) -> None:
        self._resource = raw
        for operation in OPERATIONS:
            self.operation = returns_raw_sync(raw.operation)
