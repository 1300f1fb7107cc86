"""Developer sessions: ``nox`` runs the default ones (tests on every Python, the tests again
on the oldest dependencies pyproject.toml allows and without the signing extra, lint,
typing, the generated-code check, the docs and the package check); ``nox -s bench`` and
``nox -s soak`` are on demand.

Pythons are found on ``PATH`` and, without any setup, among the versions pyenv and uv have
installed (``~/.pyenv/versions/3.12.*``, ``~/.local/share/uv/python/cpython-3.12.*``), even
when they are not the active ones.  On a developer machine a missing Python is skipped, and
nox says so at the start with the command that installs it; in CI (``CI`` set) it is an
error, so all three versions are really tested there.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import nox
from nox.logger import logger
from packaging.requirements import Requirement

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = [
    "tests",
    "tests_lowest",
    "tests_without_signing",
    "lint",
    "typing",
    "generated",
    "docs",
    "package",
]

PYTHONS = ["3.11", "3.12", "3.13"]
PYPROJECT = nox.project.load_toml("pyproject.toml")
IN_CI = bool(os.environ.get("CI"))
# A missing Python is an error in CI and a loud skip elsewhere (said explicitly: nox's own
# default for this has changed between versions).
nox.options.error_on_missing_interpreters = IN_CI
# Never fetch an interpreter behind the developer's back; the message below says how to.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")

# -- finding Pythons ---------------------------------------------------------------------------


def _version_key(directory: Path) -> tuple[int, ...]:
    """(3, 12, 1) for ``3.12.1`` or ``cpython-3.12.1-linux-x86_64-gnu``; prereleases last."""
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", directory.name)
    return tuple(int(part) for part in match.groups()) if match else (0,)


def _managed(version: str, roots: Iterable[tuple[Path, str]]) -> Path | None:
    """The newest ``pythonX.Y`` under pyenv's or uv's version directories."""
    for root, prefix in roots:
        candidates = [
            directory / "bin" / f"python{version}"
            for directory in root.glob(f"{prefix}{version}.*")
            if re.fullmatch(rf"{re.escape(prefix)}{re.escape(version)}\.\d+(-.*)?", directory.name)
        ]
        found = [c for c in candidates if c.is_file() and os.access(c, os.X_OK)]
        if found:
            return max(found, key=lambda c: _version_key(c.parents[1]))
    return None


def version_manager_roots(env: Mapping[str, str]) -> list[tuple[Path, str]]:
    """Where pyenv and uv keep the Pythons they installed, with each one's directory prefix."""
    home = Path(env.get("HOME", str(Path.home())))
    pyenv = Path(env.get("PYENV_ROOT", home / ".pyenv")) / "versions"
    data_home = Path(env.get("XDG_DATA_HOME", home / ".local" / "share"))
    uv = Path(env.get("UV_PYTHON_INSTALL_DIR", data_home / "uv" / "python"))
    return [(pyenv, ""), (uv, "cpython-")]


def find_interpreters(
    versions: Iterable[str], *, path: str, roots: Iterable[tuple[Path, str]]
) -> dict[str, Path | None]:
    """Each ``X.Y`` version's interpreter: a ``pythonX.Y`` on ``path`` (not a pyenv shim,
    which fails for a version that is installed but not active), else the newest one pyenv
    or uv installed, else ``None``."""
    roots = list(roots)
    found: dict[str, Path | None] = {}
    for version in versions:
        on_path = shutil.which(f"python{version}", path=path)
        if on_path is not None and Path(on_path).parent.name != "shims":
            found[version] = Path(on_path)
        else:
            found[version] = _managed(version, roots)
    return found


def install_hint(version: str) -> str:
    """What to run to get a missing Python."""
    return f"`pyenv install {version}` or `uv python install {version}`"


