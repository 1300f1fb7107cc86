"""``efundpay webhooks verify`` and ``efundpay webhooks send``: notifications from a shell.

``verify`` re-checks a saved notification for support work: was it really signed by
eFundPay, and what does it say?  ``send`` has the fake eFundPay deliver a signed
notification (or a faulty one) to an endpoint under test, and says whether the endpoint
answered as it should.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..models.notifications import RecurringPaymentNotification, WebhookEvent
from ._exit import ExitCode, UsageError
from ._options import wrap
from ._values import positive_seconds

if TYPE_CHECKING:
    from ..testing import Delivery, NotificationSigner
    from ._output import Output

# The verifier and the fake are imported when a command runs: the parser is built for
# every `efundpay` invocation, and `--help` should not load aiohttp.web.

__all__ = ["add_webhooks_commands", "run_webhooks"]

_FAULTS: Final = (
    "bad_signature",
    "tampered_body",
    "missing_signature",
    "stale_timestamp",
    "duplicate",
)
_REFUSED_FAULTS: Final = frozenset(_FAULTS) - {"duplicate"}


def add_webhooks_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``efundpay webhooks verify|send``."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = commands.add_parser(
        "webhooks",
        help="verify a saved notification, or send signed test notifications",
        description="Notifications eFundPay sends: v3 to notifyUrl, v4 webhooks.",
        formatter_class=formatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="check a saved notification's signature and print what it says",
        description=wrap(
            "Verify a notification saved from a request: its body (PAYLOAD, '-' for stdin) "
            "and its headers (--headers: a JSON object, or 'Name: value' lines).  The "
            "timestamp of a saved v3 copy is not checked unless --tolerance is given.",
            "Exit status 0 when it verifies, 10 when it does not (the reason is printed), "
            "2 for unreadable files, 3 for an unusable key or a missing signing extra.",
        ),
        epilog="example:\n  efundpay webhooks verify --kind v3 --public-key server.pem "
        "--headers headers.json body.json",
        formatter_class=formatter,
    )
    verify.set_defaults(command="webhooks.verify")
    verify.add_argument("payload", metavar="PAYLOAD", help="the raw body, exactly as received")
    verify.add_argument("--kind", choices=("v3", "v4"), required=True)
    verify.add_argument("--public-key", metavar="FILE", required=True, help="PEM public key")
    verify.add_argument("--headers", metavar="FILE", required=True, help="the request headers")
    verify.add_argument(
        "--tolerance",
        type=positive_seconds,
        metavar="SECONDS",
        help="also require a v3 X-Timestamp within this many seconds of now",
    )
    verify.add_argument("--json", action="store_true", default=argparse.SUPPRESS)

    send = actions.add_parser(
        "send",
        help="deliver a signed test notification to your endpoint",
        description=wrap(
            "Deliver a notification like eFundPay's, signed with a test key, to URL: a v3 "
            "recurring charge of a sample customer, or a v4 webhook about a sample "
            "subscription.  --fault sends one your endpoint must refuse (or, 'duplicate', "
            "one it must act on once).",
            "The key: --private-key FILE is used when it exists, else a new test key is "
            "written there; --public-key-out FILE writes the key your endpoint verifies "
            "with.  Exit status 0 when the endpoint answered as it should (2xx, or 4xx for "
            "a fault), 1 when it did not, 7 when it could not be reached.",
        ),
        epilog="example:\n  efundpay webhooks send --kind v4 --private-key test.key "
        "--public-key-out test.pub --fault duplicate http://127.0.0.1:8000/webhooks",
        formatter_class=formatter,
    )
    send.set_defaults(command="webhooks.send")
    send.add_argument("url", metavar="URL", help="your endpoint")
    send.add_argument("--kind", choices=("v3", "v4"), required=True)
    add_send_options(send)
    send.add_argument("--json", action="store_true", default=argparse.SUPPRESS)


def add_send_options(parser: argparse.ArgumentParser) -> None:
    """The options of a delivery: ``webhooks send``'s, and ``fake-server --send``'s."""
    group = parser.add_argument_group("delivering a signed notification")
    group.add_argument("--private-key", metavar="FILE", help="test signing key (made if missing)")
    group.add_argument("--public-key-out", metavar="FILE", help="write the public key here")
    group.add_argument("--fault", choices=_FAULTS, help="deliver a faulty notification")
    group.add_argument("--amount", type=int, help="v3: the amount charged, in minor units")
    group.add_argument("--event-type", default="subscription.updated", help="v4: event type")


def _read(path: str, what: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the {what} {path!r}: {exc.strerror}") from None


def _parse_headers(raw: bytes) -> dict[str, str]:
    """A JSON object of headers, or ``Name: value`` lines (as curl -D and proxies save them)."""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return {str(name): str(value) for name, value in data.items()}
    headers: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip() and not name.startswith(("HTTP/", " ")):
            headers[name.strip()] = value.strip()
    if not headers:
        raise UsageError("--headers: neither a JSON object nor 'Name: value' lines")
    return headers


def _summary(notification: RecurringPaymentNotification | WebhookEvent) -> list[tuple[str, str]]:
    if isinstance(notification, RecurringPaymentNotification):
        return [
            ("event", str(notification.event_type)),
            ("id", str(notification.id)),
            ("customer", str(notification.customer_id)),
            ("amount", f"{notification.amount} {notification.currency} (minor units)"),
            ("status", str(notification.status)),
        ]
    subscription = notification.subscription
    return [
        ("event", str(notification.type)),
        ("id", str(notification.dedupe_key)),
        ("subscription", str(subscription.id if subscription else None)),
        ("status", str(subscription.status if subscription else None)),
    ]


def _verify(args: argparse.Namespace, out: Output) -> ExitCode:
    from ..redaction import redact_json  # noqa: PLC0415
    from ..webhooks import verify_v3_notification, verify_v4_webhook  # noqa: PLC0415

    payload = _read(args.payload, "payload")
    headers = _parse_headers(_read(args.headers, "headers file"))
    key = _read(args.public_key, "public key")
    notification: RecurringPaymentNotification | WebhookEvent
    if args.kind == "v3":
        notification = verify_v3_notification(payload, headers, key, tolerance=args.tolerance)
    else:
        notification = verify_v4_webhook(payload, headers, key)
    if out.json_mode:
        out.emit_json(
            {
                "verified": True,
                "kind": args.kind,
                "notification": redact_json(notification.to_dict()),
            }
        )
    else:
        out.line(f"verified: a genuine {args.kind} notification")
        for label, value in _summary(notification):
            out.line(f"  {label:<13} {value}")
    return ExitCode.OK


def _signer(args: argparse.Namespace, out: Output) -> NotificationSigner:
    from ..testing import NotificationSigner  # noqa: PLC0415

    if args.private_key and Path(args.private_key).exists():
        return NotificationSigner(_read(args.private_key, "private key"))
    signer = NotificationSigner()
    if args.private_key:
        # A test key, but a private key all the same: readable by its owner only.
        descriptor = os.open(args.private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(signer.private_key_pem())
        out.note(f"efundpay: wrote a new test signing key to {args.private_key}")
    return signer


def _expected(delivery: Delivery, fault: str | None) -> bool:
    if fault in _REFUSED_FAULTS:
        return delivery.status is not None and 400 <= delivery.status < 500
    return delivery.accepted


def _send(args: argparse.Namespace, out: Output) -> ExitCode:
    from ..testing import FakeEFundPay  # noqa: PLC0415 - the fake only for this command

    if args.kind == "v4" and args.fault == "stale_timestamp":
        raise UsageError("--fault stale_timestamp is v3 only: v4 signs no timestamp")
    signer = _signer(args, out)
    if args.public_key_out:
        Path(args.public_key_out).write_bytes(signer.public_key_pem)
    fake: Any = FakeEFundPay()
    fake.notification_signer = signer
    if args.kind == "v3":
        fields = {} if args.amount is None else {"amount": args.amount}
        deliveries = fake.send_v3_notification(args.url, fault=args.fault, **fields)
    else:
        deliveries = fake.send_v4_webhook(args.url, fault=args.fault, event_type=args.event_type)
    rows = [
        {
            "status": d.status,
            "as_expected": _expected(d, args.fault),
            "response": d.response.decode("utf-8", "replace"),
        }
        for d in deliveries
    ]
    if out.json_mode:
        out.emit_json({"kind": args.kind, "fault": args.fault, "deliveries": rows})
    else:
        for row in rows:
            verdict = "as expected" if row["as_expected"] else "NOT as expected"
            out.line(
                f"{args.kind} {args.fault or 'notification'}: HTTP {row['status']} ({verdict})"
            )
    if any(d.status is None for d in deliveries):
        out.note(f"efundpay: could not reach {args.url}")
        return ExitCode.CONNECTION
    return ExitCode.OK if all(row["as_expected"] for row in rows) else ExitCode.SOME_FAILED


def run_webhooks(args: argparse.Namespace, out: Output) -> ExitCode:
    """Run ``efundpay webhooks verify|send``, or ``efundpay fake-server --send``."""
    if args.command == "webhooks.verify":
        return _verify(args, out)
    if args.command == "fake-server":
        if not args.to:
            raise UsageError("--send needs --to URL: the endpoint to deliver to")
        args.kind, args.url = args.send, args.to
    return _send(args, out)
