"""The strict-authentication face of :class:`~efundpay.testing.FakeEFundPay`: what a test needs
to sign requests, the fake's clock, token revocation and the counters.

Every member raises ``RuntimeError`` on a fake without strict authentication.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._keys import KeySource
from ._keys import public_key_from
from ._strict import AuthStats, StrictAuthState

if TYPE_CHECKING:
    from ._strict import StrictAuth

__all__ = ["StrictAuthControls"]

#: The variable names the SDK reads (DESIGN: "How the real services are reached").
ENV_V3_CLIENT_ID = "EFUNDPAY_V3_CLIENT_ID"
ENV_V3_CLIENT_SECRET = "EFUNDPAY_V3_CLIENT_SECRET"  # noqa: S105 - a variable name
ENV_V3_PRIVATE_KEY = "EFUNDPAY_V3_PRIVATE_KEY"
ENV_V3_TOKEN_URL = "EFUNDPAY_V3_TOKEN_URL"  # noqa: S105 - a variable name
ENV_V3_BASE_URL = "EFUNDPAY_V3_BASE_URL"
ENV_JWT_KEY_ID = "EFUNDPAY_JWT_KEY_ID"
ENV_PRIVATE_KEY = "EFUNDPAY_PRIVATE_KEY"


class StrictAuthControls:
    """Strict-authentication members of :class:`~efundpay.testing.FakeEFundPay`."""

    _strict: StrictAuthState | None
    _merchant_account_id: str

    @property
    def url(self) -> str:  # provided by FakeEFundPay
        raise NotImplementedError

    def _strict_state(self) -> StrictAuthState:
        if self._strict is None:
            raise RuntimeError(
                "strict authentication is off: create the fake with strict_auth=True"
            )
        return self._strict

    @property
    def strict_auth(self) -> StrictAuth | None:
        """The :class:`~efundpay.testing.StrictAuth` settings, or ``None`` when off."""
        return None if self._strict is None else self._strict.settings

    # -- what a client needs ---------------------------------------------------------------

    @property
    def v3_client_id(self) -> str:
        """The client id ``POST /v1/token`` accepts."""
        return self._strict_state().settings.v3_client_id

    @property
    def v3_client_secret(self) -> str:
        """The client secret ``POST /v1/token`` accepts (a throwaway; keep it out of logs
        all the same)."""
        return self._strict_state().settings.v3_client_secret

    @property
    def v3_private_key_pem(self) -> bytes:
        """The merchant's v3 signing key (PKCS#8 PEM); ``RuntimeError`` when the fake was
        given only the public half."""
        pem = self._strict_state().v3_keys.private_pem
        if pem is None:
            raise RuntimeError("this fake holds only the v3 public key it was given")
        return pem

    @property
    def token_url(self) -> str:
        """Where clients get v3 access tokens: ``<url>/v1/token``."""
        self._strict_state()
        return f"{self.url}/v1/token"

    @property
    def v3_base_url(self) -> str:
        """The base URL for v3 calls (the fake serves v3, v4 and tokens on one port)."""
        self._strict_state()
        return self.url

    @property
    def jwt_key_id(self) -> str:
        """The ``kid`` of the fake's own JWT signing key."""
        return self._strict_state().settings.jwt_key_id

    @property
    def jwt_private_key_pem(self) -> bytes:
        """The private key for v4 JWTs under :attr:`jwt_key_id` (PKCS#8 PEM);
        ``RuntimeError`` when the fake was given only the public half."""
        pem = self._strict_state().jwt_private_pem
        if pem is None:
            raise RuntimeError("this fake holds only the JWT public key it was given")
        return pem

    def add_jwt_key(self, key_id: str, public_key: KeySource) -> None:
        """Also accept JWTs with ``kid`` ``key_id``, verified with ``public_key`` (RSA: RS512;
        EC: ES256/ES512).  A private key is accepted too; only its public half is kept::

            fake.add_jwt_key("ec-1", ec_private_key.public_key())
        """
        key = public_key_from(public_key, what="add_jwt_key")
        state = self._strict_state()
        with state.lock:
            state.jwt.add_key(key_id, key)

    def strict_env(self, key_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
        """The environment variables that configure a client for this strict fake.

        With ``key_dir``, the private keys are written there (``v3_private_key.pem`` and
        ``jwt_private_key.pem``, readable by the owner only) and named by
        ``EFUNDPAY_V3_PRIVATE_KEY_FILE`` / ``EFUNDPAY_PRIVATE_KEY_FILE``; without it the PEM
        text goes in ``EFUNDPAY_V3_PRIVATE_KEY`` / ``EFUNDPAY_PRIVATE_KEY``::

            monkeypatch.setattr(os, "environ", {**os.environ, **fake.strict_env(tmp_path)})
        """
        env = {
            "EFUNDPAY_BASE_URL": self.url,
            ENV_V3_BASE_URL: self.v3_base_url,
            "EFUNDPAY_MERCHANT_ACCOUNT_ID": self._merchant_account_id,
            ENV_V3_CLIENT_ID: self.v3_client_id,
            ENV_V3_CLIENT_SECRET: self.v3_client_secret,
            ENV_V3_TOKEN_URL: self.token_url,
            ENV_JWT_KEY_ID: self.jwt_key_id,
        }
        keys = {
            ENV_V3_PRIVATE_KEY: (self.v3_private_key_pem, "v3_private_key.pem"),
            ENV_PRIVATE_KEY: (self.jwt_private_key_pem, "jwt_private_key.pem"),
        }
        if key_dir is None:
            env.update({name: pem.decode("ascii") for name, (pem, _) in keys.items()})
            return env
        for name, (pem, filename) in keys.items():
            path = Path(key_dir) / filename
            # Created owner-only from the start: the key is never readable by others.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
            env[f"{name}_FILE"] = str(path)
        return env

    # -- the fake's side of time and tokens ------------------------------------------------

    @property
    def clock_skew(self) -> float:
        """Seconds the fake's clock is ahead of real time (negative: behind); ``0`` at first.

        It moves what ``X-Timestamp`` is checked against, token and JWT lifetimes, and the
        ``Date`` header of every response::

            fake.clock_skew = 300    # the server is five minutes ahead of the client
        """
        return self._strict_state().clock_skew

    @clock_skew.setter
    def clock_skew(self, seconds: float) -> None:
        self._strict_state().clock_skew = float(seconds)

    @property
    def token_expires_in(self) -> int:
        """The lifetime, in seconds, of the access tokens granted from now on."""
        return self._strict_state().tokens.expires_in

    @token_expires_in.setter
    def token_expires_in(self, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError(f"token_expires_in must be > 0 seconds, not {seconds!r}")
        state = self._strict_state()
        with state.lock:
            state.tokens.expires_in = int(seconds)

    def revoke_tokens(self) -> None:
        """Revoke every access and refresh token: using one is then ``401 TOKEN_INVALID``."""
        state = self._strict_state()
        with state.lock:
            state.tokens.revoke()

    def expire_tokens(self) -> None:
        """End every access token's lifetime now: using one is then ``401 TOKEN_EXPIRED``
        (refresh tokens stay valid)."""
        state = self._strict_state()
        with state.lock:
            state.tokens.expire(state.now())

    @property
    def auth_stats(self) -> AuthStats:
        """Token grants and rejections so far (see :class:`~efundpay.testing.AuthStats`)."""
        return self._strict_state().stats()
