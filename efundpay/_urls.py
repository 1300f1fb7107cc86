"""Base URLs: what the SDK accepts as one, and which hosts are this machine."""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

from ._errors import ConfigurationError

__all__ = ["is_loopback", "normalize_base_url"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost``, ``*.localhost``, 127.0.0.0/8, ``::1``."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# What RFC 3986 lets a URL hold as it is: anything else (a space, a quote, a brace, a
# control or non-ASCII character) would reach the request line raw or be mangled on the way.
_URL_TEXT: Final = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def normalize_base_url(url: str, *, source: str) -> str:
    """Check a base URL and drop its trailing slash.

    ``https://`` is required, except for loopback hosts (a local fake or proxy), where
    ``http://`` is accepted.  ``source`` names where the value came from, for the message.
    No message repeats the URL: a refused one may carry a password or a key.
    """
    if not _URL_TEXT.fullmatch(url):
        raise ConfigurationError(
            f"{source} holds characters a URL cannot carry as they are (a space, a line "
            "break, a quote, a brace, a control or non-ASCII character); percent-encode them"
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        raise ConfigurationError(
            f"{source} is not a valid URL (its host or port cannot be read)"
        ) from None
    del port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{source} must be an absolute http(s) URL such as 'https://api.efundpay.com'"
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"{source} must not contain credentials (user:password@); the API key travels "
            "in a header"
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigurationError(f"{source} must not contain a query (?...) or a fragment (#...)")
    last = parts.path.rstrip("/").rsplit("/", 1)[-1].lower()
    if last in ("v3", "v4"):
        raise ConfigurationError(
            f"{source} ends in /{last}, but the SDK appends /v3/... and /v4/... itself; "
            f"give the host alone (drop the trailing /{last}), e.g. 'https://api.efundpay.com'"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{source} uses plain http:// for a non-loopback host ({parts.hostname}); "
            "API keys and card data must travel over https://"
        )
    return url.rstrip("/")
