"""``efundpay demo``: the SDK at work against an embedded fake eFundPay, as a table.

No credentials and no network beyond loopback: the fake runs on this process's event loop
and the client talks to it over real HTTP, through the same pipeline as in production.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

import attrs

from .. import AiohttpTransport, APIResponse, AsyncEFundPay, Customer, RetryPolicy, Subscription
from ..testing import FakeEFundPay
from ._demo_auth import SIGNING_HINT, JWTPeek, signing_available, signing_kwargs
from ._exit import ExitCode
from ._output import Output, table
from ._trace import CallRecord

__all__ = ["run_demo"]

CUSTOMER: Final = "cus_123"
SUBSCRIPTION: Final = "sub_1234567890abcdef"
# Short waits between retries: the demo's one retry should not make anyone wait.
_QUICK_RETRIES: Final = RetryPolicy(initial_backoff=0.05, max_backoff=0.2)


@attrs.frozen
class DemoRow:
    """One call of the demo and what came of it."""

    operation: str
    id: str
    result: str
    request_id: str
    idempotency_key: str | None
    attempts: int
    duration_ms: float


def _customer_result(customer: Customer) -> str:
    return "token active" if customer.is_active else "token inactive"


def _subscription_result(subscription: Subscription) -> str:
    result = str(subscription.status)
    if subscription.pause_collection is not None and subscription.pause_collection.behavior:
        result += f" ({subscription.pause_collection.behavior})"
    details = subscription.cancellation_details
    if details is not None and details.at_period_end:
        result += " (at period end)"
    return result


async def _step(
    rows: list[DemoRow],
    operation: str,
    target: str,
    call: Callable[[], Awaitable[APIResponse[Any]]],
    describe: Callable[[Any], str],
) -> None:
    response = await call()
    record = CallRecord.of(response)
    rows.append(
        DemoRow(
            operation=operation,
            id=target,
            result=describe(response.parse()),
            request_id=record.request_id or "-",
            idempotency_key=record.idempotency_key,
            attempts=record.attempts,
            duration_ms=round(record.elapsed_ms, 1),
        )
    )


async def _tour(client: AsyncEFundPay, fake: FakeEFundPay) -> list[DemoRow]:
    rows: list[DemoRow] = []
    subs = client.subscriptions.with_raw_response
    toggle = (lambda: client.customers.with_raw_response.toggle(CUSTOMER), _customer_result)
    await _step(rows, "customers.toggle", CUSTOMER, *toggle)
    await _step(rows, "customers.toggle", CUSTOMER, *toggle)
    await _step(
        rows, "subscriptions.pause", SUBSCRIPTION,
        lambda: subs.pause(SUBSCRIPTION, pause_behavior="keep_as_draft",
                           reason="Customer requested temporary pause"),
        _subscription_result,
    )  # fmt: skip
    # eFundPay applies the resume, then its answer is lost in a 503: the SDK retries with the
    # same idempotency key and gets the stored answer, so the resume is applied once.
    fake.fail_next(503, apply=True, retry_after=0, operation="subscriptions.status")
    await _step(
        rows, "subscriptions.resume", SUBSCRIPTION,
        lambda: subs.resume(SUBSCRIPTION, billing_cycle_anchor="now"),
        _subscription_result,
    )  # fmt: skip
    await _step(
        rows, "subscriptions.cancel", SUBSCRIPTION,
        lambda: subs.cancel(SUBSCRIPTION, at_period_end=True,
                            cancellation_reason="customer_request",
                            metadata={"cancelled_by": "demo"}),
        _subscription_result,
    )  # fmt: skip
    return rows


def _facts(fake: FakeEFundPay) -> dict[str, Any]:
    history = fake.subscription(SUBSCRIPTION).history
    return {
        "base_url": fake.url,
        "requests_received": len(fake.requests),
        "customer_toggles_applied": fake.customer(CUSTOMER).toggle_count,
        "subscription_changes_applied": [f"{c.from_status}->{c.to_status}" for c in history],
    }


def _print_text(out: Output, rows: list[DemoRow], facts: dict[str, Any]) -> None:
    out.line(f"efundpay demo: the SDK against a fake eFundPay at {facts['base_url']}")
    out.line("(no credentials of yours; nothing leaves this machine)")
    out.line()
    headers = ("operation", "id", "result", "request id", "idempotency key", "attempts", "ms")
    cells = [
        (r.operation, r.id, r.result, r.request_id, r.idempotency_key or "-", str(r.attempts),
         f"{r.duration_ms:.1f}")
        for r in rows
    ]  # fmt: skip
    out.line(table(headers, cells))
    out.line()
    changes = ", ".join(facts["subscription_changes_applied"])
    out.line(
        f"The fake received {facts['requests_received']} requests and applied "
        f"{facts['customer_toggles_applied']} toggles and these status changes: {changes}."
    )
    out.line("Toggles carry no idempotency key: a repeated toggle flips the customer back.")
    out.line(
        "The resume's first answer was an injected 503 after eFundPay had applied it; the "
        "retry carried the same idempotency key, so it was not applied twice."
    )
    _print_auth(out, facts["authentication"])
    out.line()
    out.line("Next: `efundpay --help`, or `efundpay fake-server` to try the commands yourself.")


async def run_demo(out: Output) -> ExitCode:
    """Run the tour and print it; exit status 0 when every step did what it should.

    With the signing extra, the fake checks credentials as the real services do (see
    ``_demo_auth``); without it, the API key is the bearer token and a note says so.
    """
    signed = signing_available()
    async with FakeEFundPay(strict_auth=signed) as fake:
        peek = JWTPeek(AiohttpTransport())
        settings = signing_kwargs(fake) if signed else fake.client_kwargs()
        client = AsyncEFundPay(
            **settings,
            environment="sandbox",  # the fake's settings, whatever EFUNDPAY_* says
            retry=_QUICK_RETRIES,
            transport=peek,
        )
        async with client:
            rows = await _tour(client, fake)
        facts = _facts(fake)
        facts["authentication"] = _auth_facts(fake, peek) if signed else {"mode": "bearer"}
    if out.json_mode:
        out.emit_json({**facts, "steps": [attrs.asdict(row) for row in rows]})
    else:
        _print_text(out, rows, facts)
    return ExitCode.OK


def _auth_facts(fake: FakeEFundPay, peek: JWTPeek) -> dict[str, Any]:
    stats = fake.auth_stats
    return {
        "mode": "signed",
        "v3_token_fetches": stats.token_fetches,
        "rejections": dict(stats.rejections),
        "jwt_header": peek.header,
        "jwt_claims": peek.claims,
    }


def _print_auth(out: Output, auth: dict[str, Any]) -> None:
    out.line()
    if auth["mode"] != "signed":
        out.line("Authentication: the API key as a bearer token (the fake's plain mode).")
        out.line(SIGNING_HINT)
        return
    out.line("Authentication, checked by the fake as the real services require:")
    fetched = auth["v3_token_fetches"]
    times = "once" if fetched == 1 else f"{fetched} times"
    out.line(
        f"  v3 toggles: OAuth2 access token fetched {times}"
        "; every request signed (X-Signature, X-Nonce-Str, X-Timestamp) and the signature "
        "verified by the fake (the first toggle's requests include that token fetch)"
    )
    out.line("  v4 status changes: a new JWT per attempt, verified by the fake; the first one")
    out.line(f"    header {json.dumps(auth['jwt_header'], sort_keys=True)}")
    out.line(f"    claims {json.dumps(auth['jwt_claims'], sort_keys=True)}")
    out.line("    (its signature, which makes it a credential, is not shown)")
    rejected = sum(auth["rejections"].values())
    out.line(f"  requests refused for their credentials: {rejected}")
