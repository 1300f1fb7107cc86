"""A fake eFundPay for tests: a real HTTP server on ``127.0.0.1`` with state, rules and faults.

:class:`FakeEFundPay` serves the two operations the SDK implements, with the same
validation as the real API, so your tests exercise your code, the SDK and real HTTP at once::

    from efundpay import EFundPay
    from efundpay.testing import FakeEFundPay

    def test_cancelling_stops_billing():
        with FakeEFundPay() as fake:                  # sample data: cus_123, sub_123, ...
            with EFundPay(**fake.client_kwargs()) as client:
                client.subscriptions.cancel("sub_123", at_period_end=True)
            sub = fake.subscription("sub_123")
            assert sub.status == "cancelled"
            assert sub.next_billing_date is None
            assert [r.applied for r in fake.requests] == [True]

It also sends what eFundPay sends, signed with a test key your endpoint can trust
(``fake.notification_public_key_pem``), faults included::

    [delivery] = fake.send_v3_notification(f"{app}/notify", "cus_123")
    fake.send_v4_webhook(f"{app}/webhooks", fault="duplicate")        # delivered twice
    fake.send_v3_notification(url, "cus_123", fault="stale_timestamp")  # must be refused

Faults are queued before the call that should meet them::

    fake.fail_next(503, apply=True, operation="subscriptions.status")  # applied, then 503
    fake.drop_next(after_apply=False)                                   # connection closed
    fake.delay_next(0.5)                                                # slow response
    fake.malformed_next("html", status=502)                             # a proxy's error page
    fake.random_faults(0.2, seed=7)                                     # for soak tests

With pytest, the ``efundpay`` plugin (installed with the package) provides fixtures:

``efundpay_fake``
    a running, threaded :class:`FakeEFundPay` with sample data, stopped after the test.
    Configure it with ``@pytest.mark.efundpay_fake(legacy_v3=True, sample_data=False)``.
``efundpay_client``
    an ``efundpay.EFundPay`` pointed at ``efundpay_fake``, closed after the test.
``async_efundpay_client``
    an ``efundpay.AsyncEFundPay`` pointed at ``efundpay_fake``, for tests marked
    ``pytest.mark.anyio``.

Strict authentication checks what the real services check, from the bytes received::

    with FakeEFundPay(strict_auth=True) as fake:     # needs efundpay[signing]
        fake.token_url, fake.v3_client_id, fake.v3_private_key_pem   # v3 signed requests
        fake.jwt_key_id, fake.jwt_private_key_pem                    # v4 JWTs
        fake.clock_skew = 300; fake.expire_tokens(); fake.revoke_tokens()
        fake.auth_stats.token_fetches, fake.auth_stats.rejections

The fake shares no code with the SDK's client, on purpose: it is an independent check of
what goes over the wire.  v3 toggles ignore ``idempotency-key`` (the real API documents no
idempotency for them), so a toggle replayed after an applied failure really flips twice.
"""

from __future__ import annotations

from ._fake import SAMPLE_CUSTOMERS, SAMPLE_SUBSCRIPTIONS, ClientKwargs, FakeEFundPay
from ._faults import MalformedKind, Operation, RandomFaultKind
from ._log import RecordedHeaders, RecordedRequest
from ._notifications import Delivery, NotificationFault
from ._records import (
    CancellationDetails,
    FakeCustomer,
    FakeSubscription,
    PauseCollection,
    RecurringPayment,
    StatusChange,
)
from ._seed import read_seed_file
from ._signing import NotificationSigner, SignedNotification
from ._strict import AuthStats, StrictAuth

__all__ = [
    "SAMPLE_CUSTOMERS",
    "SAMPLE_SUBSCRIPTIONS",
    "AuthStats",
    "CancellationDetails",
    "ClientKwargs",
    "Delivery",
    "FakeCustomer",
    "FakeEFundPay",
    "FakeSubscription",
    "MalformedKind",
    "NotificationFault",
    "NotificationSigner",
    "Operation",
    "PauseCollection",
    "RandomFaultKind",
    "RecordedHeaders",
    "RecordedRequest",
    "RecurringPayment",
    "SignedNotification",
    "StatusChange",
    "StrictAuth",
    "read_seed_file",
]
