"""Loading the keys that sign requests and verify notifications (the ``signing`` extra).

``cryptography`` is imported only here, and only when a signing class or a verifier is
first used: plain bearer use of the SDK needs nothing beyond its runtime dependencies.
Without the extra, every entry point raises :class:`~efundpay.ConfigurationError` naming it.

A key may be given as PEM ``bytes`` or ``str``, a :class:`os.PathLike` to a PEM file, or an
already loaded ``cryptography`` key object.  Private keys may be PKCS#1 (``BEGIN RSA PRIVATE
KEY``), PKCS#8 (``BEGIN PRIVATE KEY``) or SEC1 (``BEGIN EC PRIVATE KEY``).  The PEM text of a
private key is never kept: only the loaded key object, whose ``repr`` shows no key material.
"""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from ._errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import (
        EllipticCurvePrivateKey,
        EllipticCurvePublicKey,
    )
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

    PrivateKey: TypeAlias = RSAPrivateKey | EllipticCurvePrivateKey
    PublicKey: TypeAlias = RSAPublicKey | EllipticCurvePublicKey

__all__ = [
    "KeySource",
    "load_private_key",
    "load_public_key",
    "require_signing",
    "rsa_sha256_sign",
    "rsa_verify",
]

EXTRA_HINT: Final = 'install the signing extra: pip install "efundpay[signing]"'

# PEM text or bytes, a path to a PEM file, or a loaded cryptography key object.
KeySource: TypeAlias = "bytes | str | os.PathLike[str] | Any"


def require_signing(what: str) -> types.ModuleType:
    """``cryptography``'s serialization module, or a ConfigurationError naming the extra."""
    try:
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    except ImportError:
        raise ConfigurationError(f"{what} needs the cryptography package: {EXTRA_HINT}") from None
    return serialization


def _pem_bytes(source: KeySource, what: str) -> bytes | None:
    """The PEM bytes of ``source``, or ``None`` when it is already a key object."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str):
        if "-----BEGIN" in source:
            return source.encode()
        source = Path(source)
    if isinstance(source, os.PathLike):
        path = Path(source)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"{what}: cannot read the key file {str(path)!r}: {exc.strerror}"
            ) from None
    return None


def load_private_key(source: KeySource, *, what: str) -> PrivateKey:
    """An RSA or EC private key from PEM bytes, text, a file, or a key object.

    Raises :class:`ConfigurationError` (never echoing the key) for anything that cannot
    sign: no key, a public key, an encrypted key, a key of another kind.
    """
    serialization = require_signing(what)
    from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415

    pem = _pem_bytes(source, what)
    if pem is None:
        key: Any = source
    else:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except TypeError:
            raise ConfigurationError(
                f"{what}: the private key is encrypted; decrypt it first or pass a loaded key"
            ) from None
        except (ValueError, Exception):
            hint = " (that is a public key)" if b"PUBLIC KEY" in pem else ""
            raise ConfigurationError(
                f"{what}: not a PEM private key (PKCS#1, PKCS#8 or SEC1){hint}"
            ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError(
            f"{what}: an RSA or EC private key is needed, not {type(key).__name__}"
        )
    return key


def load_public_key(source: KeySource, *, what: str) -> PublicKey:
    """An RSA or EC public key from PEM bytes, text, a file, or a key object.

    A certificate (``BEGIN CERTIFICATE``) is accepted too: its public key is used.
    """
    serialization = require_signing(what)
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415

    pem = _pem_bytes(source, what)
    if pem is None:
        key: Any = source
        if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            key = key.public_key()
    else:
        try:
            if b"BEGIN CERTIFICATE" in pem:
                key = x509.load_pem_x509_certificate(pem).public_key()
            else:
                key = serialization.load_pem_public_key(pem)
        except (ValueError, Exception):
            raise ConfigurationError(f"{what}: not a PEM public key or certificate") from None
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ConfigurationError(
            f"{what}: an RSA or EC public key is needed, not {type(key).__name__}"
        )
    return key


def rsa_sha256_sign(key: PrivateKey, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256: the v3 request signature."""
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("v3 request signing needs an RSA private key")
    return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def rsa_verify(key: PublicKey, signature: bytes, message: bytes, *, hash_name: str) -> bool:
    """Whether ``signature`` is a PKCS#1 v1.5 signature of ``message`` (``sha256``/``sha1``)."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    if not isinstance(key, rsa.RSAPublicKey):
        return False
    algorithm = hashes.SHA256() if hash_name == "sha256" else hashes.SHA1()  # noqa: S303
    try:
        key.verify(signature, message, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True
