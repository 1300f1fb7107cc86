"""``FakeEFundPay``: the public face of the test kit, wiring state, faults, log and server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Self, TypedDict

from ._faults import FaultInjection, FaultQueue
from ._handler import FakeHandler
from ._idempotency import IdempotencyStore
from ._log import RecordedRequest, RequestLog
from ._notifications import NotificationSending
from ._records import FakeCustomer, FakeSubscription, utc_now
from ._seed import apply_seed
from ._server import BackgroundServer, LoopServer
from ._state import FakeState
from ._strict import StrictAuth, StrictAuthState
from ._strict_controls import StrictAuthControls

__all__ = ["SAMPLE_CUSTOMERS", "SAMPLE_SUBSCRIPTIONS", "ClientKwargs", "FakeEFundPay"]

#: The customers of a fake with sample data: the short id every example in the docs uses,
#: and a tokenized customer (no ``recurringPayment``).
SAMPLE_CUSTOMERS: Final = ("cus_123", "cus_tokenized")
#: The (active) subscriptions of a fake with sample data: the short ids the docs use, and the
#: id of the example in eFundPay's own docs.
SAMPLE_SUBSCRIPTIONS: Final = ("sub_123", "sub_456", "sub_1234567890abcdef")


class ClientKwargs(TypedDict):
    """What :meth:`FakeEFundPay.client_kwargs` returns: a client's connection settings."""

    api_key: str
    merchant_account_id: str
    base_url: str


