"""The ``efundpay`` command line; ``efundpay --help`` documents it.

``run(argv)`` runs one command and returns its exit status, for embedding and tests.  The
modules, by purpose: ``_parser`` (options and help), ``_app`` (dispatch, errors → exit
codes), ``_commands`` (single calls), ``_bulk`` + ``_bulkfiles`` + ``_progress`` (CSV runs),
``_demo`` + ``_demo_auth``, ``_fake_server``, ``_output`` (text/JSON, masking), ``_trace``
(what a call's raw response says; the bulk run's shared rate-limit pause), ``_exit`` (the
exit code table), ``_connect`` (the client, built by the public constructor).  The command
line uses the SDK's public names; the few private modules it still reads are listed, with
reasons, in ``tests/test_cli_public_api.py``.
"""

from __future__ import annotations

from ._app import run
from ._exit import ExitCode

__all__ = ["ExitCode", "run"]
