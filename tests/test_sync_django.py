"""Real Django: a sync view calling one shared EFundPay, over WSGI and over ASGI.

Under ASGI (``AsyncClient``) Django runs the sync view in a worker thread while its own
event loop keeps running: the sync client must neither need that loop nor block it.
This module is its own URLconf; Django is configured here, without a project.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import django  # type: ignore[import-untyped]
import pytest
from django.conf import settings  # type: ignore[import-untyped]
from django.http import HttpRequest, JsonResponse  # type: ignore[import-untyped]
from django.test import AsyncClient, Client, override_settings  # type: ignore[import-untyped]
from django.urls import path  # type: ignore[import-untyped]

from efundpay import EFundPay, NotFoundError
from efundpay.testing import FakeEFundPay

SUB = "sub_1234567890abcdef"

# What an app would keep in a module (``services.py``): one client for the process.
_clients: dict[str, EFundPay] = {}


def toggle_view(request: HttpRequest, customer_id: str) -> JsonResponse:
    customer = _clients["default"].customers.toggle(customer_id)
    return JsonResponse(
        {"is_active": customer.is_active, "thread": threading.current_thread().name}
    )


def pause_view(request: HttpRequest, subscription_id: str) -> JsonResponse:
    subscription = _clients["default"].subscriptions.pause(subscription_id, reason="django")
    return JsonResponse({"status": str(subscription.status)})


urlpatterns = [
    path("customers/<str:customer_id>/toggle", toggle_view),
    path("subscriptions/<str:subscription_id>/pause", pause_view),
]


@pytest.fixture(scope="module", autouse=True)
def _django() -> Iterator[None]:
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="efundpay-tests",
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF=__name__,
            INSTALLED_APPS=[],
            MIDDLEWARE=[],
            DATABASES={},
            USE_TZ=True,
        )
        django.setup()
    # Another test module may have configured Django first: route to this module's views.
    with override_settings(ROOT_URLCONF=__name__):
        yield


@pytest.fixture
def fake() -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server, EFundPay(**server.client_kwargs()) as client:
        _clients["default"] = client
        yield server
        del _clients["default"]


def test_a_sync_view_calls_the_sync_client_under_wsgi(fake: FakeEFundPay) -> None:
    browser = Client()
    first = browser.post("/customers/cus_123/toggle")
    second = browser.post("/customers/cus_123/toggle")
    assert first.status_code == second.status_code == 200
    assert [first.json()["is_active"], second.json()["is_active"]] == [False, True]
    assert browser.post(f"/subscriptions/{SUB}/pause").json() == {"status": "paused"}
    assert fake.customer("cus_123").toggle_count == 2


def test_an_api_error_in_a_view_is_the_sdks_exception(fake: FakeEFundPay) -> None:
    with pytest.raises(NotFoundError) as info:
        Client().post("/customers/cus_missing/toggle")  # re-raises the view's exception
    assert info.value.status_code == 404


@pytest.mark.anyio
async def test_a_sync_view_calls_the_sync_client_under_asgi(fake: FakeEFundPay) -> None:
    browser = AsyncClient()
    response = await browser.post("/customers/cus_123/toggle")
    assert response.status_code == 200
    body = response.json()
    assert body["is_active"] is False
    assert body["thread"] != threading.current_thread().name  # a worker thread, not the loop's
    # Several requests at once, while this loop keeps serving them.
    responses = await asyncio.gather(
        *(browser.post(f"/customers/cus_{i}/toggle") for i in ("123", "123", "123")),
        browser.post(f"/subscriptions/{SUB}/pause"),
    )
    assert [r.status_code for r in responses] == [200] * 4
    assert responses[-1].json() == {"status": "paused"}
    assert fake.customer("cus_123").toggle_count == 4
