"""The notification examples, as their users run them: FastAPI under uvicorn, Django's client.

A FakeEFundPay signs and delivers notifications (and faulty ones) to them; the examples
verify with the fake's public key, act once per notification, and acknowledge.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import django  # type: ignore[import-untyped]
import pytest
from django.conf import settings  # type: ignore[import-untyped]
from django.test import Client, override_settings  # type: ignore[import-untyped]

from efundpay.testing import FakeEFundPay, NotificationFault
from efundpay.webhooks import InMemoryDeduplicator

from .test_examples import EXAMPLES, load_example, served

FAULTS: list[NotificationFault] = [
    "bad_signature",
    "tampered_body",
    "missing_signature",
    "stale_timestamp",
]


def point_keys_at(fake: FakeEFundPay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's key variables, naming a file holding the fake's public key."""
    pem = tmp_path / "efundpay_public.pem"
    pem.write_bytes(fake.notification_public_key_pem)
    monkeypatch.setenv("EFUNDPAY_V3_SERVER_PUBLIC_KEY_FILE", str(pem))
    monkeypatch.setenv("EFUNDPAY_WEBHOOK_PUBLIC_KEY_FILE", str(pem))


@pytest.mark.anyio
async def test_fastapi_endpoints_verify_act_once_and_acknowledge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_example("fastapi_webhooks.py")
    async with FakeEFundPay() as fake, served(example.app) as url:
        point_keys_at(fake, tmp_path, monkeypatch)
        notify, hooks = f"{url}/efundpay/notify", f"{url}/efundpay/webhooks"

        [charge] = await fake.asend_v3_notification(notify, "cus_123", amount=2500)
        assert (charge.status, json.loads(charge.response)) == (200, {"code": "SUCCESS"})
        first, again = await fake.asend_v3_notification(notify, "cus_123", fault="duplicate")
        assert (first.status, again.status) == (200, 200)  # a repeat is acknowledged too
        for fault in FAULTS:
            [refused] = await fake.asend_v3_notification(notify, fault=fault)
            assert refused.status == 400, fault

        fake.add_subscription("sub_gold", status="paused")
        deliveries = await fake.asend_v4_webhook(hooks, "sub_gold", fault="duplicate")
        assert [d.status for d in deliveries] == [200, 200]
        assert json.loads(deliveries[0].response) == {"code": "200", "message": "SUCCESS"}
        [forged] = await fake.asend_v4_webhook(hooks, "sub_gold", fault="bad_signature")
        assert forged.status == 400

        # No headers at all: refused, not a 500.
        async with aiohttp.ClientSession() as http, http.post(notify, data=b"{}") as response:
            assert response.status == 400

    assert len(example.CHARGES) == 2  # the charge, and the duplicated one once
    assert example.CHARGES[json.loads(charge.body)["data"]["orderId"]] == ("cus_123", 2500, "USD")
    assert example.SUBSCRIPTION_STATUS == {"sub_gold": "paused"}


# -- Django, through its test client ---------------------------------------------------------


@pytest.fixture
def shop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ModuleType, FakeEFundPay, Client]]:
    monkeypatch.syspath_prepend(str(EXAMPLES / "django_project"))
    if not settings.configured:
        settings.configure(
            SECRET_KEY="efundpay-tests",
            ALLOWED_HOSTS=["testserver"],
            INSTALLED_APPS=[],
            MIDDLEWARE=[],
            DATABASES={},
            USE_TZ=True,
        )
    django.setup()
    notifications = importlib.import_module("shop.notifications")

    fake = FakeEFundPay()
    point_keys_at(fake, tmp_path, monkeypatch)
    notifications.public_key.cache_clear()
    monkeypatch.setattr(notifications, "dedupe", InMemoryDeduplicator())
    notifications.CHARGES.clear()
    notifications.SUBSCRIPTION_STATUS.clear()
    # CSRF checks on, as in a project with the usual middleware: the views are exempt.
    with override_settings(
        ROOT_URLCONF="shop.urls", MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"]
    ):
        yield notifications, fake, Client(enforce_csrf_checks=True, raise_request_exception=False)
    notifications.public_key.cache_clear()


def post(client: Client, path: str, message: Any) -> tuple[int, Any]:
    response = client.post(
        path, message.body, content_type="application/json", headers=dict(message.headers)
    )
    return response.status_code, json.loads(response.content)


def test_django_views_verify_act_once_and_acknowledge(
    shop: tuple[ModuleType, FakeEFundPay, Client],
) -> None:
    notifications, fake, client = shop
    [message] = fake.signed_v3_notification("cus_123", order_id="ord_1", amount=990)
    assert post(client, "/efundpay/notify", message) == (200, {"code": "SUCCESS"})
    for copy in fake.signed_v3_notification("cus_123", order_id="ord_1", fault="duplicate"):
        assert post(client, "/efundpay/notify", copy)[0] == 200
    for fault in FAULTS:
        [bad] = fake.signed_v3_notification("cus_123", fault=fault)
        assert post(client, "/efundpay/notify", bad)[0] == 400, fault
    assert notifications.CHARGES == {"ord_1": ("cus_123", 990, "USD")}

    for copy in fake.signed_v4_webhook(event_type="subscription.updated", fault="duplicate"):
        assert post(client, "/efundpay/webhooks", copy) == (
            200,
            {"code": "200", "message": "SUCCESS"},
        )
    assert notifications.SUBSCRIPTION_STATUS == {"sub_1234567890abcdef": "active"}


def test_django_view_that_fails_to_act_releases_the_key_so_the_redelivery_is_acted_on(
    shop: tuple[ModuleType, FakeEFundPay, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    notifications, fake, client = shop
    [message] = fake.signed_v3_notification("cus_123", order_id="ord_2")
    real = notifications._record_charge
    monkeypatch.setattr(notifications, "_record_charge", lambda n: 1 / 0)
    assert (
        client.post(
            "/efundpay/notify",
            message.body,
            content_type="application/json",
            headers=dict(message.headers),
        ).status_code
        == 500
    )
    monkeypatch.setattr(notifications, "_record_charge", real)
    assert post(client, "/efundpay/notify", message)[0] == 200
    assert "ord_2" in notifications.CHARGES
