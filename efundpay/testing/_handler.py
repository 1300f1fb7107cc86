"""One HTTP request through the fake: route it, fire a fault, check auth and headers, apply
the operation, record what happened.

The state-changing part (:meth:`FakeHandler.process`) is synchronous: the idempotency check,
the change and storing its response happen without an ``await`` in between, so two requests
on the server's loop cannot interleave inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any

import attrs
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from ._auth_v3 import V3Request
from ._faults import Fault, FaultQueue
from ._idempotency import IdempotencyStore, StoredResponse, fingerprint
from ._log import RecordedHeaders, RecordedRequest, RequestLog
from ._records import Rejection
from ._routing import Route, route
from ._state import FakeState
from ._strict import StrictAuthState
from ._validation import parse_json_object, parse_status_request
from ._wire import (
    CUSTOMERS_TOGGLE,
    OAUTH_TOKEN,
    default_error_code,
    dumps,
    error_body,
    is_v3,
    render_customer,
    render_subscription,
    status_phrase,
    v3_success,
    wrong_types,
)

__all__ = ["Answer", "FakeHandler"]

logger = logging.getLogger("efundpay.testing")


@attrs.frozen
class Answer:
    """What normal handling decided: status, JSON payload, extra headers, and whether it
    changed state."""

    status: int
    payload: Any
    applied: bool = False
    replayed: bool = False
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: The error code of an error answer, for the request log.
    code: str | None = None


@attrs.frozen
class _Incoming:
    method: str
    raw_path: str
    route: Route
    headers: CIMultiDictProxy[str]
    body: bytes
    request_id: str
    #: The full URL as the client addressed it (scheme, Host header, raw path).
    url: str

    @property
    def v3(self) -> bool:
        return is_v3(self.route.operation, self.raw_path)

    @property
    def target_id(self) -> str:
        return next(iter(self.route.params.values()), "")


@attrs.define
class FakeHandler:
    """The aiohttp request handler of one :class:`~efundpay.testing.FakeEFundPay`."""

    state: FakeState
    faults: FaultQueue
    log: RequestLog
    idempotency: IdempotencyStore
    api_key: str
    merchant_account_id: str
    legacy_v3: bool
    #: Strict authentication (``None``: ``Bearer <api_key>`` is enough).
    strict: StrictAuthState | None = None
    #: ``False``: v4 ``idempotency-key`` headers are ignored, as an API without them would.
    honour_idempotency_keys: bool = True
    #: Set while the server shuts down, so injected delays end at once.
    stopping: asyncio.Event | None = None

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        """Handle one request (aiohttp's low-level handler signature)."""
        self.log.begin()
        try:
            return await self._handle(request)
        finally:
            self.log.end()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        host = request.headers.get("Host") or request.host
        incoming = _Incoming(
            method=request.method,
            raw_path=request.raw_path,
            route=route(request.raw_path),
            headers=RecordedHeaders(CIMultiDict(request.headers)),
            body=body,
            request_id="req_" + secrets.token_hex(12),
            url=f"{request.scheme}://{host}{request.raw_path}",
        )
        fault = self.faults.take(incoming.route.operation)
        answer: Answer | None = None
        response: web.Response | None
        if fault is None:
            answer = self.process(incoming)
            response = self._json(incoming, answer.status, answer.payload, answer.headers)
        else:
            answer, response = await self._with_fault(request, incoming, fault)
        if response is None:
            transport = request.transport
            if transport is not None:
                # Closing the transport here means aiohttp's write of the placeholder
                # response below fails; it treats that as a client disconnect and sends
                # nothing, which is exactly a dropped connection.
                transport.close()
        self._record(incoming, answer, response, fault)
        return response if response is not None else web.Response(status=204)

    async def _with_fault(
        self, request: web.BaseRequest, incoming: _Incoming, fault: Fault
    ) -> tuple[Answer | None, web.Response | None]:
        answer = self.process(incoming) if fault.apply else None
        if fault.kind == "status":
            return answer, self._fault_status(incoming, fault)
        if fault.kind == "drop":
            return answer, None
        if fault.kind == "malformed":
            return answer, self._malformed(incoming, fault, answer)
        await self._sleep(fault.seconds)
        if answer is None:
            if request.transport is None or request.transport.is_closing():
                # The client gave up while the request was held: it is never handled.
                return None, None
            answer = self.process(incoming)
        return answer, self._json(incoming, answer.status, answer.payload, answer.headers)

    async def _sleep(self, seconds: float) -> None:
        stopping = self.stopping
        if stopping is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)

    # -- normal handling ---------------------------------------------------------------------

    def process(self, incoming: _Incoming) -> Answer:
        """Handle the request as eFundPay would; synchronous so it cannot interleave."""
        operation = incoming.route.operation
        if operation is None or (operation == OAUTH_TOKEN and self.strict is None):
            return self._error(incoming, 404, None, "No such route")
        method = incoming.route.method
        if incoming.method != method:
            return self._error(incoming, 405, None, f"Use {method}", headers={"Allow": method})
        # A refusal, or the token endpoint's answer (which is all that endpoint does).
        answered = self._authenticate(incoming)
        if answered is not None:
            return answered
        if operation == CUSTOMERS_TOGGLE:
            return self._toggle(incoming)
        return self._change_status(incoming)

    def _authenticate(self, incoming: _Incoming) -> Answer | None:
        if self.strict is None:
            if self._authorized(incoming.headers.get("Authorization")):
                return None
            return self._error(incoming, 401, None, "Invalid or missing API key")
        request = V3Request(incoming.method, incoming.url, incoming.headers, incoming.body)
        try:
            answer = self.strict.authenticate(incoming.route.operation, request)
        except Rejection as rejection:
            return self._rejected(incoming, rejection)
        return None if answer is None else Answer(200, answer)

    def _authorized(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        # compare_digest: the habit of a server that checks secrets, even a fake one.
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.encode(), self.api_key.encode()
        )

    def _toggle(self, incoming: _Incoming) -> Answer:
        try:
            customer = self.state.toggle(incoming.target_id)
        except Rejection as rejection:
            return self._rejected(incoming, rejection)
        item = render_customer(customer, legacy_v3=self.legacy_v3)
        return Answer(200, v3_success(item), applied=True)

    def _change_status(self, incoming: _Incoming) -> Answer:
        merchant = incoming.headers.get("x-merchant-account-id")
        if merchant is None:
            return self._error(
                incoming, 400, None, "x-merchant-account-id header is required",
                param="x-merchant-account-id",
            )  # fmt: skip
        if not hmac.compare_digest(merchant.encode(), self.merchant_account_id.encode()):
            return self._error(
                incoming, 403, None, "This API key cannot act for that merchant account",
                param="x-merchant-account-id",
            )  # fmt: skip
        key = incoming.headers.get("idempotency-key") if self.honour_idempotency_keys else None
        print_ = fingerprint(incoming.raw_path, incoming.body)
        if key is not None:
            earlier = self._idempotent_answer(incoming, merchant, key, print_)
            if earlier is not None:
                return earlier
        content_type = incoming.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            change = parse_status_request(parse_json_object(incoming.body, content_type))
        except Rejection as rejection:
            # Not stored under the key: the server never started the operation, so a
            # corrected request may reuse the key (as Stripe does).
            return self._rejected(incoming, rejection)
        try:
            sub = self.state.change_status(
                incoming.target_id, change, request_id=incoming.request_id
            )
            answer = Answer(200, render_subscription(sub), applied=True)
        except Rejection as rejection:
            answer = self._rejected(incoming, rejection)
        if key is not None:
            self.idempotency.store(
                merchant, key, print_, StoredResponse(answer.status, answer.payload)
            )
        return answer

    def _idempotent_answer(
        self, incoming: _Incoming, merchant: str, key: str, print_: str
    ) -> Answer | None:
        # The answer the key dictates (a replay, or an error), or None to go ahead.
        if not 1 <= len(key) <= 255:
            return self._error(
                incoming, 400, None, "idempotency-key must be 1 to 255 characters",
                param="idempotency-key",
            )  # fmt: skip
        try:
            stored = self.idempotency.lookup(merchant, key, print_)
        except KeyError:
            return self._error(
                incoming, 422, "idempotency_key_reused",
                "This idempotency-key was already used with a different request",
                param="idempotency-key",
            )  # fmt: skip
        if stored is None:
            return None
        return Answer(
            stored.status, stored.payload, replayed=True, headers={"idempotent-replayed": "true"}
        )

    def _rejected(self, incoming: _Incoming, rejection: Rejection) -> Answer:
        return self._error(
            incoming, rejection.status, rejection.code, rejection.message, param=rejection.param
        )

    def _error(
        self,
        incoming: _Incoming,
        status: int,
        code: str | None,
        message: str,
        *,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        debug = f"{incoming.method} {incoming.raw_path}" if incoming.v3 else None
        code = code or default_error_code(status, v3=incoming.v3)
        payload = error_body(
            v3=incoming.v3, status=status, code=code, message=message, param=param, debug=debug
        )
        return Answer(status, payload, headers=headers or {}, code=code)

    def _peek(self, incoming: _Incoming) -> Any:
        # The success shape of the target as it is now, without changing it: the base of a
        # malformed body when the fault does not apply the operation.
        try:
            if incoming.route.operation == CUSTOMERS_TOGGLE:
                customer = self.state.customer(incoming.target_id)
                return v3_success(render_customer(customer, legacy_v3=self.legacy_v3))
            return render_subscription(self.state.subscription(incoming.target_id))
        except KeyError:
            return {}

    # -- responses ---------------------------------------------------------------------------

    def _json(
        self,
        incoming: _Incoming,
        status: int,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        *,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> web.Response:
        all_headers = {"x-request-id": incoming.request_id, **(headers or {})}
        if self.strict is not None:
            # The fake's own (skewable) clock, from which a client can correct its offset.
            all_headers["Date"] = self.strict.date_header()
        data = dumps(payload) if body is None else body
        return web.Response(
            status=status, body=data, headers=all_headers, content_type=content_type
        )

    def _fault_status(self, incoming: _Incoming, fault: Fault) -> web.Response:
        headers = {} if fault.retry_after is None else {"Retry-After": fault.retry_after}
        payload = error_body(
            v3=incoming.v3, status=fault.status, code=fault.code, message=fault.message
        )
        return self._json(incoming, fault.status, payload, headers, body=fault.body)

    def _malformed(self, incoming: _Incoming, fault: Fault, answer: Answer | None) -> web.Response:
        base = answer.payload if answer is not None else self._peek(incoming)
        status = fault.status
        if fault.malformed == "html":
            phrase = f"{status} {status_phrase(status)}"
            page = f"<!DOCTYPE html><html><head><title>{phrase}</title></head>"
            page += f"<body><h1>{phrase}</h1><hr><p>nginx</p></body></html>"
            return self._json(incoming, status, None, body=page.encode(), content_type="text/html")
        if fault.malformed == "truncated_json":
            full = dumps(base)
            return self._json(incoming, status, None, body=full[: max(1, len(full) // 2)])
        if fault.malformed == "wrong_types":
            return self._json(incoming, status, wrong_types(base, v3=incoming.v3))
        if fault.malformed == "empty":
            return self._json(incoming, status, None, body=b"")
        return self._json(incoming, status, [base])

    def _record(
        self,
        incoming: _Incoming,
        answer: Answer | None,
        response: web.Response | None,
        fault: Fault | None,
    ) -> None:
        try:
            parsed: Any = parse_json_body(incoming.body)
        except ValueError:
            parsed = None
        status = None if response is None else response.status
        record = RecordedRequest(
            method=incoming.method,
            raw_path=incoming.raw_path,
            path_params=dict(incoming.route.params),
            operation=incoming.route.operation,
            headers=incoming.headers,
            body=incoming.body,
            json=parsed,
            status=status,
            applied=answer is not None and answer.applied,
            fault=None if fault is None else fault.describe(),
            request_id=incoming.request_id,
            replayed=answer is not None and answer.replayed,
            error_code=_error_code(incoming, answer, fault),
        )
        self.log.append(record)
        # %r on the decoded id: a hostile id (slashes, dots, control characters) stays visible.
        logger.info(
            "%s %s %r -> %s%s [%s]",
            incoming.method,
            incoming.route.operation or incoming.raw_path,
            incoming.target_id,
            "dropped" if status is None else status,
            "" if fault is None else f" fault={record.fault}",
            incoming.request_id,
        )


def _error_code(incoming: _Incoming, answer: Answer | None, fault: Fault | None) -> str | None:
    # The code of the error body the client received: an injected status's, or the fake's own.
    if fault is not None and fault.kind == "status":
        return fault.code or default_error_code(fault.status, v3=incoming.v3)
    return None if answer is None else answer.code


def parse_json_body(body: bytes) -> Any:
    """The body as JSON for the request log, ``None`` when empty; ``ValueError`` if not JSON."""
    return json.loads(body) if body else None
