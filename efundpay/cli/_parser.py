"""The ``efundpay`` argument parser: every command, option and help text.

Each leaf command sets ``command`` (e.g. ``"subscriptions.pause"``) for the dispatcher in
:mod:`efundpay.cli._app`.  Options that apply to every API command (``--json``,
``--base-url``…) are accepted before the command and after it, so
``efundpay --json customers toggle cus_123`` and ``efundpay customers toggle cus_123 --json``
both work.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Final

from .. import __version__
from ..settings import ENV_API_KEY, ENV_BASE_URL, ENV_ENVIRONMENT, ENV_MERCHANT_ACCOUNT_ID
from ._exit import EXIT_CODES_HELP
from ._options import (
    add_bulk_options,
    add_cancel_options,
    add_common_status_options,
    add_global_options,
    add_pause_options,
    add_resume_options,
    wrap,
)
from ._values import lifetime, port, positive_seconds, record_count
from ._webhooks import add_send_options, add_webhooks_commands

__all__ = ["build_parser"]

_Formatter = argparse.RawDescriptionHelpFormatter


CREDENTIALS_HELP: Final = f"""\
credentials and settings (read from the environment):
  {ENV_API_KEY:<29} secret key: sk_test_… (sandbox) or sk_live_… (production)
  {ENV_MERCHANT_ACCOUNT_ID:<29} merchant account (or --merchant-account-id)
  {ENV_ENVIRONMENT:<29} production | sandbox (or --environment); default: sandbox
  {"":<29} for an sk_test_ key, production otherwise
  {ENV_BASE_URL:<29} another host, e.g. an `efundpay fake-server` (or --base-url)
  {"EFUNDPAY_LOG":<29} info | debug: log each attempt to stderr (secrets redacted)

signed requests instead of the API key (the signing extra; see the authentication docs):
  {"EFUNDPAY_JWT_KEY_ID":<29} v4: JWTs signed under this key id (or --jwt-key-id), with
  {"EFUNDPAY_PRIVATE_KEY_FILE":<29} the PEM key (or --private-key-file)
  {"EFUNDPAY_V3_CLIENT_ID":<29} v3: OAuth2 client id (or --v3-client-id)
  {"EFUNDPAY_V3_CLIENT_SECRET":<29} v3: client secret (or --v3-client-secret-file)
  {"EFUNDPAY_V3_PRIVATE_KEY_FILE":<29} v3: the RSA signing key, PEM (or --v3-private-key-file)
  {"EFUNDPAY_V3_TOKEN_URL":<29} v3: the token endpoint (or --v3-token-url)
  {"EFUNDPAY_V3_BASE_URL":<29} v3: another host (or --v3-base-url)

The API key has no flag on purpose: a flag's value is visible to every user of the machine
in the process list and lands in shell history.  Use {ENV_API_KEY}, or
--api-key-file PATH (a file only you can read; '-' reads the key from stdin)."""

CREDENTIALS_SHORT: Final = (
    f"credentials: {ENV_API_KEY} and {ENV_MERCHANT_ACCOUNT_ID} from the environment\n"
    "(or --api-key-file / --merchant-account-id); `efundpay --help` lists every setting."
)

ROOT_EXAMPLES: Final = """\
examples:
  efundpay demo                                   # a tour against a built-in fake eFundPay
  efundpay customers toggle cus_123
  efundpay subscriptions pause sub_123 --pause-behavior void --resume-at 2025-03-01T00:00:00Z
  efundpay subscriptions cancel sub_123 --at-period-end --cancellation-reason downgrade --json
  efundpay subscriptions cancel --from-file ids.csv --concurrency 8 --results results.csv
  efundpay fake-server --port 8080                # a fake eFundPay for tests in any language
  efundpay webhooks verify --kind v3 --public-key server.pem --headers h.json body.json

Run `efundpay COMMAND --help` for a command's options."""

_ACTIONS: Final[dict[str, tuple[str, str, Callable[[argparse.ArgumentParser], None]]]] = {
    "pause": (
        "pause a subscription",
        "Pause a subscription: billing stops until it is resumed (by `resume`, or "
        "automatically at --resume-at).",
        add_pause_options,
    ),
    "resume": (
        "resume a paused subscription",
        "Resume a paused subscription; billing restarts.",
        add_resume_options,
    ),
    "cancel": (
        "cancel a subscription",
        "Cancel a subscription, now or at the end of the period (--at-period-end).  "
        "A cancelled subscription cannot be resumed.",
        add_cancel_options,
    ),
}


