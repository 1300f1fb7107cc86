"""The operations, grouped as ``client.customers`` and ``client.subscriptions``.

Resources validate arguments and describe requests; the client runs them.
"""

from .customers import AsyncCustomers
from .subscriptions import AsyncSubscriptions

__all__ = ["AsyncCustomers", "AsyncSubscriptions"]
