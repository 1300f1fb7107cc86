"""Throwaway keys for the fake's strict authentication (the ``signing`` extra).

The fake makes its own key pairs (RSA 2048) unless a test gives it keys, and keeps the
public halves to verify what clients sign.  ``cryptography`` is imported here only when a
strict fake is built, so a plain fake needs nothing beyond the SDK's runtime dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._keys import KeySource, load_private_key, load_public_key, require_signing

if TYPE_CHECKING:
    from .._keys import PrivateKey, PublicKey

__all__ = ["KeyPair", "generate_rsa_pem", "key_pair", "public_key_from"]

_WHAT = "FakeEFundPay(strict_auth=...)"


def generate_rsa_pem() -> bytes:
    """A new RSA 2048 private key as unencrypted PKCS#8 PEM bytes."""
    serialization = require_signing(_WHAT)
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem


class KeyPair:
    """A private key's PEM (``None`` when only the public half was given) and its public key.

    Its ``repr`` shows no key material.
    """

    __slots__ = ("private_pem", "public_key")

    def __init__(self, private_pem: bytes | None, public_key: PublicKey) -> None:
        self.private_pem = private_pem
        self.public_key = public_key

    def __repr__(self) -> str:
        half = "private and public" if self.private_pem is not None else "public only"
        return f"KeyPair({half})"


def key_pair(private: KeySource | None, public: KeySource | None, *, what: str) -> KeyPair:
    """The pair for a role: ``private`` given, ``public`` given, or a new RSA key made."""
    if private is not None and public is not None:
        raise ValueError(f"{what}: give a private key or a public key, not both")
    if public is not None:
        return KeyPair(None, load_public_key(public, what=what))
    pem = generate_rsa_pem() if private is None else _private_pem(private, what=what)
    return KeyPair(pem, load_public_key(load_private_key(pem, what=what), what=what))


def _private_pem(source: KeySource, *, what: str) -> bytes:
    # The PEM bytes a test may hand to a client: given as PEM, read from a file, or
    # serialised from a key object.
    serialization = require_signing(what)
    key: Any = load_private_key(source, what=what)
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem


def public_key_from(source: KeySource, *, what: str) -> PublicKey:
    """A public key from a public key, a certificate, or a private key (its public half)."""
    if isinstance(source, bytes | str) and "PRIVATE KEY" in (
        source.decode("ascii", "replace") if isinstance(source, bytes) else source
    ):
        private: PrivateKey = load_private_key(source, what=what)
        return load_public_key(private, what=what)
    return load_public_key(source, what=what)
