"""Hypothesis strategies for everything a server might answer, each labelled with its meaning.

An answer is a status, a body and a way of framing them on the wire (or no HTTP at all).
Each :class:`~tests.hostile.server.Answer` is labelled, from how it was built and never by
asking the SDK, with what it proves:

- ``proves_not_applied``: the APIs for which the answer shows the request was *not*
  applied: a complete, well-formed 3xx or 4xx other than 408, or a v3 error envelope with a
  2xx status.  Everything else (any 5xx, any unreadable or cut-off answer, any failure after
  the request was read, any other 2xx) may mean "applied".
- ``succeeds``: the APIs for which the answer is a success the SDK must return as a model.
- ``ambiguous``: the HTTP client may read the answer either way (bytes past a short
  ``Content-Length`` are refused only when they arrive before the response is handed over),
  so only the promises that hold for every reading are checked.
"""

from __future__ import annotations

import gzip
import json
from typing import Any, Literal

import attrs
from hypothesis import strategies as st

from tests.helpers import SEED_CUSTOMER, SEED_SUBSCRIPTION, envelope
from tests.hostile.server import Answer, http_response

__all__ = ["LabelledAnswer", "answers"]

Api = Literal["v3", "v4"]
BOTH: frozenset[Api] = frozenset({"v3", "v4"})
NONE: frozenset[Api] = frozenset()


@attrs.frozen
class LabelledAnswer:
    """An answer and what it proves (see the module docstring)."""

    answer: Answer
    proves_not_applied: frozenset[Api] = NONE
    succeeds: frozenset[Api] = NONE
    ambiguous: bool = False

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        return (
            f"<{self.answer.name}: proves_not_applied={sorted(self.proves_not_applied)} "
            f"succeeds={sorted(self.succeeds)} ambiguous={self.ambiguous}>"
        )


STATUSES = [200, 201, 204, 299, 301, 302, 307, 400, 401, 403, 404, 408, 409, 418, 422, 429]
STATUSES += [500, 502, 503, 504, 599, 600, 999]

EPOCH_MS = 1_732_912_345_678  # 13 digits: shaped like a card number, meaning a time

ERROR_CODES = ["EXCEEDED_LIMIT", "NOT_FOUND", "INVALID_REQUEST", "SUCCESS", "", None]


def _deep(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def _error_body(code: str | None, where: str, with_time: bool) -> dict[str, Any]:
    extra: dict[str, Any] = {"timestamp": EPOCH_MS, "traceId": EPOCH_MS} if with_time else {}
    detail = {"code": code, "message": "limit hit", "debug": f"at {EPOCH_MS}"}
    if where == "top":
        return {"code": code, "message": "limit hit", **extra}
    if where == "error":
        return {"item": None, "code": code, "error": detail, **extra}
    return {"errors": [detail], **extra}


@st.composite
def _body(draw: st.DrawFn) -> tuple[str, bytes, frozenset[Api], bool]:
    """``(name, bytes, apis whose success it is, is it a v3 error envelope)``."""
    kind = draw(
        st.sampled_from(
            [
                "subscription",
                "customer",
                "odd subscription",
                "error",
                "deep",
                "garbage",
                "html",
                "empty",
                "json",
                "not utf-8",
            ]
        )
    )
    if kind == "subscription":
        return kind, json.dumps(SEED_SUBSCRIPTION).encode(), frozenset({"v4"}), False
    if kind == "customer":
        return kind, json.dumps(envelope(SEED_CUSTOMER)).encode(), frozenset({"v3"}), False
    if kind == "odd subscription":
        odd = {
            **SEED_SUBSCRIPTION,
            "customer": {**SEED_SUBSCRIPTION["customer"], "phone_number": 15550100},
            "created": EPOCH_MS,
        }
        return kind, json.dumps(odd).encode(), frozenset({"v4"}), False
    if kind == "error":
        code = draw(st.sampled_from(ERROR_CODES))
        where = draw(st.sampled_from(["top", "error", "errors"]))
        with_time = draw(st.booleans())
        body = _error_body(code, where, with_time)
        # A v3 envelope error: a non-empty code other than SUCCESS at the top level.
        is_envelope_error = isinstance(code, str) and code not in ("", "SUCCESS")
        is_envelope_error = is_envelope_error and where != "errors"
        return f"error {code!r} in {where}", json.dumps(body).encode(), NONE, is_envelope_error
    if kind == "deep":
        depth = draw(st.sampled_from([50, 500, 1200, 2000]))
        shape = draw(st.sampled_from(["list", "object"]))
        return f"{shape} nested {depth} deep", _deep(depth, shape), NONE, False
    if kind == "garbage":
        return kind, draw(st.binary(max_size=64)), NONE, False
    if kind == "html":
        return kind, b"<html><body><h1>502 Bad Gateway</h1></body></html>", NONE, False
    if kind == "empty":
        return kind, b"", NONE, False
    if kind == "not utf-8":
        return kind, b'{"code": "\xff\xfe"}', NONE, False
    value = draw(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=8,
        )
    )
    return "random json", json.dumps(value).encode(), NONE, False


