"""How the command line prints: text for people, JSON for programs, secrets for no one.

Every model goes through :func:`safe_json` before it is shown, in either format: the SDK's
redaction masks card numbers, security codes, expiry dates, token ids and client keys, and
removes the API key wherever it might appear.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..models import Customer, Subscription
from ..redaction import Secrets, redact_json, remove_secrets
from ._exit import Failure
from ._trace import CallRecord

__all__ = ["Output", "customer_lines", "safe_json", "subscription_lines", "table"]


def safe_json(model: Customer | Subscription, secrets: Secrets) -> dict[str, Any]:
    """The model as wire JSON with every sensitive value masked."""
    data: dict[str, Any] = redact_json(model.to_dict(), secrets)
    data["id"] = model.id  # an all-digit id is not a card number; the user typed it anyway
    return data


def _text(value: object) -> str:
    if value is None or value == {}:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _money(amount: object, currency: object) -> str:
    return f"{amount} {currency or ''} (minor units)".replace("  ", " ")


def customer_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Label/value pairs for a customer's :func:`safe_json`."""
    recurring = data.get("recurringPayment")
    schedule = "-"
    if isinstance(recurring, dict):
        schedule = (
            f"{_money(recurring.get('amount'), recurring.get('currency'))}, "
            f"{recurring.get('recurringInterval')} on {recurring.get('recurringTarget')}, "
            f"{recurring.get('recurringRepetition')} repetitions"
        )
    return [
        ("customer", _text(data.get("id"))),
        ("token", "active" if data.get("isActive") else "inactive"),
        ("card", _text(data.get("label"))),
        ("email", _text(data.get("email"))),
        ("product", _text(data.get("productName"))),
        ("recurring", schedule),
        ("updated at", _text(data.get("updatedAt"))),
    ]


def subscription_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Label/value pairs for a subscription's :func:`safe_json`."""
    plan = data.get("plan") or {}
    customer = data.get("customer") or {}
    pause = data.get("pause_collection") or {}
    cancellation = data.get("cancellation_details") or {}
    lines = [
        ("subscription", _text(data.get("id"))),
        ("status", _text(data.get("status"))),
        ("next billing", _text(data.get("next_billing_date"))),
        (
            "plan",
            f"{_text(plan.get('name'))}: {_money(plan.get('amount'), plan.get('currency'))} "
            f"per {_text(plan.get('interval'))}",
        ),
        (
            "customer",
            f"{_text(customer.get('display_name'))} <{_text(customer.get('email_address'))}>",
        ),
    ]
    if pause:
        lines += [
            ("pause behavior", _text(pause.get("behavior"))),
            ("resumes at", _text(pause.get("resume_at"))),
        ]
    if cancellation:
        lines += [
            ("cancellation", _text(cancellation.get("reason"))),
            ("at period end", _text(cancellation.get("at_period_end"))),
            ("ends at", _text(data.get("ended_at"))),
        ]
    lines.append(("metadata", _text(data.get("metadata"))))
    return lines


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A plain-text table with columns padded to their widest cell."""
    body = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in body) for i in range(len(headers))]
    rule = ["-" * width for width in widths]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [body[0], rule, *body[1:]]
    )


class Output:
    """Where and how a command prints.  ``secrets`` are removed from every message."""

    def __init__(
        self,
        *,
        json_mode: bool,
        secrets: Secrets = (),
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json_mode = json_mode
        self.secrets = secrets
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr

    def emit_json(self, document: Any, *, compact: bool = False) -> None:
        """One JSON document on stdout (on a single line when ``compact``)."""
        text = json.dumps(document, indent=None if compact else 2, ensure_ascii=False)
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def line(self, text: str = "") -> None:
        """A line of text on stdout."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def note(self, text: str) -> None:
        """A message for the person at the terminal, on stderr (secrets removed).

        Only the exact secrets are replaced: a broader pattern could mangle an
        idempotency key the user must copy.  Error messages were redacted by the SDK.
        """
        self.stderr.write(remove_secrets(text, self.secrets) + "\n")
        self.stderr.flush()

    def result(
        self, kind: str, data: dict[str, Any], lines: list[tuple[str, str]], call: CallRecord
    ) -> None:
        """Print one API result, with the request id and idempotency key of the call."""
        if self.json_mode:
            self.emit_json(
                {
                    kind: data,
                    "request_id": call.request_id,
                    "idempotency_key": call.idempotency_key,
                    "attempts": call.attempts,
                }
            )
            return
        lines = [
            *lines,
            ("request id", _text(call.request_id)),
            *([("idempotency key", call.idempotency_key)] if call.idempotency_key else []),
        ]
        width = max(len(label) for label, _ in lines)
        for label, value in lines:
            self.line(f"{label:<{width}}  {value}")

    def failure(self, failure: Failure) -> None:
        """Report an error: a JSON document on stdout with ``--json``, else text on stderr."""
        if self.json_mode:
            self.emit_json(failure.to_json())
            return
        # The SDK's messages already name the HTTP status and eFundPay's code.
        self.note(f"efundpay: error: {failure.error_type}: {failure.message}")
        for label, value in (
            ("request id", failure.request_id),
            ("idempotency key", failure.idempotency_key),
        ):
            if value:
                self.note(f"  {label}: {value}")
        if failure.hint:
            self.note(f"  {failure.hint}")
