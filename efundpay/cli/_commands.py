"""The single-object commands: ``customers toggle ID`` and ``subscriptions ACTION ID``."""

from __future__ import annotations

import argparse
from typing import Any, Final, Literal

from ..settings import Secret
from ..validation import check_reason
from ._connect import open_client
from ._exit import ExitCode
from ._output import Output, customer_lines, safe_json, subscription_lines
from ._trace import CallRecord
from ._values import merge_metadata

__all__ = ["STATUS_OF_ACTION", "change_subscription", "status_options", "toggle_customer"]

#: The target ``status`` of each ``subscriptions`` action.
STATUS_OF_ACTION: Final[dict[str, Literal["paused", "active", "cancelled"]]] = {
    "pause": "paused",
    "resume": "active",
    "cancel": "cancelled",
}

# The options each action's parser defines, by their SDK keyword.
_ACTION_OPTIONS: Final = {
    "pause": ("pause_behavior", "resume_at"),
    "resume": ("billing_cycle_anchor", "proration_behavior"),
    "cancel": ("at_period_end", "cancellation_reason", "prorate"),
}


def status_options(args: argparse.Namespace, action: str) -> dict[str, Any]:
    """The ``update_status`` keywords the command line was given (left-out options absent).

    The free-text ``--reason`` is checked here, with the SDK's own rule, so that a bulk run
    stops before its first call rather than failing every id the same way.
    """
    options: dict[str, Any] = {name: getattr(args, name) for name in _ACTION_OPTIONS[action]}
    options["reason"] = check_reason(args.reason, "--reason")
    options["metadata"] = merge_metadata(args.metadata)
    return {name: value for name, value in options.items() if value is not None}


async def toggle_customer(args: argparse.Namespace, out: Output, key: Secret | None) -> ExitCode:
    """``efundpay customers toggle ID``."""
    client = open_client(args, key, v4=False)
    async with client:
        response = await client.customers.with_raw_response.toggle(args.customer_id)
    data = safe_json(response.parse(), out.secrets)
    out.result("customer", data, customer_lines(data), CallRecord.of(response))
    return ExitCode.OK


async def change_subscription(
    args: argparse.Namespace, out: Output, key: Secret | None, action: str
) -> ExitCode:
    """``efundpay subscriptions pause|resume|cancel ID``."""
    options = status_options(args, action)
    client = open_client(args, key)
    async with client:
        response = await client.subscriptions.with_raw_response.update_status(
            args.subscription_id,
            status=STATUS_OF_ACTION[action],
            idempotency_key=args.idempotency_key,
            **options,
        )
    data = safe_json(response.parse(), out.secrets)
    out.result("subscription", data, subscription_lines(data), CallRecord.of(response))
    return ExitCode.OK
