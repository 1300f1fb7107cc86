"""``efundpay fake-server``: :class:`~efundpay.testing.FakeEFundPay` as a standalone server.

It serves in the main thread until Ctrl-C or SIGTERM (what ``docker stop``, systemd and CI
runners send), and says where it listens on its first line of output, so a test harness in
any language can start it and read the URL.  With ``--strict-auth`` it checks credentials
as the real services do and writes what a client needs to files (see ``_fake_keys``).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import ConfigurationError
from ..settings import ENV_API_KEY, ENV_BASE_URL, ENV_MERCHANT_ACCOUNT_ID, is_loopback
from ..testing import FakeEFundPay, StrictAuth, read_seed_file
from ._exit import ExitCode
from ._fake_keys import key_directory, write_client_env
from ._output import Output

__all__ = ["run_fake_server"]


@contextlib.contextmanager
def _stop_on_sigterm(fake: FakeEFundPay) -> Iterator[None]:
    """While the block runs, SIGTERM stops ``fake`` as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install signal handlers
        return

    def on_sigterm(signum: int, frame: object) -> None:
        # stop() takes a lock the interrupted main thread may hold: call it from a thread.
        threading.Thread(target=fake.stop, name="efundpay-fake-stop").start()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_LISTED = 6  # ids shown in text mode; --json lists them all


def _listing(ids: list[str]) -> str:
    if not ids:
        return "(none)"
    shown = ", ".join(ids[:_LISTED])
    return shown if len(ids) <= _LISTED else f"{shown} and {len(ids) - _LISTED} more"


def _seed(fake: FakeEFundPay, args: argparse.Namespace) -> None:
    """Add what --customers, --subscriptions and --seed-file ask for, or raise
    ConfigurationError saying what is wrong with them."""
    try:
        if args.seed_file is not None:
            fake.seed(read_seed_file(args.seed_file))
    except ValueError as exc:  # also a duplicate id: ValueError from add_*
        raise ConfigurationError(f"--seed-file: {exc}") from None
    for _ in range(args.customers):
        fake.add_customer()
    for _ in range(args.subscriptions):
        fake.add_subscription()


def _announce(out: Output, fake: FakeEFundPay, key_dir: Path | None = None) -> None:
    env_file: Path | None = None
    if key_dir is None:
        settings = {
            ENV_BASE_URL: fake.url,
            ENV_API_KEY: fake.api_key,
            ENV_MERCHANT_ACCOUNT_ID: fake.merchant_account_id,
        }
    else:
        settings, env_file = write_client_env(fake, key_dir)
    records: dict[str, Any] = {
        "customers": fake.customer_ids,
        "subscriptions": fake.subscription_ids,
    }
    if out.json_mode:
        announced: dict[str, Any] = {
            "base_url": fake.url,
            "environment": settings,
            "data": records,
        }
        if env_file is not None:
            announced.update(strict_auth=True, env_file=str(env_file))
        out.emit_json(announced, compact=True)
        return
    out.line(f"Fake eFundPay listening on {fake.url}")
    out.line("Point a client at it with these environment variables:")
    for name, value in settings.items():
        out.line(f"  export {name}={value}")
    if env_file is not None:
        out.line("Strict authentication: v3 needs a token and signed requests, v4 a JWT.")
        out.line(f"All of them, with the client secret, are in {env_file} (owner-only):")
        out.line(f"  set -a; . {env_file}; set +a")
    out.line(
        f"Data: customers {_listing(records['customers'])}; "
        f"subscriptions {_listing(records['subscriptions'])}"
    )
    out.line("Press Ctrl-C to stop.")


def run_fake_server(args: argparse.Namespace, out: Output) -> ExitCode:
    """Serve until Ctrl-C or SIGTERM; exit status 0 after a clean stop."""
    strict = StrictAuth(token_expires_in=args.token_expires_in) if args.strict_auth else False
    fake = FakeEFundPay(
        api_key=args.api_key,
        merchant_account_id=args.merchant_account_id,
        host=args.host,
        port=args.port,
        sample_data=not args.no_sample_data,
        legacy_v3=args.legacy_v3,
        strict_auth=strict,
    )
    _seed(fake, args)
    if args.delay is not None:
        # Every request, applied first: a client that gives up has still changed state.
        fake.random_faults(1.0, kinds=("delay",), delay=args.delay)
    if not is_loopback(args.host):
        out.note(
            f"efundpay: warning: listening on {args.host}: anyone who can reach it can use "
            "this fake; clients elsewhere need https, which the fake does not serve"
        )
    keys = key_directory(args.key_dir) if args.strict_auth else contextlib.nullcontext(None)
    with _stop_on_sigterm(fake), keys as key_dir:
        try:
            fake.serve_forever(lambda ready: _announce(out, ready, key_dir))
        except OSError as exc:
            raise ConfigurationError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
            ) from None
    out.note("efundpay: fake eFundPay stopped")
    return ExitCode.OK
