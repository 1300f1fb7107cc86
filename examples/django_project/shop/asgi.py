"""The ASGI entry point: Django, plus a lifespan that opens and closes the async client.

Django answers HTTP; the lifespan events (which Django itself ignores) open the
``AsyncEFundPay`` on the server's event loop at startup and close it at shutdown::

    uvicorn shop.asgi:application --lifespan on
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]

from . import payments

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

django_application = get_asgi_application()

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await payments.open_async_client()
            except Exception as exc:  # a ConfigurationError: report it and refuse to start
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await payments.close_async_client()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope: Message, receive: Receive, send: Send) -> None:
    """Django for HTTP; the client's lifecycle for lifespan events."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        await django_application(scope, receive, send)
