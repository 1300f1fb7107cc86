"""Developer sessions: ``nox`` runs the default ones (tests on every Python, lint, typing,
the generated-code check and the docs); ``nox -s bench`` and ``nox -s soak`` are on demand.

On a developer machine a missing Python is skipped; in CI (``CI`` set) nox treats it as an
error, so all three versions are really tested there.
"""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = [
    "tests",
    "tests_without_signing",
    "lint",
    "typing",
    "generated",
    "docs",
]

PYTHONS = ["3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install_groups(session: nox.Session, *groups: str) -> None:
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (unit, loopback integration, property tests)."""
    _install_groups(session, "tests")
    session.install(".")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def tests_without_signing(session: nox.Session) -> None:
    """The SDK without the signing extra: bearer use works, JWTAuth/SignedRequestAuth say
    what to install.  Only pytest is added, so cryptography and PyJWT are really absent.
    """
    pytest = [
        r for r in nox.project.dependency_groups(PYPROJECT, "tests") if r.startswith("pytest")
    ]
    session.install(*pytest, ".")
    session.run(
        "python",
        "-c",
        "import importlib.util, sys; "
        "sys.exit(any(importlib.util.find_spec(m) for m in ('cryptography', 'jwt')))",
    )
    session.run("pytest", "-m", "without_signing", "tests/test_auth_without_signing.py")


@nox.session(python="3.11")
def soak(session: nox.Session) -> None:
    """Soak: 30,000 calls, 200 callers, 5 % random faults; fails on any leak or double apply.

    The fake runs in a child process; the report has calls/s, faults survived, open file
    descriptors and RSS.  Options go after ``--``: ``nox -s soak -- --calls 100000``.
    """
    session.install(".")
    session.run("python", "-m", "benchmarks.soak", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _install_groups(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typing(session: nox.Session) -> None:
    """mypy --strict on the package, tests, scripts, benchmarks, examples, docs/conf.py, noxfile."""
    _install_groups(session, "typing")
    session.install(".")
    session.run("mypy")


@nox.session(python="3.11")
def generated(session: nox.Session) -> None:
    """Fail when the generated sync facade is stale (or a generator rule went unused)."""
    _install_groups(session, "lint")  # the generator formats its output with ruff
    session.run("python", "scripts/gen_sync.py", "--check")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the docs with warnings as errors, then run every code example in them.

    The HTML lands in ``docs/_build/html``.  The examples run as doctests against a
    ``FakeEFundPay`` started by ``docs/conf.py``; nothing leaves loopback.
    """
    _install_groups(session, "docs")
    session.install(".")
    for builder in ("html", "doctest"):
        session.run(
            "sphinx-build", "-W", "--keep-going", "-b", builder, "docs", f"docs/_build/{builder}"
        )


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmark the SDK against raw aiohttp and requests on one loopback stub server.

    Not in the default run: figures need a quiet machine, and only ratios within one run mean
    anything.  Arguments go to the script, e.g. ``nox -s bench -- --json bench.json``.
    """
    _install_groups(session, "bench")
    session.install(".")
    session.run("python", "-m", "benchmarks.bench", *session.posargs)