def _sessions_on(version: str) -> list[str]:
    """The registered sessions that run on Python ``version``."""
    names = []
    for name, func in nox.registry.get().items():
        python = func.python
        if isinstance(python, str):
            pythons = [python]
        elif isinstance(python, (list, tuple)):
            pythons = list(python)
        else:  # None or a bool: the Python nox runs on, no version of its own
            pythons = []
        if version in pythons:
            names.append(f"{name}-{version}" if len(pythons) > 1 else name)
    return names


def expose_interpreters(found: Mapping[str, Path | None], link_dir: Path) -> None:
    """Put ``pythonX.Y`` links to ``found`` first on ``PATH`` (and nothing else of those
    installations: their ``python``, ``pip``… stay out of the way), and say what is missing."""
    link_dir.mkdir(parents=True, exist_ok=True)
    for version, interpreter in found.items():
        link = link_dir / f"python{version}"
        link.unlink(missing_ok=True)
        if interpreter is not None:
            link.symlink_to(interpreter)
            continue
        what = "in CI that fails" if IN_CI else "skipping"
        logger.warning(
            f"Python {version} not found; {what} {', '.join(_sessions_on(version))}. "
            f"Install it with {install_hint(version)}, then run nox again."
        )
    os.environ["PATH"] = os.pathsep.join([str(link_dir), os.environ.get("PATH", "")])


def _install(session: nox.Session, *groups: str, package: str | None = None) -> None:
    """One resolution per session: the groups' requirements and, if given, the package."""
    requirements = [r for group in groups for r in nox.project.dependency_groups(PYPROJECT, group)]
    session.install(*requirements, *([package] if package else []))


# The suite runs in one pytest-xdist worker per CPU (two in CI), each test where a worker is
# free ("worksteal": the few long tests do not leave a worker idle at the end).  Many tests
# wait on sockets, subprocesses or timeouts, so two workers nearly halve the run; the suite
# shares no state between tests that two processes could race for (ports are the OS's,
# files are tmp_path's, each tmux server has its own socket).  ``-- -n 0`` runs it in one
# process, e.g. to debug with ``--pdb``.
PARALLEL = ["-n", "logical", "--dist", "worksteal"]


