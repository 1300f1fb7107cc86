"""``client.customers``: the v3 recurring-payment customer operations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._config import Timeout
from .._request import APIRequest, call_options, path_segment
from ..models import Customer
from ._raw import returns_raw
from ._validation import check_id

if TYPE_CHECKING:
    from .._client import AsyncEFundPay

__all__ = ["AsyncCustomers", "AsyncCustomersWithRawResponse"]


class AsyncCustomers:
    """Operations on customers' card tokens."""

    def __init__(self, client: AsyncEFundPay, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    @property
    def with_raw_response(self) -> AsyncCustomersWithRawResponse:
        """The same operations, each answering with an :class:`~efundpay.APIResponse`.

        Example::

            response = await client.customers.with_raw_response.toggle("cus_123")
            print(response.status_code, response.parse().is_active)
        """
        return AsyncCustomersWithRawResponse(self)

    async def toggle(
        self,
        customer_id: str,
        *,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Customer:
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
            timeout: seconds (or a :class:`~efundpay.Timeout`) for each attempt of this
                call alone; default the client's.
            max_retries: retries for this call alone; default the client's.
            extra_headers: more headers for every attempt of this call; none may replace a
                header the SDK sets (credentials, signatures, the idempotency key, the
                merchant account, the body's framing): that raises :class:`ValueError`.

        Example::

            customer = await client.customers.toggle("cus_123")
            print(customer.is_active)
        """
        customer_id = check_id(customer_id, "customer_id")
        segment = path_segment(customer_id)
        options = call_options(timeout, max_retries, extra_headers)
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
                options=options,
                raw=self._raw,
            )
        )


class AsyncCustomersWithRawResponse:
    """``client.customers.with_raw_response``: each operation answers with an
    :class:`~efundpay.APIResponse` whose :meth:`~efundpay.APIResponse.parse` is the
    :class:`~efundpay.Customer`."""

    def __init__(self, customers: AsyncCustomers) -> None:
        self._resource = raw = AsyncCustomers(customers._client, raw=True)
        self.toggle = returns_raw(raw.toggle)
