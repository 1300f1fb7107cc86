"""Reading failures: status classes, defensive error bodies, v3 envelopes, bad responses."""

from __future__ import annotations

from typing import Any

import pytest

import efundpay
from efundpay import HTTPResponse
from efundpay._redact import redact_text
from tests.helpers import API_KEY, envelope, mock_client, ok_subscription, scripted

pytestmark = pytest.mark.anyio


async def _pause_error(*answers: HTTPResponse, **options: Any) -> efundpay.APIError:
    client, _ = mock_client(scripted(*answers), max_retries=0, **options)
    async with client:
        with pytest.raises(efundpay.APIError) as raised:
            await client.subscriptions.pause("sub_1")
    return raised.value


async def _toggle_error(*answers: HTTPResponse) -> efundpay.APIError:
    client, _ = mock_client(scripted(*answers), max_retries=0)
    async with client:
        with pytest.raises(efundpay.APIError) as raised:
            await client.customers.toggle("cus_1")
    return raised.value


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, efundpay.BadRequestError),
        (401, efundpay.AuthenticationError),
        (403, efundpay.PermissionDeniedError),
        (404, efundpay.NotFoundError),
        (409, efundpay.ConflictError),
        (422, efundpay.UnprocessableEntityError),
        (429, efundpay.RateLimitError),
        (500, efundpay.InternalServerError),
        (503, efundpay.InternalServerError),
        (418, efundpay.APIStatusError),
    ],
)
async def test_the_http_status_picks_the_error_class(
    status: int, error_class: type[efundpay.APIStatusError]
) -> None:
    error = await _pause_error(HTTPResponse.from_json(status, {"message": "no"}))
    assert type(error) is error_class
    assert isinstance(error, efundpay.APIStatusError)
    assert error.status_code == status


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": "not_found", "message": "No such subscription", "debug": "d"}},
        {"code": "not_found", "message": "No such subscription", "debug": "d"},
        {"error": {"type": "not_found", "detail": "No such subscription"}, "debug": "d"},
        {"error_code": "not_found", "detail": "No such subscription", "debug": "d"},
        {"errors": [{"code": "not_found", "message": "No such subscription"}], "debug": "d"},
        {"status": "error", "code": "not_found", "reason": "No such subscription", "debug": "d"},
    ],
)
async def test_error_bodies_of_any_plausible_shape_are_read(body: dict[str, Any]) -> None:
    error = await _pause_error(HTTPResponse.from_json(404, body, headers={"x-request-id": "req_9"}))
    assert isinstance(error, efundpay.NotFoundError)
    assert error.code == "not_found"
    assert error.message == "No such subscription"
    assert error.debug == "d"
    assert error.request_id == "req_9"
    assert error.body == body
    assert str(error) == (
        "Not Found (404): not_found - No such subscription [subscriptions.pause, request_id=req_9]"
    )


async def test_an_error_without_a_message_is_described_by_its_status() -> None:
    error = await _pause_error(HTTPResponse.from_json(503, {}, headers={"request-id": "req_2"}))
    assert error.message == "Service Unavailable"
    assert isinstance(error, efundpay.APIStatusError)
    assert error.code is None
    assert error.request_id == "req_2"


async def test_a_plain_string_error_and_details_are_kept() -> None:
    body = {"error": "Subscription is locked", "details": [{"field": "status"}]}
    error = await _pause_error(HTTPResponse.from_json(409, body))
    assert isinstance(error, efundpay.ConflictError)
    assert "Subscription is locked" in str(error)
    assert error.details == [{"field": "status"}]


async def test_an_html_error_page_is_not_dumped_into_the_message() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 5000 + b"</body></html>"
    error = await _pause_error(HTTPResponse(502, {"Content-Type": "text/html"}, page))
    assert isinstance(error, efundpay.InternalServerError)
    assert "<html>" not in str(error)
    assert error.body == page.decode()
    assert len(str(error)) < 600


async def test_a_v3_envelope_error_with_http_200_is_an_api_status_error() -> None:
    body = envelope(
        None,
        "CARD_NOT_BOUND",
        {"code": "CARD_NOT_BOUND", "message": "bind first", "debug": "sandbox detail"},
    )
    error = await _toggle_error(HTTPResponse.from_json(200, body))
    assert type(error) is efundpay.APIStatusError
    assert error.status_code == 200
    assert error.code == "CARD_NOT_BOUND"
    assert error.debug == "sandbox detail"
    assert "bind first" in str(error)


async def test_exceeded_limit_is_a_rate_limit_error_even_with_http_200() -> None:
    error = await _toggle_error(
        HTTPResponse.from_json(200, envelope(None, "EXCEEDED_LIMIT", {"code": "EXCEEDED_LIMIT"}))
    )
    assert isinstance(error, efundpay.RateLimitError)


