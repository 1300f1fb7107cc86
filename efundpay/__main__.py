"""``efundpay`` and ``python -m efundpay``: the command line (see ``efundpay --help``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``efundpay`` command with ``argv`` (default ``sys.argv[1:]``); return its status."""
    from .cli import run  # noqa: PLC0415  (``import efundpay.__main__`` stays cheap)

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