def _bytecode_cache(session: nox.Session) -> dict[str, str]:
    """The environment for a test run: bytecode cached under the session's virtualenv.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (as in many containers and CI images), every
    interpreter the suite starts (the fake-server, the CLI, the README's blocks, pytest in
    a subprocess) would compile the SDK and its dependencies again, and pytest would
    rewrite the test modules' asserts again.  Cached under ``.nox``, nothing is written
    into the checkout, which is what that variable is usually set to prevent.
    """
    location = session.virtualenv.location
    assert isinstance(location, str)
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": f"{location}/pycache"}


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (unit, loopback integration, property tests).

    Tests marked ``tooling`` check the project's own tools, which run on one Python: they
    run in the first Python's session only, to keep the default run short.
    """
    _install(session, "tests", package=".")
    only_once = [] if session.python == PYTHONS[0] else ["-m", "not tooling"]
    session.run("pytest", *PARALLEL, *only_once, *session.posargs, env=_bytecode_cache(session))


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
    session.run(
        "pytest", *PARALLEL, *(session.posargs or LOWEST_TESTS), env=_bytecode_cache(session)
    )


@nox.session(python="3.11")
def tests_without_signing(session: nox.Session) -> None:
    """The SDK without the signing extra: bearer use works, JWTAuth/SignedRequestAuth say
    what to install, and ``efundpay demo`` runs its bearer tour.  Only pytest and Hypothesis
    (the suite's conftest sets its profile) are added, so cryptography and PyJWT are really
    absent.
    """
    tools = [
        r
        for r in nox.project.dependency_groups(PYPROJECT, "tests")
        if Requirement(r).name in ("pytest", "hypothesis")
    ]
    session.install(*tools, ".")
    session.run(
        "python",
        "-c",
        "import importlib.util, sys; "
        "sys.exit(any(importlib.util.find_spec(m) for m in ('cryptography', 'jwt')))",
    )
    session.run("pytest", "-m", "without_signing", "tests/test_auth_without_signing.py")
    session.run("efundpay", "demo")


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
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typing(session: nox.Session) -> None:
    """mypy --strict on the package, tests, scripts, benchmarks, examples, docs/conf.py, noxfile."""
    _install(session, "typing", package=".")
    session.run("mypy")


@nox.session(python="3.11")
def generated(session: nox.Session) -> None:
    """Fail when the generated sync facade is stale (or a generator rule went unused)."""
    _install(session, "lint")  # the generator formats its output with ruff
    session.run("python", "scripts/gen_sync.py", "--check")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the docs with warnings as errors, then run every code example in them.

    The HTML lands in ``docs/_build/html``.  The examples run as doctests against a
    ``FakeEFundPay`` started by ``docs/conf.py``; nothing leaves loopback.
    """
    # .[signing]: the Authentication, Testing and Notifications examples
    _install(session, "docs", package=".[signing]")
    # One doctree cache for both builders: the doctest build reuses what the HTML build read.
    for builder in ("html", "doctest"):
        session.run(
            "sphinx-build", "-W", "--keep-going", "-b", builder,
            "-d", "docs/_build/doctrees", "docs", f"docs/_build/{builder}",
        )  # fmt: skip


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmark the SDK against raw aiohttp and requests on one loopback stub server.

    Paired wall-clock ratios (median of 9 rounds), instructions per call of each layer under
    callgrind where valgrind is installed, the 32-threads and overload scenarios, import and
    parse time; a few minutes on two cores.  Not in the default run: only ratios within one
    run mean anything.  Arguments go to the script, e.g. ``nox -s bench -- --json
    bench.json`` or ``nox -s bench -- --quick`` (a smoke run).
    """
    _install(session, "bench", package=".")
    session.run("python", "-m", "benchmarks.bench", *session.posargs)


# The pytest plugin must load from the installed wheel alone, with nothing from this checkout.
_WHEEL_SMOKE_TEST = """
import efundpay


def test_the_installed_wheel_serves_the_fixtures(efundpay_fake, efundpay_client):
    assert "site-packages" in efundpay.__file__
    assert efundpay_client.customers.toggle("cus_123").is_active is False
    assert efundpay_fake.customer("cus_123").toggle_count == 1
"""


@nox.session(python="3.11")
def package(session: nox.Session) -> None:
    """Ready to publish: build the sdist and wheel, ``twine check`` them, check what they
    hold, install the wheel in a clean virtualenv, and run ``efundpay demo`` and the pytest
    plugin from it (outside the checkout, so nothing is imported from here).

    The files land in ``dist/``.
    """
    _install(session, "package")
    dist = Path("dist")
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--installer", "uv", "--outdir", str(dist))
    built = sorted(str(f) for f in dist.iterdir())
    session.run("twine", "check", "--strict", *built)
    session.run("python", "scripts/check_dist.py", *built)

    scratch = Path(session.create_tmp()).resolve() / "package"
    shutil.rmtree(scratch, ignore_errors=True)
    clean = scratch / "venv"
    python = str(clean / "bin" / "python")
    (wheel,) = (str(Path(f).resolve()) for f in built if f.endswith(".whl"))
    session.run("uv", "venv", "--quiet", "--python", str(session.python), str(clean))
    session.run("uv", "pip", "install", "--quiet", "--python", python, wheel, "pytest")
    (scratch / "test_wheel.py").write_text(_WHEEL_SMOKE_TEST)
    with session.chdir(scratch):
        session.run(str(clean / "bin" / "efundpay"), "demo", external=True)
        session.run(python, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider",
                    "test_wheel.py", external=True)  # fmt: skip


# Last, once every session is registered, so that a warning can name the ones skipped.
expose_interpreters(
    find_interpreters(
        PYTHONS, path=os.environ.get("PATH", ""), roots=version_manager_roots(os.environ)
    ),
    Path(__file__).resolve().parent / ".nox" / ".pythons",
)
