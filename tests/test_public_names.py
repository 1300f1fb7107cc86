"""Every public class says it is ``efundpay.X``: in reprs, tracebacks and pickles."""

from __future__ import annotations

import pickle
import traceback
import typing

import pytest

import efundpay

PUBLIC_CLASSES = [
    getattr(efundpay, name)
    for name in efundpay.__all__
    if isinstance(getattr(efundpay, name), type)
]


def test_there_are_public_classes_of_every_kind() -> None:
    names = {cls.__name__ for cls in PUBLIC_CLASSES}
    assert {"NotFoundError", "Subscription", "AsyncEFundPay", "EFundPay", "Headers"} <= names


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda cls: cls.__name__)
def test_a_public_class_reports_efundpay_as_its_module(cls: type) -> None:
    assert cls.__module__ == "efundpay"
    assert getattr(efundpay, cls.__qualname__) is cls  # what pickle looks up


def test_a_traceback_names_the_public_error() -> None:
    try:
        raise efundpay.ConfigurationError("no api_key")
    except efundpay.ConfigurationError as exc:
        text = "".join(traceback.format_exception(exc))
    assert "efundpay.ConfigurationError: no api_key" in text
    assert "_errors" not in text.splitlines()[-1]


def test_public_models_and_enums_pickle_by_their_public_name() -> None:
    plan = efundpay.Plan(name="Basic", amount=1000)
    assert pickle.loads(pickle.dumps(plan)) == plan
    status = efundpay.SubscriptionStatus.PAUSED
    assert pickle.loads(pickle.dumps(status)) is status
    assert b"efundpay.models" not in pickle.dumps(status, protocol=0)


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda cls: cls.__name__)
def test_the_annotations_of_a_public_class_still_resolve(cls: type) -> None:
    # get_type_hints looks names up in sys.modules[cls.__module__], now ``efundpay``.
    typing.get_type_hints(cls)


def test_a_resolved_annotation_is_the_class_it_names() -> None:
    hints = typing.get_type_hints(efundpay.AsyncEFundPay)
    assert hints["customers"].__name__ == "AsyncCustomers"
    assert typing.get_type_hints(efundpay.Subscription)["plan"] == efundpay.Plan | None
