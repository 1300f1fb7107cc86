"""The ``efundpay`` pytest plugin: its fixtures start, configure, hand over and clean up.

Each test runs a small test file through ``pytester`` in this process, exactly as a user's
suite would use the plugin.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from types import TracebackType
from typing import Any

import pytest

import efundpay

pytest_plugins = ["pytester"]


def plugin_args() -> list[str]:
    """What a pytest run inside this suite needs for the efundpay plugin and nothing more.

    An installed package registers the plugin through its entry point; naming it again with
    ``-p`` would register it twice.  From a source checkout it must be named.
    """
    installed = any(ep.name == "efundpay" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "efundpay.testing.pytest_plugin"]


def run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    """Run ``source`` as a test file with the plugin active and warnings as errors."""
    pytester.makepyfile(source)
    # Hypothesis' plugin is not needed inside and costs seconds of start-up per run;
    # pytest-asyncio, when installed, would want settings of its own (test_plugin_event_loops).
    options = ["-p", "no:hypothesispytest", "-p", "no:asyncio", "-p", "no:cacheprovider"]
    return pytester.runpytest_inprocess(
        *plugin_args(), *options, "-W", "error", "-q", "--strict-markers"
    )


def test_efundpay_fake_is_a_running_threaded_fake_with_sample_data_stopped_after(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        FAKES = []

        def test_uses_the_fake(efundpay_fake):
            assert efundpay_fake.running
            assert efundpay_fake.url.startswith("http://127.0.0.1:")
            assert efundpay_fake.customer("cus_123").is_active
            assert efundpay_fake.subscription("sub_1234567890abcdef").status == "active"
            FAKES.append(efundpay_fake)

        def test_each_test_gets_a_fresh_fake(efundpay_fake):
            assert efundpay_fake is not FAKES[0]

        def test_the_fake_was_stopped_after_its_test():
            assert FAKES[0].running is False
        """,
    )

    result.assert_outcomes(passed=3)


def test_the_efundpay_fake_marker_passes_options(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.efundpay_fake(legacy_v3=True, sample_data=False, api_key="sk_test_x")
        def test_configured(efundpay_fake):
            assert efundpay_fake.legacy_v3 is True
            assert efundpay_fake.api_key == "sk_test_x"
            with pytest.raises(KeyError):
                efundpay_fake.customer("cus_123")
        """,
    )

    result.assert_outcomes(passed=1)


class RecordingClient:
    """Stands in for the SDK's clients: records how a fixture built, entered and closed it."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.entered = False
        self.closed = False

    def __enter__(self) -> RecordingClient:
        self.entered = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closed = True

    async def __aenter__(self) -> RecordingClient:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.closed = True


def test_client_fixtures_point_at_the_fake_and_close_after_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(efundpay, "EFundPay", RecordingClient, raising=False)
    monkeypatch.setattr(efundpay, "AsyncEFundPay", RecordingClient, raising=False)

    result = run(
        pytester,
        """
        import pytest

        CLIENTS = []

        def test_sync(efundpay_client, efundpay_fake):
            assert efundpay_client.entered
            assert efundpay_client.kwargs == efundpay_fake.client_kwargs()
            CLIENTS.append(efundpay_client)

        @pytest.mark.anyio
        async def test_async(async_efundpay_client, efundpay_fake):
            assert async_efundpay_client.entered
            assert async_efundpay_client.kwargs == efundpay_fake.client_kwargs()
            CLIENTS.append(async_efundpay_client)

        def test_both_were_closed():
            assert [client.closed for client in CLIENTS] == [True, True]
        """,
    )

    result.assert_outcomes(passed=3)


@pytest.mark.skipif(
    not hasattr(efundpay, "EFundPay") or not hasattr(efundpay, "AsyncEFundPay"),
    reason="the SDK's clients are not written yet",
)
def test_the_real_clients_work_through_the_fixtures(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        def test_sync_toggle(efundpay_client, efundpay_fake):
            assert efundpay_client.customers.toggle("cus_123").is_active is False
            assert efundpay_fake.customer("cus_123").toggle_count == 1

        @pytest.mark.anyio
        async def test_async_pause(async_efundpay_client, efundpay_fake):
            sub = await async_efundpay_client.subscriptions.pause("sub_1234567890abcdef")
            assert sub.status == "paused"
            assert efundpay_fake.subscription("sub_1234567890abcdef").status == "paused"
        """,
    )

    result.assert_outcomes(passed=2)
