"""Soak: tens of thousands of calls under random faults; nothing may leak or flip twice.

Run ``python -m benchmarks.soak`` (or ``nox -s soak``).  One ``AsyncEFundPay`` with default
settings (2 retries, backoff with jitter) except a 1 s attempt timeout and a 2.5 s deadline
is driven by 200 concurrent callers against a FakeEFundPay in a child process that injects
random faults into 5 % of requests: 503s before and 500s after applying, connections dropped
before and after applying, responses held past the timeout, and 429s.  Each caller owns one
customer and one subscription and alternates toggles with pauses and resumes.

It reports calls/s, the faults injected and how the calls fared, and the SDK process's open
file descriptors and RSS before, during and after.  It exits non-zero when

- a call raised anything but an ``efundpay.APIError``,
- the fake's state shows a toggle applied twice, or a status change applied more often than
  calls reported success or an unknown outcome (ok <= applied <= ok + unknown),
- open descriptors after closing the client exceed those before it was opened, or RSS kept
  growing after the first round (more than ``--rss-slack`` MiB).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path

import anyio

import efundpay
from efundpay import AsyncEFundPay, RetryEvent, RetryPolicy

from .soak_fake import FakeHandle, running_fake

ATTEMPT_TIMEOUT = 1.0
HOLD = 1.25  # a held response outlives the attempt: a "delay" fault is a timeout


def open_fds() -> int:
    """Open file descriptors of this process (Linux and macOS)."""
    for directory in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(directory):
            return len(os.listdir(directory)) - 1  # minus the one listdir opened
    return -1


def rss_mib() -> float:
    """Resident set size of this process now (Linux), else its peak (macOS)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        pages = int(statm.read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


class Caller:
    """One of the concurrent callers: its objects, and what the SDK told it."""

    def __init__(self, customer_id: str, subscription_id: str) -> None:
        self.customer_id = customer_id
        self.subscription_id = subscription_id
        self.paused: bool | None = False  # None: an unknown outcome left it uncertain
        self.tally: Counter[str] = Counter()
        self.retried = False  # set by the on_retry hook during the current call

    async def work(self, client: AsyncEFundPay, tickets: Iterator[int]) -> None:
        """Make calls until the shared tickets run out."""
        _CURRENT.set(self)  # this task's context: the on_retry hook finds its caller
        for number in tickets:
            self.retried = False
            await self.call(client, number)

    async def call(self, client: AsyncEFundPay, number: int) -> None:
        """Make call ``number`` (odd: a toggle, even: a pause or resume) and tally it."""
        operation = "toggle" if number % 2 else "status"
        try:
            if operation == "toggle":
                await client.customers.toggle(self.customer_id)
            else:
                change = client.subscriptions.resume if self.paused else client.subscriptions.pause
                self.paused = (await change(self.subscription_id)).status == "paused"
        except efundpay.ConflictError:
            # "Already paused" or "already active": the state an unknown outcome had hidden.
            self.tally[f"{operation} conflict"] += 1
            self.paused = not self.paused
        except efundpay.APIError as exc:
            self.tally[f"{operation} {'unknown' if exc.outcome_unknown else 'not applied'}"] += 1
            self.tally[f"error {type(exc).__name__}"] += 1
            if exc.outcome_unknown and operation == "status":
                self.paused = None
        except Exception as exc:  # the soak's point: nothing else may ever escape
            self.tally[f"UNEXPECTED {type(exc).__name__}: {exc}"] += 1
        else:
            self.tally[f"{operation} ok"] += 1
            self.tally["survived a fault"] += self.retried


_CURRENT: ContextVar[Caller] = ContextVar("soak_caller")


def _count_retry(retries: Counter[str], event: RetryEvent) -> None:
    retries[type(event.error).__name__] += 1
    _CURRENT.get().retried = True


async def soak(handle: FakeHandle, args: argparse.Namespace) -> int:
    """Drive the calls in rounds, check the fake's state, report; 1 when anything failed."""
    calls, concurrency, rounds = args.calls, args.concurrency, args.rounds
    callers = [Caller(c, s) for c, s in zip(handle.customers, handle.subscriptions, strict=True)]
    retries: Counter[str] = Counter()
    policy = RetryPolicy(on_retry=functools.partial(_count_retry, retries))
    fds = {"before": open_fds()}
    rss = {"before": rss_mib()}
    injected: Counter[str] = Counter()
    per_round = calls // rounds
    elapsed = 0.0
    async with AsyncEFundPay(
        **handle.client_kwargs, timeout=ATTEMPT_TIMEOUT, deadline=args.deadline, retry=policy
    ) as client:
        for round_number in range(1, rounds + 1):
            tickets = iter(range(per_round))  # shared: a free caller takes the next one
            started = time.perf_counter()
            async with anyio.create_task_group() as tasks:
                for caller in callers[:concurrency]:
                    tasks.start_soon(caller.work, client, tickets)
            elapsed += time.perf_counter() - started
            injected += handle.stats()
            fds[f"round {round_number}"] = open_fds()
            rss[f"round {round_number}"] = rss_mib()
    await asyncio.sleep(0.1)  # let the closed sockets' callbacks run
    fds["after close"] = open_fds()
    rss["after close"] = rss_mib()

    tally = sum((caller.tally for caller in callers), Counter[str]())
    problems = _check_state(handle, callers)
    problems += [f"{n} x {what}" for what, n in tally.items() if what.startswith("UNEXPECTED")]
    if fds["after close"] > fds["before"]:
        problems.append(f"file descriptors leaked: {fds}")
    if rounds > 1 and rss[f"round {rounds}"] - rss["round 1"] > args.rss_slack:
        problems.append(f"RSS kept growing after the first round: {rss}")
    print(
        f"efundpay soak: {per_round * rounds} calls, {concurrency} concurrent callers, "
        f"{args.fault_rate:.0%} random faults (seed {args.seed})"
    )
    _report(
        calls=per_round * rounds,
        elapsed=elapsed,
        injected=injected,
        retries=retries,
        tally=tally,
        fds=fds,
        rss=rss,
    )
    for problem in problems:
        print("FAIL:", problem)
    print("result:", "FAIL" if problems else "OK: nothing leaked, nothing applied twice")
    return 1 if problems else 0


def _check_state(handle: FakeHandle, callers: list[Caller]) -> list[str]:
    toggles, changes = handle.state()
    problems = []
    for caller in callers:
        t = caller.tally
        applied = toggles[caller.customer_id]
        if not t["toggle ok"] <= applied <= t["toggle ok"] + t["toggle unknown"]:
            problems.append(f"{caller.customer_id}: toggled {applied}x for {dict(t)}")
        applied = changes[caller.subscription_id]
        if not t["status ok"] <= applied <= t["status ok"] + t["status unknown"]:
            problems.append(f"{caller.subscription_id}: changed {applied}x for {dict(t)}")
    return problems


def _report(
    *,
    calls: int,
    elapsed: float,
    injected: Counter[str],
    retries: Counter[str],
    tally: Counter[str],
    fds: dict[str, int],
    rss: dict[str, float],
) -> None:
    faults = {kind: n for kind, n in injected.items() if kind not in ("none", "requests")}
    raised = sum(n for what, n in tally.items() if what.startswith("error "))
    ok = tally["toggle ok"] + tally["status ok"]
    print(f"  throughput:  {calls / elapsed:,.0f} calls/s ({elapsed:.1f} s)")
    print(f"  requests:    {injected['requests']} sent for {calls} calls")
    print(f"  faults:      {sum(faults.values())} injected {faults}")
    print(f"  retries:     {sum(retries.values())} {dict(retries)}")
    conflicts = tally["status conflict"]
    print(
        f"  calls:       {ok} succeeded ({tally['survived a fault']} of them after retrying "
        f"through a fault), {raised + conflicts} raised an APIError"
    )
    print(
        f"  toggles:     {tally['toggle ok']} ok, {tally['toggle unknown']} outcome unknown, "
        f"{tally['toggle not applied']} not applied"
    )
    print(
        f"  status:      {tally['status ok']} ok, {tally['status unknown']} outcome unknown, "
        f"{tally['status not applied']} not applied, {tally['status conflict']} conflicts"
    )
    print("  open fds:    " + ", ".join(f"{k} {v}" for k, v in fds.items()))
    print("  RSS (MiB):   " + ", ".join(f"{k} {v:.1f}" for k, v in rss.items()))


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--calls", type=int, default=30_000, help="total calls (30000)")
    parser.add_argument("--concurrency", type=int, default=200, help="concurrent callers")
    parser.add_argument("--fault-rate", type=float, default=0.05, help="share of requests")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fault sequence")
    parser.add_argument("--rounds", type=int, default=5, help="measurement rounds")
    parser.add_argument("--deadline", type=float, default=2.5, help="seconds per call")
    parser.add_argument("--rss-slack", type=float, default=16.0, help="MiB of allowed growth")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak; the exit status says whether it passed."""
    args = _parse_args(argv)
    with running_fake(args.concurrency, args.fault_rate, args.seed, HOLD) as handle:
        return asyncio.run(soak(handle, args))


if __name__ == "__main__":
    sys.exit(main())
