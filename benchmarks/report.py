"""Turning rounds of figures into the table, the ratios, and the goals the SDK is held to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .measure import Figures

__all__ = ["Goal", "goals", "render"]

BASELINE = "raw aiohttp"


@dataclass(frozen=True)
class Goal:
    """A target for one figure, e.g. "AsyncEFundPay per call ≤ 1.15 × raw aiohttp"."""

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


def goals(
    figures: Mapping[str, Figures], import_added_ms: float | None, parse_us: float | None
) -> list[Goal]:
    """The goals that this run's subjects let us evaluate."""
    found: list[Goal] = []
    raw = figures.get(BASELINE)
    sdk = figures.get("AsyncEFundPay")
    sync = figures.get("EFundPay")
    peer = figures.get("requests.Session")
    if raw and sdk:
        found.append(Goal("AsyncEFundPay per call / raw aiohttp", _per_call(sdk, raw), 1.15, "×"))
        if 64 in raw.calls_per_second:
            found.append(
                Goal(
                    "AsyncEFundPay calls/s at 64 / raw aiohttp",
                    sdk.calls_per_second[64] / raw.calls_per_second[64],
                    0.85,
                    "×",
                    at_least=True,
                )
            )
    if sync and peer:
        found.append(Goal("EFundPay per call / requests.Session", _per_call(sync, peer), 0.80, "×"))
    if sync and raw:
        found.append(Goal("EFundPay per call / raw aiohttp", _per_call(sync, raw), 1.4, "×"))
    if import_added_ms is not None:
        found.append(Goal("import efundpay adds over import aiohttp", import_added_ms, 30, "ms"))
    if parse_us is not None:
        found.append(Goal("parse a seed-sized subscription", parse_us, 25, "µs"))
    return found


def _per_call(subject: Figures, reference: Figures) -> float:
    return subject.median_us / reference.median_us


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = zip(cells, widths, strict=True)
    return first[0].ljust(first[1]) + "".join(cell.rjust(width) for cell, width in rest)


def render(
    figures: Mapping[str, Figures],
    found: Sequence[Goal],
    *,
    import_ms: tuple[float, float] | None,
    parse_us: float | None,
) -> str:
    """The human-readable report: figures, ratios to raw aiohttp, micro-benchmarks, goals."""
    levels = list(next(iter(figures.values())).calls_per_second)
    header = ["client", "median µs", "p99 µs", *(f"{n} conc/s" for n in levels)]
    widths = [18, 11, 9, *([12] * len(levels))]
    lines = [_row(header, widths)]
    for name, fig in figures.items():
        rates = [f"{fig.calls_per_second[n]:,.0f}" for n in levels]
        lines.append(_row([name, f"{fig.median_us:.0f}", f"{fig.p99_us:.0f}", *rates], widths))
    raw = figures.get(BASELINE)
    if raw:
        lines += ["", f"relative to {BASELINE} (per call: lower is better; calls/s: higher)"]
        for name, fig in figures.items():
            if name == BASELINE:
                continue
            rates = [f"{fig.calls_per_second[n] / raw.calls_per_second[n]:.2f}×" for n in levels]
            per_call = f"{_per_call(fig, raw):.2f}×"
            p99 = f"{fig.p99_us / raw.p99_us:.2f}×"
            lines.append(_row([name, per_call, p99, *rates], widths))
    if import_ms is not None:
        lines += [
            "",
            f"import aiohttp: {import_ms[0]:.1f} ms; import efundpay adds {import_ms[1]:.1f} ms",
        ]
    if parse_us is not None:
        lines.append(f"parse a seed-sized subscription response into models: {parse_us:.1f} µs")
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
