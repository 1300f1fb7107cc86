"""The answers eFundPay expects once a notification has been received.

**v4**: eFundPay's webhook pages document the response body ``{"code": "200", "message":
"SUCCESS"}`` with HTTP 200; anything else counts as a failed delivery and is retried.

**v3**: the vendor's docs describe no response body for a ``notifyUrl`` call.  The SDK
answers HTTP 200 with the success envelope of the v3 API itself, ``{"code": "SUCCESS"}``:
a 2xx is what a sender can rely on, and the envelope is the one thing the v3 API calls
success.  (An assumption, recorded in ``docs/notifications.md``.)

A notification that fails verification is answered 400 with :func:`rejection`, which says
only that it was refused: the sender learns nothing about the check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "V3_ACKNOWLEDGEMENT",
    "V3_ACKNOWLEDGEMENT_BODY",
    "V4_ACKNOWLEDGEMENT",
    "V4_ACKNOWLEDGEMENT_BODY",
    "acknowledgement",
    "rejection",
]

#: The JSON a v4 webhook endpoint answers with (HTTP 200), as a read-only mapping.
V4_ACKNOWLEDGEMENT: Final[Mapping[str, str]] = MappingProxyType(
    {"code": "200", "message": "SUCCESS"}
)
#: The same, as the bytes of a response body.
V4_ACKNOWLEDGEMENT_BODY: Final = json.dumps(
    dict(V4_ACKNOWLEDGEMENT), separators=(",", ":")
).encode()

#: The JSON a v3 ``notifyUrl`` endpoint answers with (HTTP 200), as a read-only mapping.
V3_ACKNOWLEDGEMENT: Final[Mapping[str, str]] = MappingProxyType({"code": "SUCCESS"})
#: The same, as the bytes of a response body.
V3_ACKNOWLEDGEMENT_BODY: Final = json.dumps(
    dict(V3_ACKNOWLEDGEMENT), separators=(",", ":")
).encode()


def acknowledgement(kind: str) -> tuple[int, dict[str, str]]:
    """``(status, json_body)`` acknowledging a notification of ``kind`` ``"v3"`` or ``"v4"``.

    >>> from efundpay.webhooks import acknowledgement
    >>> acknowledgement("v4")
    (200, {'code': '200', 'message': 'SUCCESS'})
    """
    if kind == "v3":
        return 200, dict(V3_ACKNOWLEDGEMENT)
    if kind == "v4":
        return 200, dict(V4_ACKNOWLEDGEMENT)
    raise ValueError(f"kind must be 'v3' or 'v4', not {kind!r}")


def rejection() -> tuple[int, dict[str, str]]:
    """``(400, json_body)`` for a notification that failed verification.

    >>> from efundpay.webhooks import rejection
    >>> rejection()
    (400, {'code': 'INVALID_SIGNATURE', 'message': 'notification rejected'})
    """
    return 400, {"code": "INVALID_SIGNATURE", "message": "notification rejected"}