def _add_subscription_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = commands.add_parser(
        "subscriptions",
        help="pause, resume or cancel subscriptions (one, or many from a CSV file)",
        description="Change the status of subscriptions (v4 API).",
        formatter_class=_Formatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    for action, (summary, description, add_options) in _ACTIONS.items():
        leaf = actions.add_parser(
            action,
            help=summary,
            description=wrap(
                description
                + "  Options left out are not sent, so eFundPay's defaults apply.  Every call "
                "carries an idempotency key, so the SDK's retries never apply it twice."
            ),
            epilog=f"examples:\n  efundpay subscriptions {action} sub_123 --reason 'Customer "
            f"request'\n  efundpay subscriptions {action} --from-file ids.csv --concurrency 8 "
            f"--results out.csv\n  efundpay subscriptions {action} --from-file ids.csv "
            f"--resume-from out.csv --results out.csv\n\n{CREDENTIALS_SHORT}\n\n{EXIT_CODES_HELP}",
            formatter_class=_Formatter,
        )
        leaf.set_defaults(command=f"subscriptions.{action}")
        leaf.add_argument(
            "subscription_id",
            metavar="ID",
            nargs="?",
            help="the subscription, e.g. sub_1234567890abcdef (or use --from-file)",
        )
        add_options(leaf)
        add_common_status_options(leaf)
        add_bulk_options(leaf)
        add_global_options(leaf, nested=True)


def _add_customer_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "customers",
        help="toggle a customer's card token on or off",
        description="Customers' card tokens (v3 API).",
        formatter_class=_Formatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    toggle = actions.add_parser(
        "toggle",
        help="flip a customer's token between active and inactive",
        description=wrap(
            "Flip a customer's token between active and inactive and print the new state.  "
            "Inactive stops all future recurring charges and new tokenized charges.  Only "
            "available once the customer has bound a card.",
            "A toggle is NOT idempotent: running it twice flips the customer back.  It is "
            "retried only when eFundPay certainly did not apply it; when the outcome is "
            "unknown (exit status 7 or 8 with 'outcome unknown'), check the customer before "
            "running it again.",
        ),
        epilog="example:\n  efundpay customers toggle cus_123 --json\n\n"
        f"{CREDENTIALS_SHORT}\n\n{EXIT_CODES_HELP}",
        formatter_class=_Formatter,
    )
    toggle.set_defaults(command="customers.toggle")
    toggle.add_argument("customer_id", metavar="ID", help="the customer, e.g. cus_123")
    add_global_options(toggle, nested=True)


def _add_demo_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="watch the SDK work against a built-in fake eFundPay (no credentials)",
        description=wrap(
            "Start a fake eFundPay on 127.0.0.1, then toggle a customer twice and pause, "
            "resume and cancel a subscription with the SDK, printing each call: result, "
            "request id, idempotency key, attempts and duration.  The resume meets an "
            "injected server error after it was applied, to show a retry that does not apply "
            "twice.  With the signing extra, the fake checks credentials as the real services do: "
            "the toggles are signed v3 calls (one token fetch) and the status changes carry "
            "JWTs, whose header and claims are shown; no secret is printed.  Needs no "
            "credentials and no network beyond loopback."
        ),
        formatter_class=_Formatter,
    )
    demo.set_defaults(command="demo")
    demo.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON rows"
    )


