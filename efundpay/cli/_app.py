"""Parsing the command line, running the chosen command, and turning errors into exit codes."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from typing import TextIO

import anyio

from .. import EFundPayError
from ._connect import api_key
from ._exit import ExitCode, UsageError, describe_failure
from ._output import Output
from ._parser import build_parser

# The commands are imported when they run: `efundpay --help` should not pay for the fake
# server's aiohttp.web, and a bulk run not for the demo.

__all__ = ["run"]


def _check_subscription_target(args: argparse.Namespace) -> None:
    """Exactly one of ID and --from-file; the bulk options only with --from-file."""
    if (args.subscription_id is None) == (args.from_file is None):
        raise UsageError("give a subscription ID or --from-file CSV (one of them)")
    if args.from_file is None:
        extras = [name for name in ("results", "resume_from") if getattr(args, name)]
        if extras:
            flags = ", ".join("--" + name.replace("_", "-") for name in extras)
            raise UsageError(f"{flags} only work with --from-file")


async def _run_api_command(args: argparse.Namespace, out: Output) -> ExitCode:
    from ._commands import change_subscription, toggle_customer  # noqa: PLC0415

    key = api_key(args)
    out.secrets = (key,) if key else ()
    if args.command == "customers.toggle":
        return await toggle_customer(args, out, key)
    action = args.command.removeprefix("subscriptions.")
    _check_subscription_target(args)
    if args.from_file is not None:
        from ._bulk import run_bulk  # noqa: PLC0415

        return await run_bulk(args, out, key, action)
    return await change_subscription(args, out, key, action)


def _dispatch(args: argparse.Namespace, out: Output) -> ExitCode:
    if args.command.startswith("webhooks.") or getattr(args, "send", None):
        from ._webhooks import run_webhooks  # noqa: PLC0415

        return run_webhooks(args, out)
    if args.command == "fake-server":
        from ._fake_server import run_fake_server  # noqa: PLC0415

        return run_fake_server(args, out)
    if args.command == "demo":
        from ._demo import run_demo  # noqa: PLC0415

        return anyio.run(run_demo, out)
    return anyio.run(functools.partial(_run_api_command, args, out))


def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``efundpay`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error argparse reported
        return exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    out = Output(json_mode=args.json, stdout=stdout, stderr=stderr)
    try:
        return int(_dispatch(args, out))
    except KeyboardInterrupt:
        hint = ""
        if getattr(args, "results", None):
            hint = f"; continue with --resume-from {args.results} --results {args.results}"
        out.note(f"efundpay: interrupted{hint}")
        return int(ExitCode.INTERRUPTED)
    except (EFundPayError, ValueError, TypeError) as exc:
        failure = describe_failure(exc, out.secrets)
        out.failure(failure)
        return int(failure.exit_code)
