"""Sensitive keys are recognised by one rule, whatever their spelling: in decoded JSON, in JSON
text that could not be parsed, in converter problems, in error bodies and in DEBUG logs.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import attrs
import pytest

import efundpay
from efundpay import HTTPResponse, models
from efundpay._redact import REDACTED, is_sensitive_key, redact_json, redact_text
from tests.helpers import mock_client, scripted

CODE = "8351"  # not card-number shaped, so only the key rule can hide it

SENSITIVE_SPELLINGS = [
    "security_code",
    "securityCode",
    "card_security_code",
    "cardSecurityCode",
    "cvv",
    "CVV",
    "cvv2",
    "cvc2",
    "cardCvv",
    "card-cvc",
    "cvn",
    "card_number",
    "cardNumber",
    "CARD-NUMBER",
    "primary_pan",
    "cardPAN",
    "pan",
    "clientKey",
    "client_secret",
    "api-key",
    "expiration_date",
    "account_number",
    "Authorization",
]
ORDINARY = ["amount", "status", "span", "timespan", "company", "japan", "phone_number", "id"]


@pytest.mark.parametrize("key", SENSITIVE_SPELLINGS)
def test_every_spelling_of_a_sensitive_key_is_masked_in_decoded_json(key: str) -> None:
    assert redact_json({"card": {key: CODE}, "items": [{key: CODE}]}) == {
        "card": {key: REDACTED},
        "items": [{key: REDACTED}],
    }


@pytest.mark.parametrize("key", SENSITIVE_SPELLINGS)
def test_every_spelling_is_masked_in_json_text_that_cannot_be_parsed(key: str) -> None:
    cut_short = json.dumps({"card": {key: CODE, "brand": "visa"}})[:-3]
    assert CODE not in redact_text(cut_short)
    assert CODE not in redact_text(f'{{"{key}":{CODE}}}')


@pytest.mark.parametrize("key", SENSITIVE_SPELLINGS)
def test_every_spelling_is_masked_in_a_converter_problem(key: str) -> None:
    problem = f"item: 2 problems: item.extra.{key}: expected a string, got {CODE}; item.x: bad"
    assert CODE not in redact_text(problem)
    assert "item.x: bad" in redact_text(problem)


@pytest.mark.parametrize("key", ORDINARY)
def test_ordinary_keys_are_left_alone(key: str) -> None:
    assert not is_sensitive_key(key)
    assert redact_json({key: CODE}) == {key: CODE}
    assert redact_text(json.dumps({key: CODE})) == json.dumps({key: CODE})


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["cvv2", "cvc2", "cardCvv", "card_security_code"])
async def test_a_security_code_under_any_name_is_kept_out_of_errors_and_debug_logs(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="efundpay")
    body: dict[str, Any] = {"error": {"code": "card_declined", "message": "declined"}}
    body["payment_method"] = {"card": {key: CODE}}
    client, _ = mock_client(scripted(HTTPResponse.from_json(402, body)), max_retries=0)
    async with client:
        with pytest.raises(efundpay.APIStatusError) as raised:
            await client.subscriptions.pause("sub_1")
    error = raised.value
    assert "response body" in caplog.text
    for text in (str(error), repr(error), repr(vars(error)), caplog.text):
        assert CODE not in text


def _model_classes() -> list[type[Any]]:
    return [cls for name in models.__all__ if attrs.has(cls := getattr(models, name))]


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda cls: cls.__name__)
def test_a_model_field_with_a_sensitive_name_is_masked_in_its_repr(cls: type[Any]) -> None:
    # The models mark fields one by one; this holds them to the same rule as logs and errors.
    for field in attrs.fields(cls):
        if is_sensitive_key(field.name) or is_sensitive_key(field.alias or ""):
            assert callable(field.repr), f"{cls.__name__}.{field.name} is shown in repr"