_HOSTILE_HEADERS = [
    (),
    ((b"Retry-After", b"1e400"),),
    ((b"Retry-After", b"-5"),),
    ((b"Retry-After", b"Wed, 99 Foo 2024"),),
    ((b"Content-Type", b"application/json; charset=no-such-charset"),),
    ((b"x-request-id", b"req-\xff\xfe"),),
    ((b"x-request-id", b"a"), (b"X-Request-Id", b"b")),
    ((b"Content-Type", b"text/html"),),
    # A redirect elsewhere on the same server: followed, it would show in the server's counts.
    ((b"Location", b"/v3/redirected"),),
]


def _chunked(body: bytes, *, lie: bool) -> bytes:
    size = len(body) + (50 if lie else 0)
    return b"%x\r\n%s\r\n0\r\n\r\n" % (size, body) if not lie else b"%x\r\n%s" % (size, body)


@st.composite
def answers(draw: st.DrawFn) -> LabelledAnswer:
    """Any answer at all, labelled with what it proves."""
    status = draw(st.sampled_from(STATUSES))
    body_name, body, valid_for, is_envelope_error = draw(_body())
    headers = draw(st.sampled_from(_HOSTILE_HEADERS))
    framing = draw(
        st.sampled_from(
            [
                "exact",
                "exact",
                "exact",
                "chunked",
                "content-length says more",
                "content-length says less",
                "chunked lie",
                "gzip bomb",
                "bad gzip",
                "reset after the request",
                "closed after the request",
                "reset mid-body",
                "http/0.9",
                "garbage status line",
                "slow drip",
                "held open",
            ]
        )
    )
    name = f"{status} {body_name}, {framing}, headers {headers!r}"
    complete = framing in ("exact", "chunked")
    if framing == "exact":
        chunks: tuple[bytes, ...] = (http_response(status, body, headers=headers),)
    elif framing == "chunked":
        te = ((b"Transfer-Encoding", b"chunked"), *headers)
        chunks = (http_response(status, _chunked(body, lie=False), headers=te),)
    elif framing == "content-length says more":
        chunks = (http_response(status, body, headers=headers, content_length=len(body) + 100),)
    elif framing == "content-length says less":
        # What the header declares is all there: the client reads it whole, and the rest
        # dies with the connection.
        chunks = (http_response(status, body + b"trailing garbage", headers=headers,
                                content_length=len(body)),)  # fmt: skip
        complete = True
    elif framing == "chunked lie":
        te = ((b"Transfer-Encoding", b"chunked"), *headers)
        chunks = (http_response(status, _chunked(body, lie=True), headers=te),)
    elif framing == "gzip bomb":
        bomb = gzip.compress(b"\0" * (8 * 1024 * 1024), compresslevel=9)
        chunks = (http_response(status, bomb, headers=((b"Content-Encoding", b"gzip"),)),)
    elif framing == "bad gzip":
        not_gzip = b"not gzip: " + body
        chunks = (http_response(status, not_gzip, headers=((b"Content-Encoding", b"gzip"),)),)
    elif framing in ("reset after the request", "closed after the request"):
        chunks = ()
    elif framing == "reset mid-body":
        chunks = (http_response(status, body, headers=headers, content_length=len(body) + 10),)
    elif framing == "http/0.9":
        chunks = (body or b"hello",)
    elif framing == "garbage status line":
        chunks = (b"HTTP/1.1 abc\r\n\r\n" + body,)
    elif framing == "slow drip":
        response = http_response(status, body, headers=headers)
        chunks = (response[:10], response[10:20], response[20:])
    else:  # held open
        chunks = ()
    slow = framing in ("slow drip", "held open")
    answer = Answer(
        name,
        chunks,
        drip=1.5 if framing == "slow drip" else 0.0,
        ending="reset" if framing.startswith("reset") else ("hold" if slow else "close"),
        slow=slow,
    )
    proves: frozenset[Api] = NONE
    succeeds: frozenset[Api] = NONE
    if complete and (300 <= status < 500 and status not in (304, 408)):
        proves = BOTH
    elif complete and 200 <= status < 300 and status != 204:
        if is_envelope_error:
            proves = frozenset({"v3"})
        succeeds = valid_for
    ambiguous = framing == "content-length says less"
    return LabelledAnswer(answer, proves, succeeds, ambiguous)
