"""The example's routes: sync views and async views side by side."""

from django.urls import path  # type: ignore[import-untyped]

from . import views

urlpatterns = [
    path("subscriptions/<str:subscription_id>/cancel", views.cancel),
    path("customers/<str:customer_id>/toggle", views.toggle),
    path("async/subscriptions/<str:subscription_id>/pause", views.pause_async),
]
