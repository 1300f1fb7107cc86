"""Option groups shared by several commands: global settings, status-change options, bulk.

Each ``add_*`` function adds one titled group to a parser, so ``--help`` shows options
grouped by what they are for.
"""

from __future__ import annotations

import argparse
import textwrap

from .. import RetryPolicy
from ..models import BillingCycleAnchor, CancellationReason, PauseBehavior, ProrationBehavior
from ..settings import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_ENVIRONMENT,
    ENV_JWT_KEY_ID,
    ENV_MERCHANT_ACCOUNT_ID,
    ENV_PRIVATE_KEY_FILE,
    ENV_V3_BASE_URL,
    ENV_V3_CLIENT_ID,
    ENV_V3_CLIENT_SECRET,
    ENV_V3_PRIVATE_KEY_FILE,
    ENV_V3_ROUTE,
    ENV_V3_TOKEN_URL,
    V3_ROUTES,
)
from ._bulkfiles import RESULT_FIELDS
from ._values import (
    MAX_CONCURRENCY,
    aware_datetime,
    concurrency,
    metadata_item,
    non_negative_int,
    positive_seconds,
)

__all__ = [
    "add_auth_options",
    "add_bulk_options",
    "add_cancel_options",
    "add_common_status_options",
    "add_global_options",
    "add_pause_options",
    "add_resume_options",
    "wrap",
]


def wrap(*paragraphs: str) -> str:
    """Paragraphs filled to 88 columns, for help shown by the raw formatter.

    ``efundpay`` uses :class:`argparse.RawDescriptionHelpFormatter` to keep its tables (exit
    codes, environment variables) aligned, so prose is wrapped here instead.
    """
    return "\n\n".join(textwrap.fill(paragraph, 88) for paragraph in paragraphs)


def add_global_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    # On a sub-command the defaults are SUPPRESS, so a value given before the command is not
    # overwritten by the sub-command's default.
    def default(value: object) -> object:
        return argparse.SUPPRESS if nested else value

    group = parser.add_argument_group("global options (also accepted before the command)")
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print JSON instead of text (card data and client keys stay masked); API and "
        "configuration errors become {'error': {...}} on stdout",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help=f"API host, e.g. http://127.0.0.1:8080 for a fake-server (default: {ENV_BASE_URL}, "
        "else the environment's host)",
    )
    group.add_argument(
        "--environment",
        choices=("production", "sandbox"),
        default=default(None),
        help=f"which eFundPay to use (default: {ENV_ENVIRONMENT}, else inferred from the key)",
    )
    group.add_argument(
        "--merchant-account-id",
        metavar="ID",
        default=default(None),
        help=f"your merchant account, needed by subscription commands (default: "
        f"{ENV_MERCHANT_ACCOUNT_ID})",
    )
    group.add_argument(
        "--api-key-file",
        metavar="PATH",
        default=default(None),
        help=f"read the API key from this file ('-' = stdin) instead of {ENV_API_KEY}",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=positive_seconds,
        default=default(None),
        help="time limit of one attempt (default: 30)",
    )
    group.add_argument(
        "--max-retries",
        metavar="N",
        type=non_negative_int,
        default=default(None),
        help="retries after a failed attempt, when retrying is safe (default: 2)",
    )
    add_auth_options(parser, nested=nested)


def add_auth_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """Signed requests: JWTs for v4, OAuth2 tokens and signatures for v3.

    Keys and the client secret are read from files: no flag carries a secret value.
    """

    def default(value: object) -> object:
        return argparse.SUPPRESS if nested else value

    group = parser.add_argument_group(
        "signed requests (need the signing extra; also accepted before the command)"
    )
    for flag, metavar, help_text in (
        ("--jwt-key-id", "ID", f"sign v4 calls with JWTs under this key id ({ENV_JWT_KEY_ID})"),
        ("--private-key-file", "PATH", f"the JWT signing key, PEM ({ENV_PRIVATE_KEY_FILE})"),
        ("--v3-client-id", "ID", f"OAuth2 client id for v3 calls ({ENV_V3_CLIENT_ID})"),
        (
            "--v3-client-secret-file",
            "PATH",
            f"read the OAuth2 client secret from this file ('-' = stdin) instead of "
            f"{ENV_V3_CLIENT_SECRET}",
        ),
        (
            "--v3-private-key-file",
            "PATH",
            f"the RSA key that signs v3 requests, PEM ({ENV_V3_PRIVATE_KEY_FILE})",
        ),
        ("--v3-token-url", "URL", f"the OAuth2 token endpoint ({ENV_V3_TOKEN_URL})"),
        (
            "--v3-base-url",
            "URL",
            f"the host of v3 calls ({ENV_V3_BASE_URL}; default: the API host)",
        ),
    ):
        group.add_argument(flag, metavar=metavar, default=default(None), help=help_text)
    group.add_argument(
        "--v3-route",
        choices=V3_ROUTES,
        default=default(None),
        help=f"which v3 toggle route ({ENV_V3_ROUTE}; default: recurring-payment)",
    )


