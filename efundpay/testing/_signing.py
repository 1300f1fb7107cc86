"""Signing notifications as eFundPay's servers do, from the vendors' documents alone.

Shares no code with :mod:`efundpay.webhooks`, like the rest of the fake: it is an
independent check of the verifier, not a mirror of it.  Needs the ``signing`` extra.

- v3: ``data=<base64 body>&method=post&nonceStr=<n>&signType=sha256&timestamp=<t>``,
  RSASSA-PKCS1-v1_5 with SHA-256, ``X-Signature: sha256 <base64>``.
- v4: the JSON body flattened to ``key=value`` joined by ``&`` (keys sorted per object,
  nested objects in place, scalars in arrays and nulls left out), SHA1withRSA.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .._errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["NotificationSigner", "SignedNotification", "flip_a_bit", "go_json"]


@attrs.frozen
class SignedNotification:
    """A notification ready to send: the body bytes and the headers that sign it."""

    body: bytes
    headers: Mapping[str, str]


def flip_a_bit(signature: str) -> str:
    """A base64 signature with one bit changed: what a forger or a corrupted proxy sends."""
    raw = bytearray(base64.b64decode(signature))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


class NotificationSigner:
    """Signs notification bodies with a private key, as eFundPay's servers do.

    ``private_key`` is PEM bytes or a ``cryptography`` RSA key; by default a fresh 2048-bit
    test key.  :attr:`public_key_pem` is what the receiving endpoint verifies with.
    """

    def __init__(self, private_key: bytes | RSAPrivateKey | None = None) -> None:
        try:
            from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
            from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415
        except ImportError:
            raise ConfigurationError(
                'sending signed notifications needs cryptography: pip install "efundpay[signing]"'
            ) from None
        if private_key is None:
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif isinstance(private_key, bytes):
            loaded = serialization.load_pem_private_key(private_key, password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise ConfigurationError("notifications are signed with an RSA key")
            private_key = loaded
        self._key = private_key
        self.public_key_pem: bytes = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def private_key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (a test key: for ``--private-key``)."""
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def _sign(self, text: str, hash_name: str) -> str:
        from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

        algorithm = hashes.SHA256() if hash_name == "sha256" else hashes.SHA1()  # noqa: S303
        signature = self._key.sign(text.encode("utf-8"), padding.PKCS1v15(), algorithm)
        return base64.b64encode(signature).decode()

    def v3(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """The headers of a v3 notification: ``data=<b64 body>&method=post&nonceStr=…``
        ``&signType=sha256&timestamp=…`` signed RSA-SHA256, sent as ``sha256 <b64>``."""
        nonce = secrets.token_hex(16)
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        text = "&".join(
            ([f"data={base64.b64encode(body).decode()}"] if body else [])
            + ["method=post", f"nonceStr={nonce}", "signType=sha256", f"timestamp={stamp}"]
        )
        return {
            "X-Signature": f"sha256 {self._sign(text, 'sha256')}",
            "X-Nonce-Str": nonce,
            "X-Timestamp": stamp,
        }

    def v4(self, body: Mapping[str, Any]) -> dict[str, str]:
        """The headers of a v4 webhook: the flattened body signed SHA1withRSA."""
        return {
            "signature": self._sign("&".join(_v4_pairs(body)), "sha1"),
            "timestamp": time.strftime("%Y%m%d%H%M%S", time.gmtime()),
            "timezone": "UTC",
        }


def _v4_pairs(body: Any) -> list[str]:
    # docs.efundflow.com /webhooks/signatures and eFundPay's Go SDK: keys sorted in each
    # object, nested objects (also inside arrays) in place, scalars in arrays and nulls out.
    pairs: list[str] = []
    if isinstance(body, Mapping):
        for key in sorted(body):
            value = body[key]
            if isinstance(value, Mapping):
                pairs += _v4_pairs(value)
            elif isinstance(value, list):
                for item in value:
                    pairs += _v4_pairs(item)
            elif isinstance(value, bool):
                pairs.append(f"{key}={str(value).lower()}")
            elif isinstance(value, float) and value.is_integer():
                pairs.append(f"{key}={int(value)}")
            elif value is not None:
                pairs.append(f"{key}={value}")
    return pairs


def go_json(body: Any) -> bytes:
    """JSON as the vendor's Go servers encode a sorted map: compact, raw UTF-8, HTML escaped."""
    # How the vendor's Go servers encode a sorted map: compact, raw UTF-8, HTML escaped.
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8")
