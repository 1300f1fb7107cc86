"""Python bytecodes per call, function by function: where the SDK's own work goes.

Instruction counts (``benchmarks/instructions.py``) say how much a call costs; this says
which Python functions spend it.  It runs the ``pipeline, no I/O`` layer (``AsyncEFundPay``
through a transport that answers at once, see ``benchmarks/layers.py``) under a tracer that
counts every bytecode executed, per function, and prints the functions in order of cost.
Tracing slows the calls down a hundredfold, but the counts are exact and repeat exactly.

Run: ``python -m benchmarks.opcodes [--calls N] [--top K]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Callable
from types import FrameType
from typing import Any

from .layers import pipeline_without_io

__all__ = ["opcodes_per_call"]


def _name(frame: FrameType) -> str:
    code = frame.f_code
    where = code.co_filename.replace("\\", "/")
    for marker in ("/site-packages/", "/lib/python3", "/efundpay/", "/benchmarks/"):
        if marker in where:
            where = marker.strip("/") + "/" + where.split(marker, 1)[1]
            break
    return f"{where}:{code.co_name}"


async def _count(calls: int) -> Counter[str]:
    counts: Counter[str] = Counter()

    def tracer(frame: FrameType, event: str, _: object) -> Callable[..., Any]:
        frame.f_trace_opcodes = True
        name = _name(frame)

        def each(frame: FrameType, event: str, _: object) -> Callable[..., Any]:
            if event == "opcode":
                counts[name] += 1
            return each

        return each

    async with pipeline_without_io("") as call:
        for _ in range(50):  # warm: the converter is built, caches are filled
            await call()
        sys.settrace(tracer)
        try:
            for _ in range(calls):
                await call()
        finally:
            sys.settrace(None)
    return counts


def opcodes_per_call(calls: int = 10) -> dict[str, float]:
    """Bytecodes executed per call of ``pipeline, no I/O``, by ``file:function``."""
    counts = asyncio.run(_count(calls))
    return {name: count / calls for name, count in counts.most_common()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--calls", type=int, default=10, help="calls traced (default 10)")
    parser.add_argument("--top", type=int, default=40, help="functions listed (default 40)")
    args = parser.parse_args()
    per_call = opcodes_per_call(args.calls)
    print(f"Python bytecodes per call: {sum(per_call.values()):,.0f}")
    for name, count in list(per_call.items())[: args.top]:
        print(f"{count:8.1f}  {name}")


if __name__ == "__main__":
    main()
