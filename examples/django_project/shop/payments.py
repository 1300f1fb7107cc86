"""Where the example's eFundPay clients live: one of each kind per process.

The sync client (:func:`client`) serves sync views, under any server: it runs its calls on
an event loop of its own, is safe to share between the threads of a threaded worker, and
survives the fork of a preloading server.  It is made on first use, so that ``manage.py``
commands need no credentials, and closed when the process exits.

The async client (:func:`async_client`) serves async views.  An ``AsyncEFundPay`` belongs to
the event loop it was first used on, so it is opened and closed by the ASGI lifespan in
``asgi.py``, on the server's one loop.  (Under WSGI, Django runs each async view on a fresh
event loop: there, use sync views and the sync client.)
"""

from __future__ import annotations

import functools

from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]

from efundpay import AsyncEFundPay, EFundPay

_async_client: AsyncEFundPay | None = None


@functools.cache
def client() -> EFundPay:
    """The process's sync client."""
    return EFundPay()


def async_client() -> AsyncEFundPay:
    """The process's async client, opened by the ASGI lifespan."""
    if _async_client is None:
        raise ImproperlyConfigured(
            "no AsyncEFundPay: serve the project with shop.asgi:application, whose lifespan "
            "opens it (e.g. `uvicorn shop.asgi:application --lifespan on`)"
        )
    return _async_client


async def open_async_client() -> None:
    """Called at ASGI startup, on the server's event loop."""
    global _async_client  # noqa: PLW0603 - one client per process, set once at startup
    _async_client = AsyncEFundPay()


async def close_async_client() -> None:
    """Called at ASGI shutdown: close the connection pool."""
    global _async_client  # noqa: PLW0603
    if _async_client is not None:
        await _async_client.aclose()
        _async_client = None
