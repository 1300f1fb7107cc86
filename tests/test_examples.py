"""The programs in examples/ work as their users run them: served, executed, called.

Each points at a FakeEFundPay through the ``EFUNDPAY_*`` variables, as it would point at
eFundPay through real credentials.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import anyio
import nbformat
import pytest
import uvicorn
from nbclient import NotebookClient

from efundpay.testing import FakeEFundPay
from tests.test_fake_plugin import plugin_args

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SUBSCRIPTION = "sub_1234567890abcdef"  # in the fake's sample data, with cus_123


def fake_env(fake: FakeEFundPay) -> dict[str, str]:
    """The environment that points an example at ``fake``."""
    return {
        "EFUNDPAY_API_KEY": fake.api_key,
        "EFUNDPAY_MERCHANT_ACCOUNT_ID": fake.merchant_account_id,
        "EFUNDPAY_BASE_URL": fake.url,
    }


def point_at(fake: FakeEFundPay, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in fake_env(fake).items():
        monkeypatch.setenv(name, value)


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment for a child process, with efundpay importable from here."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>`` afresh (its module-level caches start empty)."""
    spec = importlib.util.spec_from_file_location(f"example_{Path(name).stem}", EXAMPLES / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- FastAPI under uvicorn --------------------------------------------------------------------


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, lifespan included."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(server.serve, [sock])
            with anyio.fail_after(10):
                while not server.started:  # noqa: ASYNC110 - uvicorn has a flag, no event
                    await anyio.sleep(0.01)
            try:
                yield f"http://127.0.0.1:{sock.getsockname()[1]}"
            finally:
                server.should_exit = True


async def post(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, Any]:
    async with http.post(url, headers=headers) as response:
        return response.status, await response.json()


@pytest.mark.anyio
async def test_fastapi_app_under_uvicorn_awaits_the_client_it_made_in_its_lifespan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = load_example("fastapi_app.py")
    async with FakeEFundPay() as fake:
        point_at(fake, monkeypatch)
        async with served(example.app) as url, aiohttp.ClientSession() as http:
            pause_url = f"{url}/subscriptions/{SUBSCRIPTION}/pause"
            assert await post(http, pause_url, **{"Idempotency-Key": "pause-1"}) == (
                200,
                {"id": SUBSCRIPTION, "status": "paused"},
            )
            # The app's caller retries with its key: eFundPay replays, nothing is paused twice.
            assert (await post(http, pause_url, **{"Idempotency-Key": "pause-1"}))[0] == 200
            status, body = await post(http, f"{url}/subscriptions/{SUBSCRIPTION}/resume")
            assert (status, body["status"]) == (200, "active")
            assert body["next_billing_date"] is not None

            status, body = await post(http, f"{url}/subscriptions/sub_nope/pause")
            assert (status, body["error"]) == (404, "NotFoundError")

            assert await post(http, f"{url}/customers/cus_123/toggle") == (
                200,
                {"id": "cus_123", "is_active": False},
            )
            fake.fail_next(503, apply=True, operation="customers.toggle")
            status, body = await post(http, f"{url}/customers/cus_123/toggle")
            assert (status, body["error"], body["outcome_unknown"]) == (
                502,
                "InternalServerError",
                True,
            )

    keys = [r.headers.get("idempotency-key") for r in fake.requests]
    assert keys[:2] == ["pause-1", "pause-1"]
    assert [r.applied for r in fake.requests[:2]] == [True, False]
    assert fake.customer("cus_123").toggle_count == 2  # the 503 was not retried


# -- Django under uvicorn, in its own process ------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def django_served(fake: FakeEFundPay) -> Iterator[str]:
    """``uvicorn shop.asgi:application`` from examples/django_project, as a child process."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "shop.asgi:application",
        "--app-dir",
        str(EXAMPLES / "django_project"),
        "--port",
        str(port),
        "--lifespan",
        "on",
        "--log-level",
        "info",  # to see the lifespan's startup and shutdown complete
    ]
    env = child_env({**fake_env(fake), "DJANGO_SETTINGS_MODULE": "shop.settings"})
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as server:
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the Django example did not start"
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()  # a graceful shutdown: the lifespan closes the async client
            _, errors = server.communicate(timeout=30)
    # uvicorn re-raises the SIGTERM it handled, once it has shut down gracefully.
    assert server.returncode == -signal.SIGTERM, errors
    assert "Application shutdown complete." in errors  # the async client was closed
    assert "Traceback" not in errors, errors


def http_post(url: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_django_project_serves_sync_views_with_the_sync_client_and_async_views_awaiting() -> None:
    with FakeEFundPay() as fake, django_served(fake) as url:
        # An async view, awaiting the AsyncEFundPay the lifespan opened.
        assert http_post(f"{url}/async/subscriptions/{SUBSCRIPTION}/pause") == (
            200,
            {"id": SUBSCRIPTION, "status": "paused"},
        )
        # Sync views, blocking on EFundPay.
        assert http_post(f"{url}/customers/cus_123/toggle") == (
            200,
            {"id": "cus_123", "is_active": False},
        )
        assert http_post(f"{url}/subscriptions/{SUBSCRIPTION}/cancel") == (
            200,
            {"id": SUBSCRIPTION, "status": "cancelled"},
        )
        status, body = http_post(f"{url}/subscriptions/{SUBSCRIPTION}/cancel")
        assert (status, body["error"]) == (409, "ConflictError")
    assert fake.subscription(SUBSCRIPTION).status == "cancelled"


# -- the notebook -------------------------------------------------------------------------------


def cell_text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_notebook_runs_top_to_bottom_with_both_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in child_env({"JUPYTER_PLATFORM_DIRS": "1"}).items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(EXAMPLES / "notebook.ipynb", as_version=4)  # type: ignore[no-untyped-call]

    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": EXAMPLES}}
    ).execute()

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    outputs = [cell_text(cell) for cell in code]
    assert outputs[1] == "False"  # the toggle
    assert outputs[2] == "paused keep_as_draft\n"
    assert "************1111" in outputs[3] and "4111111111111111" not in outputs[3]
    assert outputs[4] == "active True\n"  # with top-level await
    assert outputs[5] == "404 not_found No such subscription\n"


# -- background jobs, run the way a worker runs them --------------------------------------------


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, FakeEFundPay]]:
    with FakeEFundPay() as fake:
        point_at(fake, monkeypatch)
        module = load_example("background_jobs.py")
        yield module, fake
        module.client().close()


def run_like_a_worker(
    task: Callable[..., str], queue: list[dict[str, str]], retry_later: type[Exception]
) -> list[str]:
    """Run every job on a pool of threads; run again (same arguments) those that ask to."""
    done: list[str] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(20):
            if not queue:
                return done

            def attempt(job: dict[str, str]) -> str | dict[str, str]:
                try:
                    return task(**job)
                except retry_later:
                    return job

            results = list(pool.map(attempt, queue))
            done += [r for r in results if isinstance(r, str)]
            queue = [r for r in results if not isinstance(r, str)]
    raise AssertionError(f"jobs still retrying after 20 rounds: {queue}")


def test_cancel_jobs_under_faults_and_redelivery_apply_each_change_once(
    jobs: tuple[ModuleType, FakeEFundPay],
) -> None:
    module, fake = jobs
    ids = [fake.add_subscription() for _ in range(16)]
    queue = [dict(module.enqueue_cancel(sid)) for sid in ids]
    fake.random_faults(0.4, seed=6, operation="subscriptions.status")

    # Every job delivered twice, as after a worker crash: the second run replays the first.
    outcomes = run_like_a_worker(module.cancel_subscription, queue + queue, module.RetryLater)

    fake.clear_faults()
    assert any(r.fault for r in fake.requests)
    assert sorted(outcomes) == sorted(f"cancelled: {sid}" for sid in ids * 2)
    for sid in ids:
        assert fake.subscription(sid).status == "cancelled"
        assert len(fake.subscription(sid).history) == 1
    assert any(r.replayed for r in fake.requests)


def test_deactivate_jobs_end_with_every_token_inactive_however_often_they_run(
    jobs: tuple[ModuleType, FakeEFundPay],
) -> None:
    module, fake = jobs
    ids = [fake.add_customer(is_active=index % 2 == 0) for index in range(12)]
    fake.random_faults(
        0.4, seed=3, operation="customers.toggle", kinds=["drop_after_apply", "error_after_apply"]
    )

    queue = [{"customer_id": cid} for cid in ids] * 2
    outcomes = run_like_a_worker(module.deactivate_customer, queue, module.RetryLater)

    fake.clear_faults()
    assert any(r.fault for r in fake.requests)
    assert sorted(outcomes) == sorted(f"deactivated: {cid}" for cid in ids * 2)
    assert [fake.customer(cid).is_active for cid in ids] == [False] * len(ids)


def test_two_deliveries_of_a_deactivation_at_once_still_end_inactive(
    jobs: tuple[ModuleType, FakeEFundPay],
) -> None:
    module, fake = jobs
    cid = fake.add_customer(is_active=False)
    # The first run's toggle is applied at once but answered late; the second run toggles
    # in between, so the first run's answer ("active") is stale when it arrives.
    # Long enough that the second run's toggle lands inside it even on a busy machine.
    fake.delay_next(3.0, operation="customers.toggle")
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(module.deactivate_customer, cid)
        deadline = time.monotonic() + 10
        while fake.customer(cid).toggle_count == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert module.deactivate_customer(cid) == f"deactivated: {cid}"
        assert first.result(timeout=10) == f"deactivated: {cid}"
    assert fake.customer(cid).is_active is False


def test_a_job_for_a_missing_subscription_is_skipped_not_retried(
    jobs: tuple[ModuleType, FakeEFundPay],
) -> None:
    module, _ = jobs
    assert module.cancel_subscription(**module.enqueue_cancel("sub_nope")).startswith("skipped")


# -- a user's test suite, with the pytest plugin ------------------------------------------------


def test_the_example_test_suite_passes_with_the_plugin(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        str(EXAMPLES / "test_your_app.py"),
        *plugin_args(),
        *["-p", "no:asyncio", "-p", "no:cacheprovider", "-q"],
    )
    result.assert_outcomes(passed=7)
