"""The command line is a client of the SDK's public interface.

Every module of ``efundpay/cli/`` is parsed, and each import of an ``efundpay`` module with a
private part (``efundpay._config``, ``efundpay.resources._validation``…) must be on the
allow-list below, with the reason the public interface does not (yet) serve.  The CLI's own
modules (``efundpay.cli._x``) are its business.
"""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[1] / "efundpay" / "cli"

#: (CLI module, private SDK module) -> why the CLI still reaches in.  Empty: every need of the
#: command line is served by a public name (efundpay.redaction, efundpay.validation,
#: efundpay.testing.read_seed_file, efundpay.new_idempotency_key).  A new entry needs a reason.
ALLOWED: dict[tuple[str, str], str] = {}


def _imported_modules(source: str) -> set[str]:
    """The absolute names of the modules a CLI module imports from (relative ones resolved)."""
    package = ["efundpay", "cli"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            if node.module is None:  # from .. import x: x may be a module
                found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _private(module: str) -> bool:
    parts = module.split(".")
    return (
        parts[0] == "efundpay"
        and parts[:2] != ["efundpay", "cli"]
        and any(part.startswith("_") and not part.endswith("__") for part in parts[1:])
    )


def private_imports() -> set[tuple[str, str]]:
    return {
        (path.stem, module)
        for path in sorted(CLI.glob("*.py"))
        for module in _imported_modules(path.read_text(encoding="utf-8"))
        if _private(module)
    }


def test_the_cli_imports_no_private_sdk_module_beyond_the_allow_list() -> None:
    unexpected = private_imports() - ALLOWED.keys()
    assert not unexpected, f"private SDK modules imported by the CLI: {sorted(unexpected)}"


def test_the_allow_list_has_no_stale_entries() -> None:
    assert ALLOWED.keys() <= private_imports(), sorted(ALLOWED.keys() - private_imports())


def test_the_checker_sees_relative_absolute_and_nested_private_imports() -> None:
    source = (
        "from .._config import ENV_API_KEY\nfrom .. import AsyncEFundPay, _retry\n"
        "from ._x import y\nimport efundpay._secret\n"
        "def f():\n    from ..testing._seed import read_seed_file\n"
    )
    private = {module for module in _imported_modules(source) if _private(module)}
    assert private == {
        "efundpay._config",
        "efundpay._retry",
        "efundpay._secret",
        "efundpay.testing._seed",
    }


def test_client_construction_goes_through_the_public_constructor() -> None:
    connect = (CLI / "_connect.py").read_text(encoding="utf-8")
    assert "resolve_config" not in connect and "os.environ.get(ENV_MERCHANT" not in connect


#: CLI modules that wrap the client's transport -> why the public interface does not serve.
TRANSPORT_WRAPPERS = {
    "_demo_auth": "the demo shows the header and claims of the JWT it sent (never its "
    "signature); that credential is in no response or error, by design",
}


def test_call_metadata_comes_from_the_sdk_not_from_a_transport_wrapper() -> None:
    wrappers = {
        path.stem
        for path in CLI.glob("*.py")
        if "def handle_request" in path.read_text(encoding="utf-8")
    }
    assert wrappers == TRANSPORT_WRAPPERS.keys()
    for path in CLI.glob("*.py"):
        text = path.read_text(encoding="utf-8").lower()
        assert "x-request-id" not in text, f"{path.name} reads request ids off the wire"
