"""The primitives every signature rests on, proven against the vendor's published vector.

``canonical_json`` gives the exact bytes sent and signed, ``v3_string_to_sign`` the string an
``X-Signature`` covers, ``_keys`` loads keys behind the ``signing`` extra, and ``Secret`` /
``SecretHeaders`` keep credentials out of every ``repr``.
"""

from __future__ import annotations

import base64
import copy
import json
import pickle
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given
from hypothesis import strategies as st

from efundpay import ConfigurationError
from efundpay import _canonical as canonical
from efundpay._canonical import canonical_json, v3_string_to_sign
from efundpay._keys import load_private_key, load_public_key, rsa_sha256_sign, rsa_verify
from efundpay._secret import Secret, SecretHeaders

VECTOR: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "shared" / "vectors" / "rm-signature-vector.json").read_text()
    if (Path(__file__).parents[2] / "shared" / "vectors").is_dir()
    else (Path(__file__).parent / "data" / "rm-signature-vector.json").read_text()
)


def test_the_canonical_body_of_the_vendor_vector_is_what_the_vendor_signed() -> None:
    string = v3_string_to_sign(
        method=VECTOR["method"],
        nonce=VECTOR["nonce_str"],
        timestamp=VECTOR["timestamp"],
        body=canonical_json(VECTOR["body"]),
        url=VECTOR["request_url"],
    )
    assert string == VECTOR["string_to_sign"]


def test_signing_the_vendor_vector_gives_the_vendor_signature_byte_for_byte() -> None:
    key = load_private_key(VECTOR["private_key_pem"], what="the vector key")
    signature = base64.b64encode(rsa_sha256_sign(key, VECTOR["string_to_sign"].encode()))
    assert "sha256 " + signature.decode() == VECTOR["x_signature"]
    public = load_public_key(key, what="its public half")
    assert rsa_verify(
        public, base64.b64decode(signature), VECTOR["string_to_sign"].encode(), hash_name="sha256"
    )
    assert not rsa_verify(public, base64.b64decode(signature), b"tampered", hash_name="sha256")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"b": 1, "a": {"d": 2, "c": [3, {"f": 4, "e": 5}]}},
            b'{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
        ),
        ({"x": "<a href='&'>"}, b'{"x":"\\u003ca href=\'\\u0026\'\\u003e"}'),
        ({"x": "caf\u00e9 \u6f22"}, '{"x":"caf\u00e9 \u6f22"}'.encode()),
        ({"x": "\u2028\u2029"}, b'{"x":"\\u2028\\u2029"}'),
        ({"x": "\b\f\n\r\t\x01"}, b'{"x":"\\u0008\\u000c\\n\\r\\t\\u0001"}'),
        ({"x": "\\b\\f"}, b'{"x":"\\\\b\\\\f"}'),
        ({"x": True, "y": None, "z": 10}, b'{"x":true,"y":null,"z":10}'),
    ],
)
def test_canonical_json_matches_the_vendors_encoder(body: Any, expected: bytes) -> None:
    assert canonical_json(body) == expected


def test_canonical_json_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"amount": float("nan")})


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_canonical_json_is_json_dumps_sorted_and_compact_before_the_vendors_escapes(
    body: Any,
) -> None:
    # The encoder built once must write what json.dumps writes with the same options.
    dumped = json.dumps(
        body, separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False
    )
    assert canonical._encode(body) == dumped
    assert json.loads(canonical_json(body)) == json.loads(dumped)


def test_a_body_that_contains_itself_is_refused_as_json_dumps_refuses_it() -> None:
    looped: dict[str, Any] = {"a": 1}
    looped["self"] = looped
    with pytest.raises(ValueError, match="Circular reference"):
        canonical_json(looped)
    assert canonical_json({"a": 1}) == b'{"a":1}'  # and the next body is encoded as ever


def test_a_body_free_request_leaves_data_out_of_the_string_to_sign() -> None:
    string = v3_string_to_sign(
        method="POST", nonce="n", timestamp="1", body=None, url="https://h/p"
    )
    assert string == "method=post&nonceStr=n&requestUrl=https://h/p&signType=sha256&timestamp=1"
    notification = v3_string_to_sign(method="post", nonce="n", timestamp="1", body=b"{}", url=None)
    assert notification == "data=e30=&method=post&nonceStr=n&signType=sha256&timestamp=1"


