"""``BearerAuth``: the API key as ``Authorization: Bearer <key>`` (the default)."""

from __future__ import annotations

from .._errors import ConfigurationError
from .._secret import Secret
from ._base import Auth, AuthRequest

__all__ = ["BearerAuth", "as_secret", "require_text"]


def require_text(value: object, what: str) -> str:
    """``value`` if it is a non-empty string without surrounding space; else a
    ConfigurationError naming ``what`` (callers may pass anything, whatever the hints say).
    """
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ConfigurationError(f"{what} must be a non-empty string without surrounding spaces")
    return value


def as_secret(value: str | Secret, what: str) -> Secret:
    """``value`` as a :class:`Secret`; a ConfigurationError (never showing it) otherwise."""
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a string, not {type(value).__name__}")
    return Secret(value)


class BearerAuth(Auth):
    """Send a fixed secret as ``Authorization: Bearer <api_key>``.

    What a client uses for an API when no other :class:`Auth` is given for it, with
    ``api_key`` (or ``EFUNDPAY_API_KEY``).

    >>> BearerAuth("sk_test_abc123")
    BearerAuth(api_key='sk_test_…')
    """

    __slots__ = ("_api_key",)

    def __init__(self, api_key: str | Secret) -> None:
        api_key = as_secret(api_key, "api_key")
        if not api_key:
            raise ConfigurationError("BearerAuth needs a non-empty api_key")
        self._api_key = api_key

    async def authenticate(self, request: AuthRequest) -> None:
        """Set ``Authorization: Bearer <api_key>``."""
        request.headers["Authorization"] = "Bearer " + self._api_key.reveal()

    def secrets(self) -> tuple[Secret, ...]:
        """The API key."""
        return (self._api_key,)

    @property
    def api_key(self) -> Secret:
        """The key, masked unless revealed."""
        return self._api_key

    def __repr__(self) -> str:
        return f"BearerAuth(api_key={self._api_key.masked()!r})"
