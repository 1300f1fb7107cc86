"""Loading the keys that sign requests and verify notifications (the ``signing`` extra).

``cryptography`` is imported only here, and only when a signing class or a verifier is
first used: plain bearer use of the SDK needs nothing beyond its runtime dependencies.
Without the extra, every entry point raises :class:`~efundpay.ConfigurationError` naming it.

A key may be given as PEM ``bytes`` or ``str``, PEM text in a :class:`~efundpay.Secret`,
a :class:`os.PathLike` to a PEM file, or an already loaded ``cryptography`` key object.
Private keys may be PKCS#1 (``BEGIN RSA PRIVATE KEY``), PKCS#8 (``BEGIN PRIVATE KEY``) or
SEC1 (``BEGIN EC PRIVATE KEY``).  The PEM text of a private key is never kept: only the
loaded key object, whose ``repr`` shows no key material.  PEM is read and parsed in helpers
that return before any ConfigurationError is raised, so no frame of a failed load holds it.
"""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

from ._errors import ConfigurationError
from ._secret import Secret

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

# PEM text or bytes, PEM text in a Secret, a path to a PEM file, or a loaded key object.
KeySource: TypeAlias = "bytes | str | Secret | os.PathLike[str] | Any"


def require_signing(what: str) -> types.ModuleType:
    """``cryptography``'s serialization module, or a ConfigurationError naming the extra."""
    try:
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    except ImportError:
        raise ConfigurationError(f"{what} needs the cryptography package: {EXTRA_HINT}") from None
    return serialization


def _pem_bytes(source: KeySource, what: str) -> bytes | None:
    """The PEM bytes of ``source``, or ``None`` when it is already a key object.

    Only the ``_parse_*`` helpers call this: the bytes never outlive their frame.
    """
    if isinstance(source, Secret):
        return source.reveal().encode()
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


def _parse_private(source: KeySource, what: str) -> Any:
    """The key object of ``source``, or a problem message (a ``str``); never raises on PEM.

    The PEM is read and parsed here and returns with this frame, so that a
    ConfigurationError raised by the caller has no PEM in any frame's locals.
    """
    serialization = require_signing(what)
    pem = _pem_bytes(source, what)
    if pem is None:
        return _KeyObject(source)
    try:
        return _KeyObject(serialization.load_pem_private_key(pem, password=None))
    except TypeError:
        return "the private key is encrypted; decrypt it first or pass a loaded key"
    except Exception:  # cryptography raises ValueError, UnsupportedAlgorithm and others
        hint = " (that is a public key)" if b"PUBLIC KEY" in pem else ""
        return f"not a PEM private key (PKCS#1, PKCS#8 or SEC1){hint}"


def _parse_public(source: KeySource, what: str) -> Any:
    """Like :func:`_parse_private`, for a public key or a certificate."""
    serialization = require_signing(what)
    from cryptography import x509  # noqa: PLC0415

    pem = _pem_bytes(source, what)
    if pem is None:
        return _KeyObject(source)
    try:
        if b"BEGIN CERTIFICATE" in pem:
            return _KeyObject(x509.load_pem_x509_certificate(pem).public_key())
        return _KeyObject(serialization.load_pem_public_key(pem))
    except Exception:  # cryptography raises ValueError, UnsupportedAlgorithm and others
        return "not a PEM public key or certificate"


@attrs.frozen
class _KeyObject:
    """A parsed (or given) key object; a ``str`` from the parsers is a problem instead."""

    key: Any


def load_private_key(source: KeySource, *, what: str) -> PrivateKey:
    """An RSA or EC private key from PEM bytes, text, a Secret, a file, or a key object.

    Raises :class:`ConfigurationError` (never echoing the key) for anything that cannot
    sign: no key, a public key, an encrypted key, a key of another kind.
    """
    require_signing(what)  # names the extra before cryptography is imported below
    from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415

    parsed = _parse_private(source, what)
    if isinstance(source, bytes | bytearray | memoryview | str | Secret):
        del source  # PEM text: keep it out of this frame's locals
    if isinstance(parsed, str):
        raise ConfigurationError(f"{what}: {parsed}")
    key = parsed.key
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError(
            f"{what}: an RSA or EC private key is needed, not {type(key).__name__}"
        )
    return key


def load_public_key(source: KeySource, *, what: str) -> PublicKey:
    """An RSA or EC public key from PEM bytes, text, a file, or a key object.

    A certificate (``BEGIN CERTIFICATE``) is accepted too: its public key is used.
    """
    require_signing(what)  # names the extra before cryptography is imported below
    from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: PLC0415

    parsed = _parse_public(source, what)
    if isinstance(parsed, str):
        raise ConfigurationError(f"{what}: {parsed}")
    key = parsed.key
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        key = key.public_key()
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
