"""Turning a run's figures into the table, the paired ratios, and the goals the SDK is held to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .measure import Figures, paired_ratio

__all__ = ["BASELINE", "Goal", "Run", "goals", "render"]

BASELINE = "raw aiohttp"
THREADS = 32  # the threads scenario's level


@dataclass(frozen=True)
class Goal:
    """A target for one figure, e.g. "AsyncEFundPay per call ≤ 1.10 × raw aiohttp"."""

    label: str
    value: float
    limit: float
    unit: str
    at_least: bool = False

    @property
    def met(self) -> bool:
        """Whether this run meets the goal."""
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def as_json(self) -> dict[str, Any]:
        """The goal as plain JSON."""
        return {**self.__dict__, "met": self.met}


@dataclass
class Run:
    """Everything one run measured; a part not measured is empty or ``None``."""

    figures: Mapping[str, Figures]
    threads: Mapping[str, Figures]
    instructions: Mapping[str, float]
    import_ms: tuple[float, float] | None
    parse_us: float | None
    overload: str | None = None


def _seq(figures: Mapping[str, Figures], name: str, reference: str) -> float | None:
    a, b = figures.get(name), figures.get(reference)
    if a is None or b is None or not a.rounds_us or not b.rounds_us:
        return None
    return paired_ratio(a.rounds_us, b.rounds_us)


def _rate(figures: Mapping[str, Figures], name: str, reference: str, level: int) -> float | None:
    a, b = figures.get(name), figures.get(reference)
    if a is None or b is None or level not in a.bursts or level not in b.bursts:
        return None
    return paired_ratio(a.bursts[level], b.bursts[level])


def goals(run: Run) -> list[Goal]:
    """The goals this run's figures let us evaluate."""
    found: list[Goal] = []
    ins = run.instructions
    if BASELINE in ins and "AsyncEFundPay" in ins:
        ratio = ins[BASELINE] / ins["AsyncEFundPay"]
        label = "AsyncEFundPay throughput at 64 / raw aiohttp, by instructions per call"
        found.append(Goal(label, ratio, 0.85, "×", at_least=True))
        found.append(Goal(label + " (stretch)", ratio, 0.90, "×", at_least=True))
    if (value := _seq(run.figures, "AsyncEFundPay", BASELINE)) is not None:
        found.append(Goal("AsyncEFundPay sequential per call / raw aiohttp", value, 1.10, "×"))
    if (value := _seq(run.figures, "EFundPay", "requests.Session")) is not None:
        found.append(Goal("EFundPay per call / requests.Session", value, 0.60, "×"))
    value = _rate(run.threads, "EFundPay", "requests.Session per thread", THREADS)
    if value is not None:
        label = f"{THREADS} threads, one EFundPay / a requests.Session each, calls/s"
        found.append(Goal(label, value, 2.5, "×", at_least=True))
    if run.import_ms is not None:
        found.append(Goal("import efundpay adds over import aiohttp", run.import_ms[1], 20, "ms"))
    if run.parse_us is not None:
        found.append(Goal("parse a seed-sized subscription", run.parse_us, 15, "µs"))
    return found


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = zip(cells, widths, strict=True)
    return first[0].ljust(first[1]) + "".join(cell.rjust(width) for cell, width in rest)


def _wall_clock(figures: Mapping[str, Figures]) -> list[str]:
    levels = list(next(iter(figures.values())).calls_per_second)
    header = ["client", "median µs", "p99 µs", "per call ×", *(f"{n} conc ×" for n in levels)]
    widths = [28, 11, 9, 12, *([12] * len(levels))]
    lines = [
        f"wall clock, warm, interleaved; × = paired ratio to {BASELINE} (median over rounds)",
        _row(header, widths),
    ]
    for name, fig in figures.items():
        seq = _seq(figures, name, BASELINE)
        rates = [_rate(figures, name, BASELINE, n) for n in levels]
        cells = [
            name,
            f"{fig.median_us:.0f}" if fig.rounds_us else "-",
            f"{fig.p99_us:.0f}" if fig.rounds_us else "-",
            "-" if seq is None else f"{seq:.2f}",
            *("-" if r is None else f"{r:.2f}" for r in rates),
        ]
        lines.append(_row(cells, widths))
    for n in levels:
        shown = ", ".join(f"{name} {fig.calls_per_second[n]:,.0f}" for name, fig in figures.items())
        lines.append(f"  calls/s at {n} (median): {shown}")
    return lines


def _instructions(ins: Mapping[str, float]) -> list[str]:
    lines = ["instructions per call (callgrind, client process only, differential N vs 2N)"]
    base = ins.get(BASELINE)
    for name, count in ins.items():
        vs = "" if base is None else f"   raw aiohttp / this = {base / count:.2f}×"
        lines.append(f"  {name:<28}{count / 1000:>9,.0f} k{vs}")
    parts = {
        "transport wrapper (transport alone - raw aiohttp)": ("transport alone", BASELINE),
        "SDK above the transport (AsyncEFundPay - transport alone)": (
            "AsyncEFundPay",
            "transport alone",
        ),
        "pipeline, arguments, client (pipeline no I/O - parse alone)": (
            "pipeline, no I/O",
            "parse alone",
        ),
        "typed models (parse alone - json.loads alone)": ("parse alone", "json.loads alone"),
    }
    for label, (a, b) in parts.items():
        if a in ins and b in ins:
            lines.append(f"  {label}: {(ins[a] - ins[b]) / 1000:+,.0f} k")
    return lines


def render(run: Run, found: Sequence[Goal]) -> str:
    """The human-readable report."""
    lines = _wall_clock(run.figures) if run.figures else []
    if run.threads:
        rates = {name: fig.calls_per_second[THREADS] for name, fig in run.threads.items()}
        value = _rate(run.threads, "EFundPay", "requests.Session per thread", THREADS)
        lines += [
            "",
            f"{THREADS} threads: " + ", ".join(f"{n} {r:,.0f} calls/s" for n, r in rates.items()),
            f"  paired ratio: {value:.2f}×" if value is not None else "",
        ]
    if run.instructions:
        lines += ["", *_instructions(run.instructions)]
    if run.overload is not None:
        lines += ["", run.overload]
    if run.import_ms is not None:
        lines += [
            "",
            f"import aiohttp: {run.import_ms[0]:.1f} ms; import efundpay adds "
            f"{run.import_ms[1]:.1f} ms (bytecode caches)",
        ]
    if run.parse_us is not None:
        lines.append(f"parse a seed-sized subscription response into models: {run.parse_us:.1f} µs")
    if found:
        lines += ["", "goals:"]
        for goal in found:
            sign = "≥" if goal.at_least else "≤"
            mark = "met" if goal.met else "MISSED"
            lines.append(
                f"  [{mark:>6}] {goal.label}: {goal.value:.2f} {goal.unit} "
                f"(goal {sign} {goal.limit:g} {goal.unit})"
            )
    return "\n".join(lines)
