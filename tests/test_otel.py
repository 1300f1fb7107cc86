"""efundpay.otel: one span per call, one child span per attempt, and nothing secret in them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import efundpay.otel
from efundpay import APIConnectionError, InternalServerError, RateLimitError, TransportError
from efundpay._instrumentation import active
from tests.helpers import API_KEY, mock_client, ok_customer, ok_subscription, scripted

pytestmark = pytest.mark.anyio

FAILED_503 = efundpay.HTTPResponse.from_json(
    503, {"code": "UNAVAILABLE"}, headers={"x-request-id": "req_1"}
)


@pytest.fixture
def provider() -> Iterator[TracerProvider]:
    provider = TracerProvider()
    yield provider
    provider.shutdown()


@pytest.fixture
def exporter(provider: TracerProvider) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    efundpay.otel.instrument(tracer_provider=provider)
    yield exporter
    efundpay.otel.uninstrument()


def spans_by_kind(exporter: InMemorySpanExporter) -> tuple[ReadableSpan, list[ReadableSpan]]:
    spans = exporter.get_finished_spans()
    (call,) = [span for span in spans if span.kind is SpanKind.INTERNAL]
    attempts = [span for span in spans if span.kind is SpanKind.CLIENT]
    return call, attempts


async def test_a_call_is_one_span_with_a_child_span_per_attempt(
    exporter: InMemorySpanExporter,
) -> None:
    answer = ok_subscription(status="paused")
    answer = efundpay.HTTPResponse(200, {**answer.headers, "x-request-id": "req_2"}, answer.content)
    client, _ = mock_client(scripted(FAILED_503, answer))
    async with client:
        await client.subscriptions.pause("sub_1", idempotency_key="key-1")

    call, attempts = spans_by_kind(exporter)
    assert call.name == "efundpay subscriptions.pause"
    assert call.attributes is not None
    assert call.attributes["efundpay.operation"] == "subscriptions.pause"
    assert call.attributes["efundpay.idempotency_key"] == "key-1"
    assert call.attributes["efundpay.attempts"] == 2
    assert call.attributes["http.response.status_code"] == 200
    assert call.attributes["efundpay.request_id"] == "req_2"
    assert call.status.status_code is StatusCode.UNSET

    assert [span.attributes and span.attributes["efundpay.attempt"] for span in attempts] == [1, 2]
    assert [span.parent and span.parent.span_id for span in attempts] == [
        call.context.span_id,
        call.context.span_id,
    ]
    first, second = (dict(span.attributes or {}) for span in attempts)
    assert first["http.response.status_code"] == 503
    assert first["efundpay.request_id"] == "req_1"
    assert first["error.type"] == "503"
    assert first["efundpay.idempotency_key"] == "key-1"
    assert attempts[0].status.status_code is StatusCode.ERROR
    assert second["http.response.status_code"] == 200
    assert second["http.request.method"] == "POST"
    assert second["server.address"] == "sandbox.efundpay.com"
    assert "error.type" not in second


async def test_a_failed_call_span_says_whether_the_outcome_is_unknown(
    exporter: InMemorySpanExporter,
) -> None:
    client, _ = mock_client(scripted(FAILED_503, FAILED_503, FAILED_503))
    async with client:
        with pytest.raises(InternalServerError):
            await client.subscriptions.cancel("sub_1")

    call, attempts = spans_by_kind(exporter)
    assert len(attempts) == 3
    assert call.status.status_code is StatusCode.ERROR
    assert call.attributes is not None
    assert call.attributes["error.type"] == "InternalServerError"
    assert call.attributes["efundpay.outcome_unknown"] is True
    assert call.attributes["efundpay.error.code"] == "UNAVAILABLE"
    assert [event.name for event in call.events] == ["exception"]


async def test_a_toggle_rejected_by_the_v3_envelope_is_a_failed_call_on_an_ok_attempt(
    exporter: InMemorySpanExporter,
) -> None:
    limited = efundpay.HTTPResponse.from_json(
        200, {"item": None, "code": "EXCEEDED_LIMIT", "error": {"message": "slow down"}}
    )
    client, _ = mock_client(scripted(limited), max_retries=0)
    async with client:
        with pytest.raises(RateLimitError):
            await client.customers.toggle("cus_1")

    call, (attempt,) = spans_by_kind(exporter)
    assert call.attributes is not None
    assert call.attributes["efundpay.outcome_unknown"] is False
    assert "efundpay.idempotency_key" not in call.attributes
    assert attempt.attributes is not None
    assert attempt.attributes["http.response.status_code"] == 200


async def test_a_transport_failure_is_named_on_the_attempt_span(
    exporter: InMemorySpanExporter,
) -> None:
    refused = TransportError("cannot connect", request_sent=False)
    client, _ = mock_client(scripted(refused, ok_customer()))
    async with client:
        await client.customers.toggle("cus_1")

    _, (failed, succeeded) = spans_by_kind(exporter)
    assert failed.attributes is not None
    assert failed.attributes["error.type"] == "TransportError"
    assert failed.attributes["efundpay.request_sent"] is False
    assert failed.status.status_code is StatusCode.ERROR
    assert succeeded.status.status_code is StatusCode.UNSET


async def test_spans_never_contain_the_api_key_or_card_data(
    exporter: InMemorySpanExporter,
) -> None:
    echo = efundpay.HTTPResponse.from_json(401, {"message": f"bad key {API_KEY} 4111111111111111"})
    client, _ = mock_client(
        scripted(ok_subscription(), echo, TransportError("reset", request_sent=True))
    )
    async with client:
        await client.subscriptions.pause("sub_1")
        with pytest.raises(efundpay.AuthenticationError):
            await client.subscriptions.resume("sub_1")
        with pytest.raises(APIConnectionError):
            await client.customers.toggle("cus_1")

    recorded = repr(
        [
            (
                span.name,
                span.attributes,
                span.status.description,
                [e.attributes for e in span.events],
            )
            for span in exporter.get_finished_spans()
        ]
    )
    assert API_KEY not in recorded
    assert "4111111111111111" not in recorded
    assert "Bearer" not in recorded


def test_a_sync_call_is_a_child_of_the_span_current_in_the_calling_thread(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    tracer = provider.get_tracer("app")
    transport = efundpay.MockTransport(scripted(ok_customer()))
    with (
        efundpay.EFundPay(api_key=API_KEY, merchant_account_id="acct_1", transport=transport) as c,
        tracer.start_as_current_span("handle request") as parent,
    ):
        c.customers.toggle("cus_1")

    call = next(s for s in exporter.get_finished_spans() if s.name == "efundpay customers.toggle")
    assert call.parent is not None
    assert call.parent.span_id == parent.get_span_context().span_id


async def test_uninstrument_stops_the_spans(exporter: InMemorySpanExporter) -> None:
    efundpay.otel.uninstrument()
    assert not efundpay.otel.is_instrumented()
    assert active() is None
    client, _ = mock_client(scripted(ok_customer()))
    async with client:
        await client.customers.toggle("cus_1")
    assert exporter.get_finished_spans() == ()


def test_importing_efundpay_imports_nothing_from_opentelemetry() -> None:
    # A fresh interpreter: this test process has imported efundpay.otel already.
    code = (
        "import sys, efundpay, efundpay.testing\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'opentelemetry')\n"
        "assert not loaded, loaded\n"
        "assert efundpay._instrumentation.active() is None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
