"""``NOT_GIVEN``: "keep what is set", where ``None`` already means "clear it".

``client.with_options(deadline=None)`` removes the deadline, so ``None`` cannot also mean
"leave the deadline as it is"; every ``with_options`` parameter defaults to ``NOT_GIVEN``.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument left out, as opposed to ``None``.

    >>> NOT_GIVEN
    NOT_GIVEN
    >>> bool(NOT_GIVEN)
    False
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


#: The one :class:`NotGiven`: "this argument was not passed; keep the current setting".
NOT_GIVEN: Final = NotGiven()
