"""Seeding a fake from plain data: what ``FakeEFundPay.seed`` and ``efundpay fake-server
--seed-file`` accept.

The data is JSON-shaped on purpose, so that a test suite in any language can write it::

    {"customers": ["cus_a", {"id": "cus_b", "is_active": false, "card_bound": false}],
     "subscriptions": [{"id": "sub_a", "status": "paused", "metadata": {"plan": "gold"}}]}

Each entry is an id, or an object of the fields below (an object without ``id`` gets a
generated one).  Anything else is refused with a message naming the entry and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._fake import FakeEFundPay

__all__ = ["apply_seed", "read_seed_file"]

# The fields a seed may set, by the JSON type each must have.  Dates and times are left out:
# their defaults are shaped like the docs' examples, and a status implies its own.
_CUSTOMER_FIELDS: Mapping[str, type] = {
    "id": str,
    "is_active": bool,
    "card_bound": bool,
    "tokenized": bool,
    "email": str,
    "label": str,
    "country_code": str,
    "phone_number": str,
    "product_name": str,
    "product_description": str,
    "extra": dict,
}
_SUBSCRIPTION_FIELDS: Mapping[str, type] = {
    "id": str,
    "status": str,
    "metadata": dict,
    "customer": dict,
    "plan": dict,
    "livemode": bool,
    "extra": dict,
}
_KINDS = ("customers", "subscriptions")


def _entry(kind: str, index: int, entry: object, fields: Mapping[str, type]) -> dict[str, Any]:
    where = f"{kind}[{index}]"
    if isinstance(entry, str):
        entry = {"id": entry}
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an id or an object, not {type(entry).__name__}")
    for name, value in entry.items():
        expected = fields.get(name)
        if expected is None:
            raise ValueError(
                f"{where}: unknown field {name!r}; a seed may set {', '.join(sorted(fields))}"
            )
        if type(value) is not expected:  # exact: a JSON true is no string, 1 is no boolean
            raise ValueError(f"{where}.{name} must be a JSON {_json_type(expected)}")
    return dict(entry)


def _json_type(python_type: type) -> str:
    return {str: "string", bool: "boolean", dict: "object"}[python_type]


def apply_seed(fake: FakeEFundPay, data: object) -> tuple[list[str], list[str]]:
    """Add the customers and subscriptions ``data`` describes; return their ids.

    Everything is checked before anything is added, so a bad seed leaves the fake as it was
    (except for an id that already exists, found when it is added).
    """
    if not isinstance(data, dict):
        raise ValueError('a seed is a JSON object: {"customers": [...], "subscriptions": [...]}')
    unknown = sorted(set(data) - set(_KINDS))
    if unknown:
        raise ValueError(f"unknown seed key(s) {unknown}; expected customers, subscriptions")
    lists: dict[str, list[object]] = {}
    for kind in _KINDS:
        entries = data.get(kind, [])
        if not isinstance(entries, list):
            raise ValueError(f"{kind} must be a list")
        lists[kind] = entries
    customers = [
        _entry("customers", i, e, _CUSTOMER_FIELDS) for i, e in enumerate(lists["customers"])
    ]
    subscriptions = [
        _entry("subscriptions", i, e, _SUBSCRIPTION_FIELDS)
        for i, e in enumerate(lists["subscriptions"])
    ]
    customer_ids = [fake.add_customer(c.pop("id", None), **c) for c in customers]
    subscription_ids = [fake.add_subscription(s.pop("id", None), **s) for s in subscriptions]
    return customer_ids, subscription_ids


def read_seed_file(path: str | Path) -> Any:
    """The JSON in the file ``path``, for :meth:`FakeEFundPay.seed`.

    Raises ``ValueError`` saying why the file cannot be read, or where its JSON is broken
    (line and column); what the data holds is checked by ``seed`` itself::

        fake.seed(read_seed_file("tests/seed.json"))   # the file efundpay fake-server reads
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read seed file {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"seed file {path} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
