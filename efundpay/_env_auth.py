"""Auth objects described by the environment: ``EFUNDPAY_JWT_*`` and ``EFUNDPAY_V3_*``.

A group of variables is all set or not at all (a partial group is a ConfigurationError
naming what is missing).  Secrets read here are held as :class:`~efundpay.settings.Secret`
at once, and the environment is dropped before an Auth is built, so that a failed build
shows no secret in any frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ._errors import ConfigurationError
from ._secret import Secret

if TYPE_CHECKING:
    from .auth import Auth

__all__ = [
    "ENV_JWT_KEY_ID",
    "ENV_PRIVATE_KEY",
    "ENV_PRIVATE_KEY_FILE",
    "ENV_V3_CLIENT_ID",
    "ENV_V3_CLIENT_SECRET",
    "ENV_V3_PRIVATE_KEY",
    "ENV_V3_PRIVATE_KEY_FILE",
    "ENV_V3_TOKEN_URL",
    "auth_from_env",
    "v3_auth_from_env",
]

ENV_JWT_KEY_ID: Final = "EFUNDPAY_JWT_KEY_ID"
ENV_PRIVATE_KEY_FILE: Final = "EFUNDPAY_PRIVATE_KEY_FILE"
ENV_PRIVATE_KEY: Final = "EFUNDPAY_PRIVATE_KEY"
ENV_V3_CLIENT_ID: Final = "EFUNDPAY_V3_CLIENT_ID"
ENV_V3_CLIENT_SECRET: Final = "EFUNDPAY_V3_CLIENT_SECRET"  # noqa: S105 - a variable name
ENV_V3_PRIVATE_KEY_FILE: Final = "EFUNDPAY_V3_PRIVATE_KEY_FILE"
ENV_V3_PRIVATE_KEY: Final = "EFUNDPAY_V3_PRIVATE_KEY"
ENV_V3_TOKEN_URL: Final = "EFUNDPAY_V3_TOKEN_URL"  # noqa: S105 - a variable name


def _env_group(env: Mapping[str, str], required: dict[str, tuple[str, ...]]) -> bool:
    """Whether any variable of a group is set; a ConfigurationError if only some are.

    ``required`` maps what is needed to the variables that can give it (the first found
    wins), e.g. ``{"the key": ("..._FILE", "...")}``.
    """
    given = {need: any(env.get(name) for name in names) for need, names in required.items()}
    if not any(given.values()):
        return False
    missing = [" or ".join(names) for need, names in required.items() if not given[need]]
    if missing:
        present = sorted(n for names in required.values() for n in names if env.get(n))
        raise ConfigurationError(
            f"{', '.join(present)} set, but not {'; nor '.join(missing)}: set all of them, or none"
        )
    return True


def _key_source(env: Mapping[str, str], file_var: str, text_var: str) -> Any:
    """A private key from a file named by ``file_var``, else PEM text in ``text_var``."""
    from pathlib import Path  # noqa: PLC0415

    path = env.get(file_var)
    # PEM text stays in a Secret: a failure to load it must not show it in any frame.
    return Path(path) if path else Secret(env[text_var].replace("\\n", "\n"))


def auth_from_env(env: Mapping[str, str]) -> Auth | None:
    """A :class:`~efundpay.auth.JWTAuth` from ``EFUNDPAY_JWT_KEY_ID`` and a key, or ``None``."""
    if not _env_group(
        env,
        {"key id": (ENV_JWT_KEY_ID,), "key": (ENV_PRIVATE_KEY_FILE, ENV_PRIVATE_KEY)},
    ):
        return None
    from .auth import JWTAuth  # noqa: PLC0415 - efundpay.auth imports this module

    key_id = env[ENV_JWT_KEY_ID]
    private_key = _key_source(env, ENV_PRIVATE_KEY_FILE, ENV_PRIVATE_KEY)
    del env  # it holds the PEM in the clear: a failed JWTAuth must not show it here
    return JWTAuth(key_id=key_id, private_key=private_key)


def v3_auth_from_env(env: Mapping[str, str]) -> Auth | None:
    """A :class:`~efundpay.auth.SignedRequestAuth` from the ``EFUNDPAY_V3_*`` variables."""
    if not _env_group(
        env,
        {
            "client id": (ENV_V3_CLIENT_ID,),
            "client secret": (ENV_V3_CLIENT_SECRET,),
            "key": (ENV_V3_PRIVATE_KEY_FILE, ENV_V3_PRIVATE_KEY),
            "token url": (ENV_V3_TOKEN_URL,),
        },
    ):
        return None
    from .auth import SignedRequestAuth  # noqa: PLC0415 - efundpay.auth imports this module

    client_id, token_url = env[ENV_V3_CLIENT_ID], env[ENV_V3_TOKEN_URL]
    client_secret = Secret(env[ENV_V3_CLIENT_SECRET])
    private_key = _key_source(env, ENV_V3_PRIVATE_KEY_FILE, ENV_V3_PRIVATE_KEY)
    del env  # it holds the secret and the PEM in the clear: keep them out of this frame
    return SignedRequestAuth(
        client_id=client_id,
        client_secret=client_secret,
        private_key=private_key,
        token_url=token_url,
    )