class FakeEFundPay(FaultInjection, StrictAuthControls, NotificationSending):
    """A stateful eFundPay on ``127.0.0.1``: real HTTP, the API's rules, injectable faults.

    Async tests run it on their own event loop; sync code runs it on a thread of its own::

        async with FakeEFundPay() as fake:
            async with AsyncEFundPay(**fake.client_kwargs()) as client:
                await client.customers.toggle("cus_123")
            assert fake.customer("cus_123").is_active is False

        with FakeEFundPay() as fake:
            fake.fail_next(503, operation="subscriptions.status", apply=True)
            ...

    With ``sample_data`` (the default) it holds the ids the SDK's docs use:
    ``cus_123`` (active, card bound, monthly ``recurringPayment``), ``cus_tokenized`` (no
    ``recurringPayment``), and the active subscriptions ``sub_123``, ``sub_456`` and
    ``sub_1234567890abcdef``, shaped like the docs' example (``SAMPLE_CUSTOMERS`` and
    ``SAMPLE_SUBSCRIPTIONS`` list them).  ``legacy_v3``
    renders v3 customers as older docs show them: ``isActive`` a string ``"true"``/``"false"``
    and ``recurringTarget`` a number.  ``clock`` replaces the fake's notion of now.

    ``strict_auth=True`` (or a :class:`~efundpay.testing.StrictAuth`) makes it check
    credentials as eFundPay's vendors document them: v3 access tokens from ``/v1/token`` and
    signed requests, v4 JWTs (needs the ``signing`` extra; see :attr:`token_url`,
    :meth:`strict_env`); its checks keep real time shifted by :attr:`clock_skew`, not
    ``clock``.  ``honour_idempotency_keys=False`` ignores v4 ``idempotency-key``
    headers, as an API that does not support them would.
    """

    def __init__(
        self,
        *,
        api_key: str = "sk_test_fake",
        merchant_account_id: str = "acct_fake",
        host: str = "127.0.0.1",
        port: int = 0,
        sample_data: bool = True,
        legacy_v3: bool = False,
        clock: Callable[[], datetime] | None = None,
        strict_auth: StrictAuth | bool = False,
        honour_idempotency_keys: bool = True,
    ) -> None:
        self._api_key = api_key
        self._merchant_account_id = merchant_account_id
        self._host = host
        self._port = port
        self.legacy_v3 = legacy_v3
        self._state = FakeState(merchant_account_id=merchant_account_id, clock=clock or utc_now)
        self._faults = FaultQueue()
        self._log = RequestLog()
        settings = StrictAuth() if strict_auth is True else strict_auth or None
        self._strict = None if settings is None else StrictAuthState(settings, api_key=api_key)
        self._handler = FakeHandler(
            state=self._state,
            faults=self._faults,
            log=self._log,
            idempotency=IdempotencyStore(),
            api_key=api_key,
            merchant_account_id=merchant_account_id,
            legacy_v3=legacy_v3,
            strict=self._strict,
            honour_idempotency_keys=honour_idempotency_keys,
        )
        self._loop_server: LoopServer | None = None
        self._background: BackgroundServer | None = None
        self._bound_port: int | None = None
        if sample_data:
            self._add_sample_data()

    def _add_sample_data(self) -> None:
        self.add_customer("cus_123")
        self.add_customer(
            "cus_tokenized",
            tokenized=True,
            email="token@example.com",
            product_name="Pay as you go",
            product_description="Tokenized card for one-off charges",
        )
        for subscription_id in SAMPLE_SUBSCRIPTIONS:
            self.add_subscription(subscription_id)

    # -- where it is -------------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The only API key this fake accepts (``Authorization: Bearer <api_key>``; with
        strict authentication, on v4 only if ``StrictAuth(accept_api_key=True)``)."""
        return self._api_key

    @property
    def merchant_account_id(self) -> str:
        """The merchant account v4 calls must name in ``x-merchant-account-id``."""
        return self._merchant_account_id

    @property
    def running(self) -> bool:
        """Whether the server is currently accepting connections."""
        return self._bound_port is not None

    @property
    def port(self) -> int:
        """The bound TCP port; ``RuntimeError`` when not running."""
        if self._bound_port is None:
            raise RuntimeError("FakeEFundPay is not running: use `with`, `async with` or start()")
        return self._bound_port

    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. ``"http://127.0.0.1:54321"``."""
        # A wildcard bind is reached through loopback (which the SDK accepts over http).
        host = "127.0.0.1" if self._host in ("", "0.0.0.0") else self._host  # noqa: S104
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def client_kwargs(self) -> ClientKwargs:
        """Keyword arguments that point an ``EFundPay``/``AsyncEFundPay`` at this fake.

        Example::

            client = EFundPay(**fake.client_kwargs())
        """
        return ClientKwargs(
            api_key=self._api_key,
            merchant_account_id=self._merchant_account_id,
            base_url=self.url,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve on a daemon thread with its own event loop; returns once it accepts.

        ``RuntimeError`` if already running.  Pair with :meth:`stop` (or use ``with``).
        """
        self._check_not_running()
        background = BackgroundServer(self._handler, self._host, self._port)
        self._bound_port = background.start_thread()
        self._background = background
        return self

    def stop(self) -> None:
        """Stop a threaded server and join its thread; a no-op when not running."""
        if self._loop_server is not None:
            raise RuntimeError("this fake runs on an event loop: use `await fake.astop()`")
        background, self._background = self._background, None
        self._bound_port = None
        if background is not None:
            background.stop()

    async def astart(self) -> Self:
        """Serve on the running event loop (what ``async with`` does)."""
        self._check_not_running()
        self._loop_server = await LoopServer.open(self._handler, self._host, self._port)
        self._bound_port = self._loop_server.port
        return self

    async def astop(self) -> None:
        """Stop the server, however it was started; a no-op when not running."""
        loop_server, self._loop_server = self._loop_server, None
        if loop_server is not None:
            self._bound_port = None
            await loop_server.close()
        elif self._background is not None:
            # Joining the server thread blocks; keep the caller's loop responsive meanwhile.
            await asyncio.to_thread(self.stop)

    def serve_forever(self, on_ready: Callable[[FakeEFundPay], None] | None = None) -> None:
        """Serve in the calling thread until Ctrl-C (or :meth:`stop` from another thread).

        Prints nothing; ``on_ready(fake)`` is called once the port is bound, e.g. to print
        :attr:`url`.  Returns normally after Ctrl-C, with the server closed::

            FakeEFundPay(port=8080).serve_forever(lambda fake: print(fake.url))
        """
        self._check_not_running()
        background = BackgroundServer(self._handler, self._host, self._port)
        self._background = background

        def ready(port: int) -> None:
            self._bound_port = port
            if on_ready is not None:
                on_ready(self)

        try:
            background.run_blocking(ready)
        finally:
            self._background = None
            self._bound_port = None

    def _check_not_running(self) -> None:
        if self._loop_server is not None or self._background is not None:
            raise RuntimeError("FakeEFundPay is already running")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.astop()

    # -- state -------------------------------------------------------------------------------

    def add_customer(
        self,
        customer_id: str | None = None,
        *,
        is_active: bool = True,
        card_bound: bool = True,
        tokenized: bool = False,
        **fields: Any,
    ) -> str:
        """Add a v3 customer and return its id (``cus_<hex>`` when not given).

        ``fields`` set any :class:`FakeCustomer` attribute: ``email="a@b.c"``,
        ``recurring_payment={"recurring_interval": "WEEKLY", "recurring_target": "3"}``,
        ``extra={"newField": 1}`` (raw keys added to the rendered item).  A customer with
        ``card_bound=False`` cannot be toggled (``400 CARD_NOT_BOUND``)::

            cid = fake.add_customer(is_active=False, card_bound=False)
        """
        return self._state.add_customer(
            customer_id,
            is_active=is_active,
            card_bound=card_bound,
            tokenized=tokenized,
            fields=fields,
        )

    def add_subscription(
        self, subscription_id: str | None = None, *, status: str = "active", **fields: Any
    ) -> str:
        """Add a v4 subscription (shaped like the docs' example) and return its id.

        ``status`` is any of ``active|paused|cancelled|past_due|failed``; ``fields`` set any
        :class:`FakeSubscription` attribute (``metadata={"plan": "gold"}``,
        ``plan={..., "interval": "week"}``, ``extra={"new_field": 1}``)::

            sid = fake.add_subscription(status="past_due")
        """
        return self._state.add_subscription(subscription_id, status=status, fields=fields)

    def seed(self, data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        """Add customers and subscriptions from JSON-shaped data; return their ids.

        Each entry is an id or an object of fields (what ``efundpay fake-server --seed-file``
        reads); a bad entry raises ``ValueError`` naming it, before anything is added::

            fake.seed({"customers": ["cus_a"],
                       "subscriptions": [{"id": "sub_a", "status": "paused"}]})
        """
        return apply_seed(self, data)

    @property
    def customer_ids(self) -> list[str]:
        """The ids of every customer, in the order they were added."""
        return self._state.ids()[0]

    @property
    def subscription_ids(self) -> list[str]:
        """The ids of every subscription, in the order they were added."""
        return self._state.ids()[1]

    def customer(self, customer_id: str) -> FakeCustomer:
        """A snapshot of a customer now (``.is_active``, ``.toggle_count``…); ``KeyError``
        when unknown."""
        return self._state.customer(customer_id)

    def subscription(self, subscription_id: str) -> FakeSubscription:
        """A snapshot of a subscription now (``.status``, ``.history``…); ``KeyError`` when
        unknown."""
        return self._state.subscription(subscription_id)

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request answered (or dropped) so far, oldest first (a copy).

        A request held by :meth:`delay_next` appears once it is answered.

        Example::

            assert [r.applied for r in fake.requests] == [True, False]
        """
        return self._log.snapshot()

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self._log.clear()

    @property
    def in_flight(self) -> int:
        """Requests received but not answered yet (e.g. held by :meth:`delay_next`)."""
        return self._log.in_flight

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until every request received has been answered and recorded.

        For a threaded fake (``with``/:meth:`start`); on a fake serving your event loop use
        :meth:`await_idle`.  ``TimeoutError`` after ``timeout`` seconds.  Read
        :attr:`requests` after it when a client gave up on held requests::

            fake.wait_idle()
            assert sum(r.applied for r in fake.requests) == 1
        """
        if self._loop_server is not None:
            raise RuntimeError("this fake serves an event loop: use `await fake.await_idle()`")
        if not self._log.wait_idle(timeout):
            raise TimeoutError(f"{self.in_flight} request(s) still in flight after {timeout}s")

    async def await_idle(self) -> None:
        """:meth:`wait_idle` for async code; works however the fake runs.

        Bound the wait the async way, e.g. ``with anyio.fail_after(5): await fake.await_idle()``.
        """
        # Polling, not an Event: the count changes on the server's loop, which may be this
        # loop (a blocking wait would stall it) or another thread's (an Event belongs to one).
        while self._log.in_flight:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
