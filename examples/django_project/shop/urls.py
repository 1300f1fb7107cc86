"""The example's routes: sync views and async views side by side, and eFundPay's
notifications."""

from django.urls import path  # type: ignore[import-untyped]

from . import notifications, views

urlpatterns = [
    path("subscriptions/<str:subscription_id>/cancel", views.cancel),
    path("customers/<str:customer_id>/toggle", views.toggle),
    path("async/subscriptions/<str:subscription_id>/pause", views.pause_async),
    path("efundpay/notify", notifications.efundpay_notify),
    path("efundpay/webhooks", notifications.efundpay_webhook),
]
