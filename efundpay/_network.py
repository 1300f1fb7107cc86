"""How the client reaches the network: pool limits, proxies, and the trusted CAs.

Resolved once, when a client is made, never per request:

- :class:`Limits`: the pool's size and keep-alive.
- :class:`ProxyRoutes`: which proxy (if any) a request goes through.  An explicit ``proxy=``
  is used for every request, loopback hosts included.  Otherwise, with ``trust_env=True``
  (the default), ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` choose one by the target's
  scheme and ``NO_PROXY`` lists hosts reached directly, read as ``requests`` and ``httpx``
  read them: loopback hosts go through the proxy unless ``NO_PROXY`` names them.
- :func:`tls_context`: ``verify=`` (an :class:`ssl.SSLContext` or a CA bundle path), else
  ``SSL_CERT_FILE``/``SSL_CERT_DIR`` with ``trust_env=True``, else the system store.

A proxy URL may carry credentials (``http://user:pass@proxy:3128``): they are held as a
:class:`~efundpay._secret.Secret`, sent only as ``Proxy-Authorization`` to the proxy, and
never shown.
"""

from __future__ import annotations

import base64
import functools
import ssl
import urllib.request
from collections.abc import Mapping
from typing import Final
from urllib.parse import unquote, urlsplit

import attrs
from yarl import URL

from ._seconds import check_seconds
from ._secret import Secret

__all__ = ["Limits", "Proxy", "ProxyRoutes", "resolve_proxies", "tls_context"]

ENV_SSL_CERT_FILE: Final = "SSL_CERT_FILE"
ENV_SSL_CERT_DIR: Final = "SSL_CERT_DIR"


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an int, not {value!r}")
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


def _keepalive_count(
    instance: Limits, attribute: attrs.Attribute[int | None], value: object
) -> None:
    # aiohttp keeps every idle connection up to the pool's size, or none (force_close): a
    # count in between cannot be honoured, so it is refused rather than silently ignored.
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_keepalive_connections must be an int or None, not {value!r}")
    if value not in (0, instance.max_connections):
        raise ValueError(
            "max_keepalive_connections must be None or max_connections (keep every idle "
            "connection), or 0 (close each connection after its response)"
        )


@attrs.frozen
class Limits:
    """The connection pool: how many connections, and how long idle ones are kept.

    ``max_connections`` bounds the connections open at once; calls beyond it wait for a
    free one (bounded by ``Timeout(pool=...)``) without counting as an attempt sent.
    ``max_keepalive_connections`` is ``None`` (idle connections are kept for reuse) or
    ``0`` (no keep-alive).  ``keepalive_expiry`` is how long, in seconds, an idle
    connection is kept.

    >>> Limits(max_connections=20)
    Limits(max_connections=20, max_keepalive_connections=None, keepalive_expiry=15.0)
    """

    max_connections: int = attrs.field(default=100, validator=_positive_int)
    max_keepalive_connections: int | None = attrs.field(default=None, validator=_keepalive_count)
    keepalive_expiry: float = attrs.field(default=15.0, converter=float)

    def __attrs_post_init__(self) -> None:
        check_seconds(self.keepalive_expiry, "keepalive_expiry")

    @property
    def keepalive(self) -> bool:
        """Whether idle connections are kept for reuse."""
        return self.max_keepalive_connections != 0


@attrs.frozen
class Proxy:
    """An HTTP proxy: its URL without credentials, and its ``Proxy-Authorization`` value."""

    url: URL
    authorization: Secret | None = attrs.field(default=None, repr=False)

    def __repr__(self) -> str:
        shown = "" if self.authorization is None else " (with credentials)"
        return f"Proxy({str(self.url)!r}{shown})"


