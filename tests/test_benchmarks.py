"""The benchmark scripts run: a smoke run of the whole harness, and one callgrind count.

Nothing here judges a figure (no timing assertions); the point is that ``python -m
benchmarks.bench`` keeps working as the SDK changes under it, and that what it reports is
shaped as documented.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from benchmarks import instructions, opcodes, overload_scenario
from benchmarks.measure import paired_ratio
from benchmarks.report import Run, goals

pytestmark = pytest.mark.tooling  # the benchmark harness: one Python is enough

ROOT = Path(__file__).resolve().parent.parent


def test_a_quick_run_reports_every_part_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--quick", "--import-runs", "1",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for part in ("paired ratio to raw aiohttp", "32 threads", "overload:", "import efundpay"):
        assert part in done.stdout
    result = json.loads(out.read_text())
    assert set(result["subjects"]) == {
        "raw aiohttp", "AsyncEFundPay", "EFundPay", "requests.Session",
    }  # fmt: skip
    assert all(len(s["rounds_us"]) == 3 for s in result["subjects"].values())
    assert set(result["threads"]) == {"EFundPay", "requests.Session per thread"}
    overload = result["overload"]
    # Every call that succeeded reached the server at least once, as the server counted.
    assert overload["calls"] == 400
    assert overload["succeeded"] + sum(overload["failed"].values()) == 400
    assert overload["attempts_received"] >= overload["succeeded"]
    labels = {goal["label"] for goal in result["goals"]}
    assert "EFundPay per call / requests.Session" in labels
    assert "commit" in result["environment"]


def test_a_paired_ratio_is_the_median_of_per_round_ratios() -> None:
    # Round 3 was slowed for both clients alike: it does not move the paired ratio,
    # whereas the ratio of the two medians (30 / 20) would say 1.5.
    assert paired_ratio([10, 11, 300, 30, 40], [10, 11, 150, 30, 40]) == 1.0


def test_goals_follow_the_instruction_counts() -> None:
    run = Run(figures={}, threads={}, instructions={"raw aiohttp": 545e3, "AsyncEFundPay": 684e3},
              import_ms=None, parse_us=None)  # fmt: skip
    (goal, stretch) = goals(run)
    assert round(goal.value, 2) == 0.80
    assert not goal.met and goal.limit == 0.85 and stretch.limit == 0.90


@pytest.mark.skipif(not instructions.available(), reason="valgrind is not installed")
def test_callgrind_counts_the_instructions_of_one_parse() -> None:
    # No server needed for this layer; 10 calls keep valgrind's share of the suite small.
    per_call = instructions.count_instructions("parse alone", "http://127.0.0.1:9", 10)
    # A parse runs tens of thousands of instructions (JSON decoding and the model), not
    # hundreds and not tens of millions: the differential took the start-up cost out.
    assert 10_000 < per_call < 2_000_000


def test_the_overload_report_takes_the_pool_harness_result_as_it_is() -> None:
    # The shape of benchmarks/overload.py's harness: a sync slow_server(delay) yielding a
    # URL, an async run_overload(url, calls=) and attempts_counted(url).
    class Result:
        successes, wall = 7, 1.5
        failures: ClassVar = [TimeoutError(), TimeoutError(), KeyError()]

    @contextlib.contextmanager
    def slow_server(delay: float) -> Iterator[str]:
        assert delay == 0.2
        yield "http://127.0.0.1:9"

    async def run_overload(url: str, *, calls: int) -> Result:
        assert calls == 10
        return Result()

    async def attempts_counted(url: str) -> int:
        return 12

    harness = types.SimpleNamespace(
        slow_server=slow_server, run_overload=run_overload, attempts_counted=attempts_counted
    )
    result = overload_scenario._with_pool_harness(harness, 10, 0.2)
    assert (result.succeeded, result.attempts_received, result.wall_s) == (7, 12, 1.5)
    assert result.failed == {"TimeoutError": 2, "KeyError": 1}


def test_the_bytecode_count_names_the_functions_of_a_call() -> None:
    per_call = opcodes.opcodes_per_call(calls=2)
    # Every call runs the pipeline and reads the answer through cattrs' generated function.
    assert any(name.endswith(":run_call") for name in per_call)
    assert any("structure_Subscription" in name for name in per_call)
    assert list(per_call.values()) == sorted(per_call.values(), reverse=True)
