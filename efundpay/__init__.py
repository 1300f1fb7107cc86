"""efundpay: the Python SDK for eFundPay's subscription and recurring-payment API.

>>> from efundpay import AsyncEFundPay, EFundPay  # doctest: +SKIP

``AsyncEFundPay`` is awaited from async code; ``EFundPay`` is its blocking twin for scripts,
Django views and notebooks.  Both take the same keywords and have the same methods.
"""

from ._client import AsyncEFundPay
from ._config import Environment, Timeout
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    EFundPayError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    WebhookVerificationError,
)
from ._headers import Headers
from ._http import HTTPRequest, HTTPResponse, MockTransport, Transport
from ._network import Limits
from ._public_names import publish
from ._request import new_idempotency_key
from ._response import APIResponse
from ._retry import RetryEvent, RetryPolicy
from ._sync import EFundPay
from ._transport import AiohttpTransport
from ._transport_errors import TransportClosedError, TransportError, TransportTimeoutError
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__
from .models import (
    BillingCycleAnchor,
    CancellationDetails,
    CancellationReason,
    Card,
    Customer,
    PauseBehavior,
    PauseCollection,
    PaymentMethod,
    Plan,
    ProrationBehavior,
    RecurringInterval,
    RecurringPayment,
    Subscription,
    SubscriptionCustomer,
    SubscriptionStatus,
)

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AiohttpTransport",
    "AsyncEFundPay",
    "AuthenticationError",
    "BadRequestError",
    "BillingCycleAnchor",
    "CancellationDetails",
    "CancellationReason",
    "Card",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "Customer",
    "EFundPay",
    "EFundPayError",
    "Environment",
    "HTTPRequest",
    "HTTPResponse",
    "Headers",
    "InternalServerError",
    "Limits",
    "MockTransport",
    "NotFoundError",
    "NotGiven",
    "PauseBehavior",
    "PauseCollection",
    "PaymentMethod",
    "PermissionDeniedError",
    "Plan",
    "ProrationBehavior",
    "RateLimitError",
    "RecurringInterval",
    "RecurringPayment",
    "RetryEvent",
    "RetryPolicy",
    "Subscription",
    "SubscriptionCustomer",
    "SubscriptionStatus",
    "Timeout",
    "Transport",
    "TransportClosedError",
    "TransportError",
    "TransportTimeoutError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
    "__version__",
    "new_idempotency_key",
]

# Every public class says it is ``efundpay.X`` (tracebacks, reprs, pickles); see _public_names.
publish(globals(), __all__, __name__)
