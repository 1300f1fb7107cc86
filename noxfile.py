"""Developer sessions: ``nox`` runs the default ones (tests on every Python, the tests again
on the oldest dependencies pyproject.toml allows, lint, typing, the generated-code check and
the docs); ``nox -s bench`` and ``nox -s soak`` are on demand.

On a developer machine a missing Python is skipped; in CI (``CI`` set) nox treats it as an
error, so all three versions are really tested there.
"""

from __future__ import annotations

import nox
from packaging.requirements import Requirement

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "tests_lowest", "lint", "typing", "generated", "docs"]

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


# What tests_lowest runs: the modules that exercise the runtime dependencies directly
# (aiohttp's client and server, anyio and its pytest plugin, cattrs, attrs).  The examples,
# notebooks, subprocess and scale tests add minutes but no other use of them.
LOWEST_TESTS = [
    "tests/test_requests.py",
    "tests/test_hostile_input.py",
    "tests/test_config.py",
    "tests/test_errors.py",
    "tests/test_retry.py",
    "tests/test_faults.py",
    "tests/test_fault_timeouts.py",
    "tests/test_cancellation.py",
    "tests/test_secrets.py",
    "tests/test_redact.py",
    "tests/test_models.py",
    "tests/test_convert_agreement.py",
    "tests/test_hot_path.py",
    "tests/test_integration.py",
    "tests/test_fake_routing.py",
    "tests/test_fake_status.py",
    "tests/test_fake_toggle.py",
    "tests/test_fake_faults.py",
    "tests/test_fake_lifecycle.py",
    "tests/test_sync_client.py",
    "tests/test_sync_runner.py",
    "tests/test_fake_plugin.py",
    "tests/test_cli_bulk.py",
    "tests/test_cli_bulk_resume.py",
]


@nox.session(python="3.11")
def tests_lowest(session: nox.Session) -> None:
    """The tests on the oldest runtime dependencies pyproject.toml allows (aiohttp, attrs,
    cattrs, anyio at their floors), with the newest test tools.

    A floor nobody tests is a guess: this is what keeps ``aiohttp>=...`` honest.  uv resolves
    the runtime dependencies with ``--resolution lowest-direct``; their pins then constrain
    the install of the tests group, which is otherwise resolved as usual.  Arguments after
    ``--`` replace the default test modules.
    """
    compiled = session.run(
        "uv", "pip", "compile", "pyproject.toml", "--resolution", "lowest-direct",
        "--python-version", "3.11", "--no-header", "--no-annotate", "--quiet",
        silent=True, external=True,
    )  # fmt: skip
    assert isinstance(compiled, str)
    runtime = {Requirement(dep).name.lower() for dep in PYPROJECT["project"]["dependencies"]}
    pins = [line for line in compiled.splitlines() if line.split("==")[0].lower() in runtime]
    constraints = f"{session.create_tmp()}/lowest.txt"
    with open(constraints, "w") as file:
        file.write("\n".join(pins) + "\n")
    session.log("runtime dependencies at their floors: " + ", ".join(pins))
    session.install("-c", constraints, ".", *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run("pytest", *(session.posargs or LOWEST_TESTS))


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