async def test_retry_after_is_exposed_on_the_error() -> None:
    error = await _pause_error(
        HTTPResponse.from_json(429, {"message": "slow down"}, headers={"Retry-After": "7"})
    )
    assert isinstance(error, efundpay.RateLimitError)
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (HTTPResponse(200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"), "not JSON"),
        (
            HTTPResponse(200, {"Content-Type": "application/json"}, b'{"id": "sub_1", "sta'),
            "not JSON",
        ),
        (HTTPResponse(200, {}, b""), "not JSON"),
        (HTTPResponse.from_json(200, [1, 2]), "JSON list"),
        (HTTPResponse.from_json(200, {"id": "sub_1", "status": 42}), "$.status: expected a string"),
        (HTTPResponse.from_json(200, {"status": "paused"}), "$.id: required field missing"),
    ],
)
async def test_a_success_that_is_not_what_the_docs_describe_is_a_validation_error(
    response: HTTPResponse, fragment: str
) -> None:
    error = await _pause_error(response)
    assert isinstance(error, efundpay.APIResponseValidationError)
    assert fragment in str(error)
    assert error.status_code == 200
    assert error.body == response.text


async def test_a_v3_envelope_without_code_or_item_is_a_validation_error() -> None:
    error = await _toggle_error(HTTPResponse.from_json(200, {"item": {"id": "c"}}))
    assert isinstance(error, efundpay.APIResponseValidationError)
    error = await _toggle_error(HTTPResponse.from_json(200, envelope(None)))
    assert isinstance(error, efundpay.APIResponseValidationError)
    assert "item" in str(error)


async def test_a_v3_field_error_names_the_wire_path() -> None:
    body = envelope({"id": "cus_1", "isActive": "maybe"})
    error = await _toggle_error(HTTPResponse.from_json(200, body))
    assert "item.isActive: expected a boolean" in str(error)


async def test_the_api_key_never_appears_in_exception_text_even_when_echoed() -> None:
    echoed = {
        "error": {
            "code": "unauthorized",
            "message": f"bad key {API_KEY}",
            "debug": f"key={API_KEY}",
        }
    }
    error = await _pause_error(HTTPResponse.from_json(401, echoed))
    assert isinstance(error, efundpay.AuthenticationError)
    for text in (str(error), repr(error), str(error.debug), str(error.body), str(error.args)):
        assert API_KEY not in text
    assert "[REDACTED]" in str(error)


async def test_a_card_number_in_a_bad_response_does_not_reach_the_message() -> None:
    # An id must be a string: a number there is a response the SDK refuses to read.
    body = {"id": 4111111111111111, "status": "paused"}
    error = await _pause_error(HTTPResponse.from_json(200, body))
    assert isinstance(error, efundpay.APIResponseValidationError)
    assert "4111111111111111" not in str(error)
    assert "1111" in str(error)


async def test_a_card_number_sent_as_a_json_number_is_kept_masked_and_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = {
        "id": "sub_1",
        "status": "paused",
        "payment_method": {"card": {"number": 4111111111111111}},
    }
    client, _ = mock_client(scripted(HTTPResponse.from_json(200, body)))
    async with client:
        with caplog.at_level("WARNING", logger="efundpay"):
            sub = await client.subscriptions.pause("sub_1")
    assert sub.payment_method is not None and sub.payment_method.card is not None
    assert sub.payment_method.card.number == "4111111111111111"
    assert "4111111111111111" not in repr(sub)
    assert "JSON int" in caplog.text
    assert "4111111111111111" not in caplog.text


async def test_errors_carry_the_request_and_the_idempotency_key() -> None:
    client, _ = mock_client(scripted(HTTPResponse.from_json(404, {})), max_retries=0)
    async with client:
        with pytest.raises(efundpay.NotFoundError) as raised:
            await client.subscriptions.cancel("sub_1", idempotency_key="k-1")
    error = raised.value
    assert error.idempotency_key == "k-1"
    assert error.method == "POST"
    assert error.url == "https://sandbox.efundpay.com/v4/subscriptions/sub_1/status"
    assert error.attempts == 1
    assert error.outcome_unknown is False


async def test_a_successful_call_after_errors_returns_the_model() -> None:
    client, transport = mock_client(
        scripted(HTTPResponse.from_json(503, {}), ok_subscription(status="active"))
    )
    async with client:
        sub = await client.subscriptions.resume("sub_1")
    assert sub.status == "active"
    assert len(transport.requests) == 2


def test_redaction_masks_card_numbers_but_not_decimal_numbers() -> None:
    text = redact_text("card 4111 1111 1111 1111, 4111111111111111. took 0.12345678901234567s")
    assert text == "card ************1111, ************1111. took 0.12345678901234567s"