def _pkcs8(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_private_keys_load_from_pkcs1_pkcs8_text_files_and_objects(tmp_path: Path) -> None:
    pkcs1 = VECTOR["private_key_pem"]
    key = load_private_key(pkcs1, what="k")
    pkcs8 = _pkcs8(key)
    path = tmp_path / "key.pem"
    path.write_bytes(pkcs8)
    for source in (pkcs1, pkcs1.encode(), pkcs8, pkcs8.decode(), path, str(path), key):
        loaded = load_private_key(source, what="k")
        assert isinstance(loaded, rsa.RSAPrivateKey)
        assert loaded.private_numbers() == key.private_numbers()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    assert isinstance(load_private_key(_pkcs8(ec_key), what="k"), ec.EllipticCurvePrivateKey)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"not a key", "not a PEM private key"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "public key"),
        ("/nonexistent/key.pem", "cannot read the key file"),
        (object(), "an RSA or EC private key is needed"),
    ],
)
def test_a_key_that_cannot_sign_is_a_configuration_error(source: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_private_key(source, what="private_key")


def test_an_encrypted_key_is_refused_without_echoing_it() -> None:
    key = load_private_key(VECTOR["private_key_pem"], what="k")
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    with pytest.raises(ConfigurationError, match="encrypted") as raised:
        load_private_key(encrypted, what="private_key")
    assert "BEGIN" not in str(raised.value)


def test_without_the_signing_extra_loading_a_key_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['cryptography'] = None\n"
        "from efundpay._keys import load_private_key\n"
        "from efundpay import ConfigurationError\n"
        "try:\n    load_private_key(b'x', what='JWTAuth')\n"
        "except ConfigurationError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert 'pip install "efundpay[signing]"' in out
    assert out.startswith("JWTAuth needs the cryptography package")


def test_a_secret_never_shows_itself() -> None:
    secret = Secret("sk_live_abcdef0123456789")
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r:>40}", "%s" % (secret,)]  # noqa: UP031
    assert all("abcdef" not in text for text in shown)
    assert repr(secret) == "Secret('sk_live_…')"
    assert secret.reveal() == "sk_live_abcdef0123456789"
    assert secret == Secret("sk_live_abcdef0123456789")
    assert secret != Secret("sk_live_other")
    assert "abcdef" not in repr(copy.copy(secret)) + repr(copy.deepcopy(secret))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)
    with pytest.raises(AttributeError):
        secret.value = "x"


FRAME_SECRET = "sk_test_frame_local_secret"


def test_a_secret_in_frame_locals_stays_masked_in_a_captured_traceback() -> None:
    def fails(api_key: Secret) -> None:
        headers = SecretHeaders({"Authorization": "Bearer " + api_key.reveal()})
        raise RuntimeError(len(headers))

    try:
        fails(Secret(FRAME_SECRET))
    except RuntimeError as exc:
        rendered = "".join(
            traceback.TracebackException.from_exception(exc, capture_locals=True).format()
        )
    assert "frame_local_secret" not in rendered
    assert "Secret('sk_test_…')" in rendered
    assert "[REDACTED]" in rendered


def test_secret_headers_ignore_case_and_keep_the_last_spelling() -> None:
    headers = SecretHeaders({"authorization": "a", "Accept": "json"})
    headers["Authorization"] = "b"
    assert headers["AUTHORIZATION"] == "b"
    assert list(headers) == ["Accept", "Authorization"]
    assert "x-signature" not in headers
    assert dict(headers) == {"Accept": "json", "Authorization": "b"}
    # The views ignore case too, and their repr masks credentials as the mapping's does.
    assert "authorization" in headers.keys()  # noqa: SIM118 - the view itself is tested
    assert ("authorization", "b") in headers.items()
    for view in (headers.keys(), headers.items(), headers.values()):
        assert "'b'" not in repr(view)
        assert "[REDACTED]" in repr(view)
    # The plain copy handed to aiohttp is a copy: changing it changes nothing here.
    plain = headers.to_dict()
    assert plain == {"Accept": "json", "Authorization": "b"}
    plain["Authorization"] = "c"
    assert headers["authorization"] == "b"