def parse_proxy(value: str | Secret, *, source: str) -> Proxy:
    """A :class:`Proxy` from a URL; ``ValueError`` naming ``source`` if unusable.

    No message repeats the URL: it may carry a password.
    """
    text = value.reveal() if isinstance(value, Secret) else value
    if not isinstance(text, str):
        raise ValueError(f"{source} must be a URL string, not {type(text).__name__}")
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise ValueError(f"{source} is not a valid URL (its host or port)") from None
    if parts.scheme.lower() != "http" or not parts.hostname:
        raise ValueError(
            f"{source} must be an http:// proxy URL such as 'http://proxy.internal:3128' "
            "(https:// targets are tunnelled through it with CONNECT; https:// and socks "
            "proxies are not supported)"
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    url = URL(f"http://{host}" + (f":{port}" if port is not None else ""))
    if parts.username is None:
        return Proxy(url)
    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    return Proxy(url, Secret("Basic " + base64.b64encode(pair).decode("ascii")))


@attrs.frozen
class ProxyRoutes:
    """Which proxy each request goes through; ``proxy_for`` is asked per request."""

    explicit: Proxy | None = None
    by_scheme: Mapping[str, Proxy] = attrs.field(factory=dict)
    no_proxy: str = ""

    @property
    def any(self) -> bool:
        """Whether any request may go through a proxy (else the check is skipped)."""
        return self.explicit is not None or bool(self.by_scheme)

    def proxy_for(self, url: URL) -> Proxy | None:
        """The proxy for ``url``, or ``None`` to connect directly."""
        if self.explicit is not None:
            return self.explicit
        chosen = self.by_scheme.get(url.scheme) or self.by_scheme.get("all")
        if chosen is None or not url.host:
            return None
        host = url.host if url.explicit_port is None else f"{url.host}:{url.port}"
        if self.no_proxy and urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
            host, {"no": self.no_proxy}
        ):
            return None
        return chosen


def resolve_proxies(
    proxy: str | Secret | None, *, trust_env: bool, env: Mapping[str, str]
) -> ProxyRoutes:
    """The client's proxy routes from ``proxy=`` or, with ``trust_env``, the environment."""
    if proxy is not None:
        return ProxyRoutes(explicit=parse_proxy(proxy, source="proxy="))
    if not trust_env:
        return ProxyRoutes()
    found: dict[str, tuple[str, str]] = {}
    no_proxy = ""
    # The lower-case spelling wins, as in urllib, requests and httpx.
    for name in sorted(env, key=lambda n: n.islower()):
        lowered = name.lower()
        value = env[name]
        if lowered == "no_proxy":
            no_proxy = value
        elif lowered in ("https_proxy", "http_proxy", "all_proxy") and value:
            found[lowered.removesuffix("_proxy")] = (name, value)
    routes = {scheme: parse_proxy(value, source=name) for scheme, (name, value) in found.items()}
    return ProxyRoutes(by_scheme=routes, no_proxy=no_proxy)


def tls_context(
    verify: bool | str | ssl.SSLContext, *, trust_env: bool, env: Mapping[str, str]
) -> ssl.SSLContext | None:
    """The context TLS connections verify with; ``None`` means aiohttp's default one.

    Built once per client.  Verification cannot be switched off.
    """
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str):
        return _context_from(cafile=verify, capath=None, source="verify=")
    if verify is not True:
        raise ValueError(
            "verify must be True, a CA bundle path or an ssl.SSLContext; TLS checks stay on"
        )
    cafile = env.get(ENV_SSL_CERT_FILE) if trust_env else None
    capath = env.get(ENV_SSL_CERT_DIR) if trust_env else None
    if not cafile and not capath:
        return None
    source = f"{ENV_SSL_CERT_FILE} / {ENV_SSL_CERT_DIR}"
    return _context_from(cafile=cafile or None, capath=capath or None, source=source)


# One context per CA location in a process: loading a bundle takes milliseconds, and a
# context is safe to share between clients and event loops.
@functools.lru_cache(maxsize=8)
def _context_from(*, cafile: str | None, capath: str | None, source: str) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"{source} names CA certificates that cannot be loaded: {exc}") from None
