"""Signers for notifications, written from the vendors' documents alone.

They share no code with ``efundpay``: each follows its document line by line, so a test that
verifies their output with the SDK checks the SDK against the document, not against itself.

- v3 (Revenue Monster ``signature-algorithm.md``, notifications without ``requestUrl``):
  ``data=<base64 body>&method=<m>&nonceStr=<n>&signType=sha256&timestamp=<t>``,
  RSASSA-PKCS1-v1_5 with SHA-256, ``X-Signature: sha256 <base64>``.
- v4 (docs.efundflow.com ``/webhooks/signatures``, eFundPay's Go SDK): the JSON body flattened
  to ``key=value`` joined by ``&``, SHA1withRSA, ``signature: <b64>[,<b64>…]``.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@functools.cache
def key_pair(name: str = "eFundPay") -> tuple[rsa.RSAPrivateKey, bytes]:
    """A private key and its public key as PEM, one per name for the whole run."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public_pem


def go_json(body: Any) -> bytes:
    """JSON as the vendor's Go encoder writes a sorted map: compact, raw UTF-8, HTML-escaped."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # '<', '>' and '&' can only occur inside strings in this output.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8")


def sign_v3(
    private: rsa.RSAPrivateKey,
    body: bytes,
    *,
    nonce: str,
    timestamp: int,
    method: str = "post",
) -> dict[str, str]:
    """The three headers of a v3 notification whose body is ``body``."""
    fields = []
    if body:
        fields.append("data=" + base64.b64encode(body).decode())
    fields += [f"method={method}", f"nonceStr={nonce}", "signType=sha256", f"timestamp={timestamp}"]
    signature = private.sign("&".join(fields).encode(), padding.PKCS1v15(), hashes.SHA256())
    return {
        "X-Signature": "sha256 " + base64.b64encode(signature).decode(),
        "X-Nonce-Str": nonce,
        "X-Timestamp": str(timestamp),
    }


def v4_pairs(body: Any) -> list[str]:
    """``key=value`` strings of a v4 body, keys sorted in each object, in place."""
    pairs: list[str] = []
    if not isinstance(body, dict):
        return pairs
    for key in sorted(body):
        value = body[key]
        if isinstance(value, dict):
            pairs += v4_pairs(value)
        elif isinstance(value, list):
            for item in value:
                pairs += v4_pairs(item)  # objects in arrays count; scalars do not
        elif value is None:
            continue
        elif value is True or value is False:
            pairs.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, float) and value.is_integer():
            pairs.append(f"{key}={int(value)}")
        else:
            pairs.append(f"{key}={value}")
    return pairs


def sign_v4(private: rsa.RSAPrivateKey, body: Any, *, global_sort: bool = False) -> str:
    """One ``signature`` header candidate for ``body`` (per-object order, or all sorted)."""
    pairs = v4_pairs(body)
    text = "&".join(sorted(pairs) if global_sort else pairs)
    signature = private.sign(text.encode(), padding.PKCS1v15(), hashes.SHA1())
    return base64.b64encode(signature).decode()