def _add_fake_server_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = commands.add_parser(
        "fake-server",
        help="run a fake eFundPay (FakeEFundPay) for tests in any language",
        description=wrap(
            "Serve efundpay.testing.FakeEFundPay: both endpoints with eFundPay's validation "
            "and state, over plain HTTP.  Prints the base URL and the credentials it accepts "
            "(its first line is 'Fake eFundPay listening on URL'), then serves until Ctrl-C "
            "or SIGTERM.  Sample data: customers cus_123 and cus_tokenized, subscriptions "
            "sub_123, sub_456 and sub_1234567890abcdef; add your own with --customers, "
            "--subscriptions or --seed-file.  Fault injection and state inspection are "
            "Python-only (efundpay.testing.FakeEFundPay)."
        ),
        epilog="example:\n  efundpay fake-server --port 8080 &\n"
        "  EFUNDPAY_BASE_URL=http://127.0.0.1:8080 EFUNDPAY_API_KEY=sk_test_fake \\\n"
        "  EFUNDPAY_MERCHANT_ACCOUNT_ID=acct_fake efundpay customers toggle cus_123\n\n"
        "  efundpay fake-server --port 8080 --strict-auth --key-dir ./fake-keys &\n"
        "  set -a; . ./fake-keys/efundpay-fake.env; set +a\n\n"
        "  efundpay fake-server --no-sample-data --customers 100 --subscriptions 100\n"
        "  efundpay fake-server --seed-file seed.json    # seed.json:\n"
        '    {"customers": ["cus_a", {"id": "cus_b", "is_active": false}],\n'
        '     "subscriptions": [{"id": "sub_a", "status": "paused"}]}'
        "\n\nsigned notifications to your endpoint (the fake's test key; see --send):\n"
        "  efundpay fake-server --send v3 --to http://127.0.0.1:8000/notify "
        "--private-key test.key\n",
        formatter_class=_Formatter,
    )
    server.set_defaults(command="fake-server")
    server.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    server.add_argument(
        "--port", type=port, default=8080, help="TCP port; 0 picks a free one (default: 8080)"
    )
    # A fake's key protects nothing, so taking it as a flag is harmless.
    server.add_argument(
        "--api-key",
        metavar="KEY",
        default="sk_test_fake",
        help="the (fake) key it accepts (default: sk_test_fake)",
    )
    server.add_argument(
        "--merchant-account-id",
        metavar="ID",
        default="acct_fake",
        help="the merchant account it accepts (default: acct_fake)",
    )
    server.add_argument(
        "--no-sample-data", action="store_true", help="start empty instead of with sample data"
    )
    seed = server.add_argument_group(
        "seeding",
        wrap(
            "Records added after the sample data (ids of generated ones are printed; with "
            "--json, all of them)."
        ),
    )
    seed.add_argument(
        "--customers",
        metavar="N",
        type=record_count,
        default=0,
        help="add N active customers with generated ids (cus_...)",
    )
    seed.add_argument(
        "--subscriptions",
        metavar="N",
        type=record_count,
        default=0,
        help="add N active subscriptions with generated ids (sub_...)",
    )
    seed.add_argument(
        "--seed-file",
        metavar="FILE",
        help='add what a JSON file lists: {"customers": [...], "subscriptions": [...]}, each '
        'entry an id or an object such as {"id": "sub_a", "status": "paused"}',
    )
    server.add_argument(
        "--delay",
        metavar="SECONDS",
        type=positive_seconds,
        help="hold every answer this long, after applying the call (to watch timeouts, "
        "progress and concurrency)",
    )
    server.add_argument(
        "--legacy-v3",
        action="store_true",
        help="answer toggles as older docs show them (isActive as a string)",
    )
    server.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="announce the URL and settings as one line of JSON",
    )
    strict = server.add_argument_group(
        "strict authentication",
        wrap(
            "Check credentials as eFundPay's vendors document them: v3 calls need an access "
            "token from POST /v1/token and a request signature, v4 calls a JWT.  The fake "
            "makes throwaway keys, writes them and an env file (owner-only) to --key-dir or "
            "a temporary directory removed on exit, and prints their paths, never a secret.  "
            "Needs efundpay[signing]."
        ),
    )
    strict.add_argument("--strict-auth", action="store_true", help="turn strict authentication on")
    strict.add_argument(
        "--key-dir",
        metavar="DIR",
        help="write the keys and env file here and keep them (default: a temporary directory)",
    )
    strict.add_argument(
        "--token-expires-in",
        metavar="SECONDS",
        type=lifetime,
        default=7200,
        help="lifetime of the v3 access tokens it grants (default: 7200)",
    )
    server.add_argument(
        "--send",
        choices=("v3", "v4"),
        help="instead of serving, deliver one signed notification to --to URL and exit "
        "(as `efundpay webhooks send`)",
    )
    server.add_argument("--to", metavar="URL", help="the endpoint --send delivers to")
    add_send_options(server)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``efundpay`` command line."""
    parser = argparse.ArgumentParser(
        prog="efundpay",
        description=wrap(
            "The command line of efundpay, the Python SDK for eFundPay's subscription API: "
            "toggle customers, pause, resume and cancel subscriptions (one, or thousands from "
            "a CSV), run a fake eFundPay, or see it all in `efundpay demo`."
        ),
        epilog=f"{ROOT_EXAMPLES}\n\n{CREDENTIALS_HELP}\n\n{EXIT_CODES_HELP}",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"efundpay {__version__}")
    add_global_options(parser, nested=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add_demo_command(commands)
    _add_customer_commands(commands)
    _add_subscription_commands(commands)
    _add_fake_server_command(commands)
    add_webhooks_commands(commands)
    return parser
