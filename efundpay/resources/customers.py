"""``client.customers``: the v3 recurring-payment customer operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._request import APIRequest, path_segment
from ..models import Customer
from ._validation import check_id

if TYPE_CHECKING:
    from .._client import AsyncEFundPay

__all__ = ["AsyncCustomers"]


class AsyncCustomers:
    """Operations on customers' card tokens."""

    def __init__(self, client: AsyncEFundPay) -> None:
        self._client = client

    async def toggle(self, customer_id: str) -> Customer:
        """Flip a customer's token between active and inactive, and return the customer.

        Deactivating stops all future recurring charges and new tokenized charges;
        activating resumes them.  Only available once the customer has bound a card.
        ``customer.is_active`` is the state after the toggle.

        A toggle is **not idempotent**: sending it twice flips the customer back.  The SDK
        therefore retries it only when eFundPay certainly did not apply it (the connection
        was refused, or eFundPay answered 429 / ``EXCEEDED_LIMIT``).  When the outcome is
        unknown (a timeout after sending, a dropped connection, a 5xx) it raises an error
        with ``outcome_unknown=True``: check the customer's state before toggling again.

        Args:
            customer_id: the id from Create Recurring Customer or Create Tokenized Customer.

        Example::

            customer = await client.customers.toggle("cus_123")
            print(customer.is_active)
        """
        customer_id = check_id(customer_id, "customer_id")
        segment = path_segment(customer_id)
        # The seed page's route, or the one the vendor's SDKs call (``v3_route``).
        legacy = self._client._config.v3_route == "customer-status"
        return await self._client._request(
            APIRequest(
                operation="customers.toggle",
                api="v3",
                method="PUT" if legacy else "POST",
                path=f"/v3/customer/{segment}/status"
                if legacy
                else f"/v3/recurring-payment/{segment}/toggle",
                model=Customer,
                idempotent=False,
            )
        )
