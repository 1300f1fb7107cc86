"""Benchmarks of the SDK's cost per call; run ``python -m benchmarks.bench`` or ``nox -s bench``.

See ``docs/performance.md`` for what is measured, why the comparison is fair, and the figures.
"""
