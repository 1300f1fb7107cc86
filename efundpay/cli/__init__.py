"""The ``efundpay`` command line; ``efundpay --help`` documents it.

``run(argv)`` runs one command and returns its exit status, for embedding and tests.  The
modules, by purpose: ``_parser`` (options and help), ``_app`` (dispatch, errors → exit
codes), ``_commands`` (single calls), ``_bulk`` + ``_bulkfiles`` + ``_progress`` (CSV runs),
``_demo``, ``_fake_server``, ``_output`` (text/JSON, masking), ``_trace`` (request ids, rate
limit pauses), ``_exit`` (the exit code table).
"""

from __future__ import annotations

from ._app import run
from ._exit import ExitCode

__all__ = ["ExitCode", "run"]
