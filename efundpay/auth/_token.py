"""OAuth2 access tokens for v3: fetched once, shared by concurrent calls, refreshed early.

:class:`TokenCache` holds the current token.  A call that finds it fresh takes it without
waiting for anything; calls that find it missing or due for refresh wait on one lock (per
event loop), and the first of them fetches while the rest reuse its result: one fetch
however many calls start at once.  After ``fork()`` a child starts with fresh locks (the
parent's could be held by a fetch that will never finish in the child).

:func:`request_token` speaks the token endpoint: ``POST <token_url>`` with ``Authorization:
Basic base64(clientId:clientSecret)`` and ``{"grantType": "client_credentials"}`` or
``{"grantType": "refresh_token", "refreshToken": …}``.  The answer (``accessToken``,
``tokenType``, ``expiresIn``, ``refreshToken``, ``refreshTokenExpiresIn``) is read whether
it comes bare or wrapped in ``item`` or ``data``; the tokens go into :class:`Secret` at once.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import threading
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import attrs

from .._canonical import canonical_json
from .._errors import APIResponseValidationError, APIStatusError
from .._forksafe import on_fork_in_child
from .._request import APIRequest
from .._response import _status_error
from .._secret import Secret, SecretHeaders
from .._tokens import is_header_token
from ._base import AuthRequest

__all__ = ["Token", "TokenCache", "request_token"]

# Refresh this long before a token runs out (at most a tenth of its lifetime), so that no
# request leaves with a token that expires on the way.
REFRESH_MARGIN: Final = 60.0


def _margin(lifetime: float) -> float:
    return min(REFRESH_MARGIN, lifetime / 10)


@attrs.frozen
class Token:
    """An access token, the refresh token that came with it, and when each runs out.

    Times are the local clock's (``time.time()``); lifetimes are relative, so clock skew
    does not matter here.
    """

    access: Secret
    refresh: Secret | None
    refresh_at: float
    refresh_expires_at: float | None

    def fresh(self, now: float) -> bool:
        """Whether the token may still be sent."""
        return now < self.refresh_at

    def refreshable(self, now: float) -> bool:
        """Whether the refresh token may be used."""
        return self.refresh is not None and (
            self.refresh_expires_at is None or now < self.refresh_expires_at
        )


# Every cache alive, so that a forked child can reset their locks.
_CACHES: weakref.WeakSet[TokenCache] = weakref.WeakSet()


class TokenCache:
    """The current token, with single-flight fetching (see the module docstring)."""

    def __init__(self) -> None:
        self._token: Token | None = None
        self._guard = threading.Lock()
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.fetches = 0
        _CACHES.add(self)

    def __repr__(self) -> str:
        return f"<TokenCache {'empty' if self._token is None else 'holding a token'}>"

    @property
    def token(self) -> Token | None:
        """The current token, fresh or not."""
        return self._token

    def _lock(self) -> asyncio.Lock:
        # One lock per event loop: an asyncio.Lock belongs to the loop that first waits on
        # it, and one Auth may serve clients on several loops (threads).
        loop = asyncio.get_running_loop()
        with self._guard:
            lock = self._locks.get(loop)
            if lock is None:
                lock = self._locks[loop] = asyncio.Lock()
            return lock

    async def get(self, now: float, fetch: Callable[[Token | None], Awaitable[Token]]) -> Token:
        """A fresh token: the cached one, or the one fetch (shared by every waiter) returns."""
        token = self._token
        if token is not None and token.fresh(now):
            return token
        async with self._lock():
            token = self._token  # another waiter may have fetched it meanwhile
            if token is not None and token.fresh(now):
                return token
            self.fetches += 1
            self._token = await fetch(token)
            return self._token

    def expire(self, token: Token | None) -> None:
        """``token`` was refused: the next call fetches anew (once, however many saw it)."""
        if token is not None and self._token is token:
            self._token = attrs.evolve(token, refresh_at=-math.inf)

    def _after_fork(self) -> None:
        self._guard = threading.Lock()
        self._locks = weakref.WeakKeyDictionary()


def _reset_after_fork() -> None:
    for cache in list(_CACHES):
        cache._after_fork()


on_fork_in_child(_reset_after_fork)


# -- the token endpoint ------------------------------------------------------------------------

_TOKEN_REQUEST: Final = APIRequest(
    operation="v3 access token", api="v3", method="POST", path="", model=object
)


async def request_token(
    request: AuthRequest,
    *,
    token_url: str,
    client_id: str,
    client_secret: Secret,
    refresh: Secret | None,
    now: float,
) -> Token:
    """One grant from the token endpoint: a refresh when ``refresh`` is given."""
    headers = SecretHeaders({"Content-Type": "application/json", "Accept": "application/json"})
    headers["Authorization"] = "Basic " + base64.b64encode(
        (client_id + ":" + client_secret.reveal()).encode()
    ).decode("ascii")
    response = await request.send(
        "POST",
        token_url,
        headers=headers,
        content=Secret(
            canonical_json(
                {"grantType": "refresh_token", "refreshToken": refresh.reveal()}
                if refresh is not None
                else {"grantType": "client_credentials"}
            ).decode()
        ),
    )
    secrets = (client_secret,) if refresh is None else (client_secret, refresh)
    if not 200 <= response.status_code < 300:
        raise _status_error(response, _TOKEN_REQUEST, url=token_url, secrets=secrets)
    grant = _read_grant(response.content, now)
    del response  # its body holds the tokens in the clear
    if isinstance(grant, str):
        raise _bad_grant(token_url, grant)
    return grant


def _grant_object(content: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(content)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if "accessToken" not in data:
        for wrapper in ("item", "data", "result"):
            inner = data.get(wrapper)
            if isinstance(inner, dict) and "accessToken" in inner:
                return inner
    return data


def _pop_secret(data: dict[str, Any], name: str) -> Secret | None:
    value = data.pop(name, None)
    # A token goes on a header line: one that could not (a newline, a space) is no token.
    return Secret(value) if isinstance(value, str) and is_header_token(value) else None


def _seconds(data: Mapping[str, Any], name: str) -> float | None:
    value = data.get(name)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _read_grant(content: bytes, now: float) -> Token | str:
    """The token in ``content``, or what is wrong with it (a ``str``); never raises.

    The raw answer and the parsed dict hold the tokens in the clear: they die with this
    frame, and the caller raises from a frame that holds neither.
    """
    data = _grant_object(content)
    if data is None:
        return "the body is not a JSON object"
    # The tokens leave the parsed dict first, so that nothing below can show them.
    access = _pop_secret(data, "accessToken")
    refresh = _pop_secret(data, "refreshToken")
    if access is None:
        return "accessToken is missing"
    token_type = data.get("tokenType")
    if token_type is not None and str(token_type).lower() != "bearer":
        return f"tokenType is {token_type!r}, not 'Bearer'"
    lifetime = _seconds(data, "expiresIn")
    if lifetime is None:
        return "expiresIn is missing or not a positive number"
    refresh_lifetime = _seconds(data, "refreshTokenExpiresIn")
    return Token(
        access=access,
        refresh=refresh,
        refresh_at=now + lifetime - _margin(lifetime),
        refresh_expires_at=None if refresh_lifetime is None else now + refresh_lifetime,
    )


def _bad_grant(token_url: str, problem: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the token endpoint's answer is not an OAuth2 token: {problem}",
        method="POST",
        url=token_url,
    )


async def fetch_token(
    request: AuthRequest,
    old: Token | None,
    *,
    token_url: str,
    client_id: str,
    client_secret: Secret,
    now: float,
) -> Token:
    """A new token: by the refresh grant when ``old`` allows, else by client credentials.

    A refused refresh (expired, revoked, rotated by another process) falls back to client
    credentials; a connection failure does not (it would only fail again).
    """
    if old is not None and old.refreshable(now):
        try:
            return await request_token(
                request,
                token_url=token_url,
                client_id=client_id,
                client_secret=client_secret,
                refresh=old.refresh,
                now=now,
            )
        except (APIStatusError, APIResponseValidationError):
            pass
    return await request_token(
        request,
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        refresh=None,
        now=now,
    )