def add_common_status_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("options for every status change")
    group.add_argument("--reason", metavar="TEXT", help="why (1 to 255 characters)")
    group.add_argument(
        "--metadata",
        metavar="KEY=VALUE|JSON",
        type=metadata_item,
        action="append",
        help="your own data about this change: KEY=VALUE (repeat it) or a JSON object; "
        "merged into the subscription's metadata",
    )
    group.add_argument(
        "--idempotency-key",
        metavar="KEY",
        help="makes repeating the command safe: the same key applies the change at most "
        "once (default: a new key, printed with the result).  Single id only",
    )


def add_bulk_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "bulk: many subscriptions from a CSV file",
        wrap(
            "The file holds one id per line, or has a header row with an 'id' or "
            "'subscription_id' column.  Blank lines and lines starting with # are ignored; "
            "bad or duplicate rows are reported and skipped.",
            "Results are written as they happen, one CSV row at a time (columns: "
            f"{', '.join(RESULT_FIELDS)}): a 'pending' row before each call, so a crash "
            "loses nothing, then the outcome: ok, failed, unknown (may have been applied; "
            "--resume-from finishes it safely), invalid, or not_sent (the run stopped first).  "
            "An id's last row is its outcome.  Exit status 1 when any id was not done.",
        ),
    )
    group.add_argument(
        "--from-file", metavar="CSV", help="run every id in this file instead of a single ID"
    )
    group.add_argument(
        "--concurrency",
        metavar="N",
        type=concurrency,
        default=4,
        help=f"calls in flight at once, 1 to {MAX_CONCURRENCY} (default: 4).  When eFundPay "
        "rate limits, the whole batch pauses for its Retry-After; one longer than the SDK "
        f"waits ({RetryPolicy().max_retry_after:.0f}s) stops the run with exit status 6",
    )
    group.add_argument(
        "--results",
        metavar="CSV",
        help="write results here (default: stdout).  An existing file is only appended to "
        "when it is also --resume-from",
    )
    group.add_argument(
        "--resume-from",
        metavar="CSV",
        help="a results file of an earlier run of the same command and options (another is "
        "refused): ids that are ok there are skipped; unknown, pending and not_sent ids are "
        "retried with their recorded idempotency key, so nothing applies twice; failed and "
        "invalid ids get a new key, so eFundPay does not replay the old refusal",
    )


def add_pause_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("pause options")
    group.add_argument(
        "--pause-behavior",
        choices=[member.value for member in PauseBehavior],
        help="what happens to unpaid invoices (eFundPay's default: mark_uncollectible)",
    )
    group.add_argument(
        "--resume-at",
        metavar="DATETIME",
        type=aware_datetime,
        help="resume automatically at this ISO 8601 time with a UTC offset, "
        "e.g. 2025-03-01T00:00:00Z or 2025-03-01T09:00:00+09:00",
    )


def add_resume_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("resume options")
    group.add_argument(
        "--billing-cycle-anchor",
        choices=[member.value for member in BillingCycleAnchor],
        help="'now' restarts the billing cycle today (eFundPay's default: unchanged)",
    )
    group.add_argument(
        "--proration-behavior",
        choices=[member.value for member in ProrationBehavior],
        help="eFundPay's default: create_prorations",
    )


def add_cancel_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("cancel options")
    group.add_argument(
        "--at-period-end",
        action=argparse.BooleanOptionalAction,
        help="cancel when the current period ends instead of now (eFundPay's default: now)",
    )
    group.add_argument(
        "--cancellation-reason",
        choices=[member.value for member in CancellationReason],
        help="the reason, from eFundPay's list",
    )
    group.add_argument(
        "--prorate",
        action=argparse.BooleanOptionalAction,
        help="refund the unused part of the period (eFundPay's default: no)",
    )
