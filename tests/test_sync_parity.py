"""Every public member of the async classes has a blocking twin that looks the same.

Same parameters (names, kinds, defaults), same annotations (as written, and as resolved
types), same docstring, modulo the documented rewrite for sync callers: ``await`` dropped,
``async with`` → ``with``, ``Async*`` class names and ``aclose``/``__aenter__``/``__aexit__``
renamed.  Independent of the generator: this compares the two modules as Python sees them.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any, cast

import pytest

from efundpay import AsyncEFundPay, EFundPay
from efundpay._sync import (
    Customers,
    CustomersWithRawResponse,
    Subscriptions,
    SubscriptionsWithRawResponse,
)
from efundpay.resources import AsyncCustomers, AsyncSubscriptions
from efundpay.resources.customers import AsyncCustomersWithRawResponse
from efundpay.resources.subscriptions import AsyncSubscriptionsWithRawResponse

PAIRS: list[tuple[type, type]] = [
    (AsyncEFundPay, EFundPay),
    (AsyncCustomers, Customers),
    (AsyncSubscriptions, Subscriptions),
]
RENAMES = {
    "AsyncCustomersWithRawResponse": "CustomersWithRawResponse",
    "AsyncSubscriptionsWithRawResponse": "SubscriptionsWithRawResponse",
    "AsyncEFundPay": "EFundPay",
    "AsyncCustomers": "Customers",
    "AsyncSubscriptions": "Subscriptions",
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
}
CLASS_TWINS: dict[Any, Any] = dict(PAIRS) | {
    AsyncCustomersWithRawResponse: CustomersWithRawResponse,
    AsyncSubscriptionsWithRawResponse: SubscriptionsWithRawResponse,
}
# Members compared even though they start with an underscore.
LIFECYCLE = ("__aenter__", "__aexit__", "__repr__")


def sync_text(text: str) -> str:
    """What the async text should read like for sync callers, whitespace-insensitively."""
    text = re.sub(r"\bawait (?=[\w.]+\()", "", text)
    text = re.sub(r"\basync with\b", "with", text)
    text = text.replace("The asynchronous eFundPay client", "The blocking eFundPay client")
    for old, new in RENAMES.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return " ".join(text.split())


def public_members(cls: type) -> list[str]:
    return sorted(
        name for name in vars(cls) if not name.startswith("_") or name in (*LIFECYCLE, "__init__")
    )


MEMBERS = [
    pytest.param(async_cls, sync_cls, name, id=f"{sync_cls.__name__}.{RENAMES.get(name, name)}")
    for async_cls, sync_cls in PAIRS
    for name in public_members(async_cls)
    if not (name == "__init__" and async_cls is not AsyncEFundPay)  # resources: internal
]


def unwrap(member: Any) -> Callable[..., Any]:
    return cast("Callable[..., Any]", member.fget if isinstance(member, property) else member)


@pytest.mark.parametrize(("async_cls", "sync_cls", "name"), MEMBERS)
def test_every_public_async_member_has_a_blocking_twin(
    async_cls: type, sync_cls: type, name: str
) -> None:
    async_member = vars(async_cls)[name]
    sync_member = vars(sync_cls).get(RENAMES.get(name, name))
    assert sync_member is not None, f"{sync_cls.__name__} lacks a twin of {name}"
    assert isinstance(sync_member, property) == isinstance(async_member, property)
    assert not inspect.iscoroutinefunction(unwrap(sync_member))


@pytest.mark.parametrize(("async_cls", "sync_cls", "name"), MEMBERS)
def test_twins_have_the_same_parameters_defaults_and_annotations(
    async_cls: type, sync_cls: type, name: str
) -> None:
    async_sig = inspect.signature(unwrap(vars(async_cls)[name]))
    sync_sig = inspect.signature(unwrap(vars(sync_cls)[RENAMES.get(name, name)]))
    expected = [
        (p.name, p.kind, p.default, sync_text(str(p.annotation)))
        for p in async_sig.parameters.values()
    ]
    actual = [
        (p.name, p.kind, p.default, " ".join(str(p.annotation).split()))
        for p in sync_sig.parameters.values()
    ]
    assert actual == expected
    assert str(sync_sig.return_annotation) == sync_text(str(async_sig.return_annotation))


@pytest.mark.parametrize(("async_cls", "sync_cls", "name"), MEMBERS)
def test_twins_annotations_resolve_to_the_same_types(
    async_cls: type, sync_cls: type, name: str
) -> None:
    async_hints = typing.get_type_hints(unwrap(vars(async_cls)[name]))
    sync_hints = typing.get_type_hints(unwrap(vars(sync_cls)[RENAMES.get(name, name)]))
    assert sync_hints == {key: CLASS_TWINS.get(hint, hint) for key, hint in async_hints.items()}


@pytest.mark.parametrize(("async_cls", "sync_cls", "name"), MEMBERS)
def test_twins_have_the_same_docstring_rewritten_for_sync_callers(
    async_cls: type, sync_cls: type, name: str
) -> None:
    async_doc = unwrap(vars(async_cls)[name]).__doc__
    sync_doc = unwrap(vars(sync_cls)[RENAMES.get(name, name)]).__doc__
    if async_doc is None:  # special methods; __init__ is documented by the class docstring
        assert name.startswith("__"), f"{async_cls.__name__}.{name} has no docstring"
        assert sync_doc is None
        return
    assert sync_doc is not None
    assert " ".join(sync_doc.split()) == sync_text(async_doc)


def test_no_sync_example_awaits_anything() -> None:
    for _, sync_cls in PAIRS:
        for member in vars(sync_cls).values():
            doc = getattr(unwrap(member), "__doc__", None) or ""
            assert not re.search(r"\bawait [\w.]+\(|async with", doc), doc


@pytest.mark.parametrize(("async_cls", "sync_cls"), PAIRS)
def test_classes_have_the_same_docstring_and_attributes(async_cls: type, sync_cls: type) -> None:
    assert async_cls.__doc__ is not None
    assert sync_cls.__doc__ is not None
    # The client's docstring adds a paragraph on blocking use; the rest is the async one.
    assert " ".join(sync_cls.__doc__.split()).startswith(sync_text(async_cls.__doc__))
    async_attrs = typing.get_type_hints(async_cls)
    assert typing.get_type_hints(sync_cls) == {k: CLASS_TWINS[v] for k, v in async_attrs.items()}


@pytest.mark.parametrize(("async_cls", "sync_cls"), PAIRS)
def test_the_sync_classes_add_no_public_members(async_cls: type, sync_cls: type) -> None:
    twins = {RENAMES.get(name, name) for name in public_members(async_cls)}
    assert set(public_members(sync_cls)) - {"__enter__", "__exit__"} <= twins
