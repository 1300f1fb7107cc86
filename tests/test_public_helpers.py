"""The SDK's rules, public: one idempotency-key maker, the argument rules, redaction, and the
seed-file reader, each the very code the SDK (and its command line) runs, and documented."""

from __future__ import annotations

import inspect
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import efundpay
from efundpay import HTTPResponse, _request, redaction, testing, validation
from efundpay.__main__ import main
from efundpay.settings import Secret
from efundpay.testing import FakeEFundPay, read_seed_file
from tests.helpers import SEED_SUBSCRIPTION, mock_client, point_environment_at, scripted

DOCS = Path(__file__).resolve().parents[1] / "docs"

PUBLIC_HELPERS: list[tuple[str, Any]] = [
    ("efundpay.new_idempotency_key", efundpay.new_idempotency_key),
    ("efundpay.testing.read_seed_file", testing.read_seed_file),
    *((f"efundpay.redaction.{name}", getattr(redaction, name)) for name in redaction.__all__),
    *((f"efundpay.validation.{name}", getattr(validation, name)) for name in validation.__all__),
]


@pytest.mark.parametrize(("name", "obj"), PUBLIC_HELPERS, ids=[n for n, _ in PUBLIC_HELPERS])
def test_every_public_helper_is_exported_and_in_the_api_reference(name: str, obj: Any) -> None:
    module, _, attribute = name.rpartition(".")
    assert attribute in __import__(module, fromlist=["_"]).__all__
    reference = (DOCS / "reference.md").read_text(encoding="utf-8")
    if inspect.isfunction(obj):
        assert obj.__doc__, name
        assert re.search(rf"auto\w+:: {re.escape(name)}$", reference, re.MULTILINE), name
    else:  # a constant or type alias: described in the module's own docstring
        assert f"``{attribute}``" in (__import__(module, fromlist=["_"]).__doc__ or "")


# -- one idempotency-key maker ---------------------------------------------------------------


def test_the_public_key_maker_is_the_one_the_sdk_calls() -> None:
    assert efundpay.new_idempotency_key is _request.new_idempotency_key
    keys = {efundpay.new_idempotency_key() for _ in range(100)}
    assert len(keys) == 100
    assert {uuid.UUID(key).version for key in keys} == {4}


@pytest.fixture
def fixed_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The SDK's maker hands out this one key each time (its store of ready keys never
    empties); returns it."""
    key = _request._uuid4_text(bytes(range(16)))

    class Always(deque[str]):
        def popleft(self) -> str:
            return key

    monkeypatch.setattr(_request, "_KEYS", Always())
    assert efundpay.new_idempotency_key() == key
    return key


@pytest.mark.anyio
async def test_a_call_without_a_key_sends_one_from_the_public_maker(fixed_key: str) -> None:
    client, transport = mock_client(scripted(HTTPResponse.from_json(200, SEED_SUBSCRIPTION)))
    async with client:
        response = await client.subscriptions.with_raw_response.pause("sub_1")
    assert response.idempotency_key == fixed_key
    assert transport.requests[0].headers["idempotency-key"] == fixed_key


@pytest.fixture
def threaded_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEFundPay]:
    with FakeEFundPay() as running:
        point_environment_at(running, monkeypatch)
        yield running


def test_a_bulk_run_stores_keys_made_by_the_sdks_maker(
    threaded_fake: FakeEFundPay, fixed_key: str, tmp_path: Path
) -> None:
    subscription_id = threaded_fake.add_subscription()
    source = tmp_path / "ids.csv"
    source.write_text(subscription_id + "\n")
    results = tmp_path / "results.csv"
    argv = ["subscriptions", "pause", "--from-file", str(source), "--results", str(results)]
    assert main(argv) == 0
    assert fixed_key in results.read_text()
    assert [r.headers["idempotency-key"] for r in threaded_fake.requests] == [fixed_key]


# -- the argument rules are the operations' own ----------------------------------------------

BAD_VALUES: list[tuple[Callable[[], object], str, Callable[[Any], object]]] = [
    (lambda: validation.check_id("  ", "subscription_id"), "id", lambda c: c.pause("  ")),
    (lambda: validation.check_id(7, "subscription_id"), "id", lambda c: c.pause(7)),
    (
        lambda: validation.check_reason("x" * 256),
        "reason",
        lambda c: c.pause("sub_1", reason="x" * 256),
    ),
    (
        lambda: validation.check_idempotency_key("a b"),
        "key",
        lambda c: c.pause("sub_1", idempotency_key="a b"),
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("check", "what", "call"), BAD_VALUES, ids=[w for _, w, _ in BAD_VALUES])
async def test_a_public_check_raises_what_the_operation_raises(
    check: Callable[[], object], what: str, call: Callable[[Any], Any]
) -> None:
    client, transport = mock_client(scripted())
    async with client:
        with pytest.raises((TypeError, ValueError)) as from_call:
            await call(client.subscriptions)
    with pytest.raises((TypeError, ValueError)) as from_check:
        check()
    assert (type(from_check.value), str(from_check.value)) == (
        type(from_call.value),
        str(from_call.value),
    )
    assert transport.requests == []


def test_a_public_check_returns_the_value_as_sent() -> None:
    assert validation.check_id("sub_1") == "sub_1"
    assert validation.check_reason(None) is None
    assert validation.check_idempotency_key("order-42") == "order-42"


# -- redaction --------------------------------------------------------------------------------


def test_remove_secrets_removes_those_given_and_nothing_else() -> None:
    text = "key sk_live_abc and cs_x9 for 4242 4242 4242 4242, key 1234-5678"
    cleaned = redaction.remove_secrets(text, ("cs_x9", Secret("sk_live_abc"), ""))
    assert cleaned == "key [REDACTED] and [REDACTED] for 4242 4242 4242 4242, key 1234-5678"
    assert redaction.redact_text(text, ("cs_x9",)).endswith("************4242, key 1234-5678")


def test_the_command_line_notes_go_through_remove_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from efundpay.cli._output import Output  # noqa: PLC0415

    seen: list[str] = []
    real = redaction.remove_secrets

    def spy(text: str, secrets: redaction.Secrets) -> str:
        seen.append(text)
        return real(text, secrets)

    monkeypatch.setattr("efundpay.cli._output.remove_secrets", spy)
    Output(json_mode=False, secrets=(Secret("sk_test_note"),)).note("with sk_test_note")
    assert seen == ["with sk_test_note"]
    assert capsys.readouterr().err == "with [REDACTED]\n"


# -- the seed-file reader ---------------------------------------------------------------------


def test_read_seed_file_feeds_seed_and_says_where_a_file_is_broken(tmp_path: Path) -> None:
    good = tmp_path / "seed.json"
    good.write_text('{"customers": ["cus_a"], "subscriptions": [{"id": "sub_a"}]}')
    with FakeEFundPay(sample_data=False) as fake:
        assert fake.seed(read_seed_file(good)) == (["cus_a"], ["sub_a"])
    broken = tmp_path / "broken.json"
    # A missing comma: every supported Python's parser reports it at the same place (a
    # trailing comma is found one line earlier from 3.13 on).
    broken.write_text('{"customers": [\n  "cus_a"\n  "cus_b"]}')
    with pytest.raises(ValueError, match=r"is not JSON: .* \(line 3, column 3\)"):
        read_seed_file(broken)
    with pytest.raises(ValueError, match="cannot read seed file"):
        read_seed_file(tmp_path / "missing.json")
