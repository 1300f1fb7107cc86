"""A real Jupyter kernel (ipykernel, driven by nbclient) runs a notebook using both clients.

Cells run inside the kernel's running event loop, so the sync client is called from within
a loop there, and top-level ``await`` uses the async client.  The fake runs in this process;
the kernel reaches it through the ``EFUNDPAY_*`` environment variables it inherits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from efundpay.testing import FakeEFundPay

ROOT = Path(__file__).resolve().parent.parent
SUB = "sub_1234567890abcdef"

CELLS = [
    # 1. Plain cells already run inside the kernel's event loop.
    """
import asyncio
asyncio.get_running_loop().is_running()
""",
    # 2. The sync client, configured from the environment.
    """
from efundpay import AsyncEFundPay, EFundPay, NotFoundError
client = EFundPay()
client.customers.toggle("cus_123").is_active
""",
    # 3. Top-level await on the async client, in the same kernel.
    """
async with AsyncEFundPay() as aclient:
    customer = await aclient.customers.toggle("cus_123")
customer.is_active
""",
    # 4. The sync client again, after the loop ran async work; errors are the real classes.
    f"""
sub = client.subscriptions.pause("{SUB}", reason="notebook")
try:
    client.customers.toggle("cus_missing")
except NotFoundError as exc:
    caught = type(exc).__name__
(str(sub.status), caught)
""",
    # 5. A sync call while the kernel's loop has other tasks: they resume afterwards.
    """
ticks = 0
async def tick():
    global ticks
    while True:
        ticks += 1
        await asyncio.sleep(0)
task = asyncio.ensure_future(tick())
await asyncio.sleep(0)
resumed = client.subscriptions.resume("sub_1234567890abcdef").status
before = ticks
await asyncio.sleep(0.01)
task.cancel()
(str(resumed), ticks > before)
""",
    # 6. Closing is idempotent; the kernel then shuts down without closing anything else.
    """
client.close()
client.close()
"closed"
""",
]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as server:
        monkeypatch.setenv("EFUNDPAY_API_KEY", server.api_key)
        monkeypatch.setenv("EFUNDPAY_MERCHANT_ACCOUNT_ID", server.merchant_account_id)
        monkeypatch.setenv("EFUNDPAY_BASE_URL", server.url)
        # jupyter_core otherwise warns (DeprecationWarning) about its coming path change.
        monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
        monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        yield server


def result_of(cell: Any) -> str:
    """The cell's ``Out[]`` value (its text/plain repr), failing on any error output."""
    for output in cell.outputs:
        assert output.output_type != "error", "\n".join(output.traceback)
        if output.output_type == "execute_result":
            return str(output.data["text/plain"])
    raise AssertionError(f"no result from cell: {cell.source}")


def test_a_notebook_uses_the_sync_client_and_top_level_await(fake: FakeEFundPay) -> None:
    cells = [new_code_cell(source.strip()) for source in CELLS]  # type: ignore[no-untyped-call]
    notebook = new_notebook(cells=cells)  # type: ignore[no-untyped-call]
    nbformat.validate(notebook)
    # The kernel starts in the project root, so it imports this checkout of efundpay.
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=60,
        resources={"metadata": {"path": str(ROOT)}},
    ).execute()

    results = [result_of(cell) for cell in notebook.cells]
    assert results == [
        "True",
        "False",
        "True",
        "('paused', 'NotFoundError')",
        "('active', True)",
        "'closed'",
    ]
    assert fake.customer("cus_123").toggle_count == 2
    assert [change.to_status for change in fake.subscription(SUB).history] == ["paused", "active"]
