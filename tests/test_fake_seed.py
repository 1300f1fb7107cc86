"""A fresh fake holds every id the docs use, and a fake is seeded from data or the command line.

The README, the docs and the CLI help send a newcomer to ``cus_123`` and ``sub_123``: those
ids must exist in a fresh ``FakeEFundPay`` and a fresh ``efundpay fake-server``.
"""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from efundpay import AsyncEFundPay
from efundpay.__main__ import main
from efundpay.cli._parser import build_parser
from efundpay.testing import SAMPLE_CUSTOMERS, SAMPLE_SUBSCRIPTIONS, FakeEFundPay
from tests.helpers import ctrl_c_reaches_children
from tests.test_cli_process import ROOT, TIMEOUT, environment

# Ids the docs use on purpose without the fake holding them, and why.
NOT_IN_THE_FAKE = {
    "sub_nope": "shows a 404",
    "sub_does_not_exist": "shows a 404",
    "cus_1": "a MockTransport example: no fake is involved",
    "cus_a": "created by a seed example",
    "cus_b": "created by a seed example",
    "sub_a": "created by a seed example",
    "sub_A": "a signed body in the notifications page's explanation of a refused form",
}
ID = re.compile(r"\b(?:cus|sub)_[A-Za-z0-9]+\b")


def all_help_texts() -> str:
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for sub in getattr(action, "choices", {}).values():
            texts.append(sub.format_help())
            texts.extend(
                nested.format_help()
                for nested_action in (sub._subparsers._group_actions if sub._subparsers else [])
                for nested in getattr(nested_action, "choices", {}).values()
            )
    return "\n".join(texts)


def test_every_id_in_the_readme_docs_and_cli_help_exists_in_a_fresh_fake() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    texts = {str(page.relative_to(ROOT)): page.read_text() for page in pages}
    texts["efundpay --help and every subcommand's --help"] = all_help_texts()
    fake = FakeEFundPay()
    known = set(fake.customer_ids) | set(fake.subscription_ids)

    missing = {
        (where, found)
        for where, text in texts.items()
        for found in ID.findall(text)
        if found not in known and found not in NOT_IN_THE_FAKE
    }

    assert missing == set()
    assert {"cus_123", "sub_123"} <= known  # what the README's quickstart uses


def test_sample_data_is_what_the_constants_list() -> None:
    fake = FakeEFundPay()
    assert fake.customer_ids == list(SAMPLE_CUSTOMERS)
    assert fake.subscription_ids == list(SAMPLE_SUBSCRIPTIONS)
    assert fake.customer("cus_tokenized").tokenized
    assert {fake.subscription(s).status for s in SAMPLE_SUBSCRIPTIONS} == {"active"}
    assert FakeEFundPay(sample_data=False).subscription_ids == []


def test_seed_adds_ids_and_objects_and_returns_their_ids() -> None:
    fake = FakeEFundPay(sample_data=False)

    customers, subscriptions = fake.seed(
        {
            "customers": ["cus_a", {"id": "cus_b", "is_active": False, "card_bound": False}, {}],
            "subscriptions": [{"id": "sub_a", "status": "paused", "metadata": {"plan": "gold"}}],
        }
    )

    assert customers[:2] == ["cus_a", "cus_b"] and customers[2].startswith("cus_")
    assert subscriptions == ["sub_a"]
    assert fake.customer_ids == customers
    assert fake.customer("cus_b").is_active is False
    assert fake.customer("cus_b").card_bound is False
    assert fake.subscription("sub_a").status == "paused"
    assert fake.subscription("sub_a").pause_collection is not None  # what paused implies
    assert dict(fake.subscription("sub_a").metadata) == {"plan": "gold"}


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ([], "a seed is a JSON object"),
        ({"customer": []}, "unknown seed key(s) ['customer']"),
        ({"customers": "cus_a"}, "customers must be a list"),
        ({"customers": [1]}, "customers[0] must be an id or an object, not int"),
        ({"customers": ["cus_a", {"is_active": "false"}]},
         "customers[1].is_active must be a JSON boolean"),
        ({"subscriptions": [{"id": "sub_a", "colour": "red"}]},
         "subscriptions[0]: unknown field 'colour'"),
        ({"subscriptions": [{"status": "frozen"}]}, "status must be one of"),
    ],
)  # fmt: skip
def test_a_bad_seed_is_refused_with_the_entry_and_field_named(seed: Any, message: str) -> None:
    fake = FakeEFundPay(sample_data=False)
    with pytest.raises(ValueError, match=re.escape(message)):
        fake.seed(seed)
    if "status" not in message:  # refused before anything was added
        assert fake.customer_ids == [] and fake.subscription_ids == []


def test_fake_server_refuses_a_broken_seed_file_before_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "seed.json"
    broken.write_text('{"customers": [')
    duplicate = tmp_path / "duplicate.json"
    duplicate.write_text('{"customers": ["cus_123"]}')

    assert main(["fake-server", "--port", "0", "--seed-file", str(broken)]) == 3
    assert main(["fake-server", "--port", "0", "--seed-file", str(duplicate)]) == 3
    assert main(["fake-server", "--port", "0", "--seed-file", str(tmp_path / "nope")]) == 3

    err = capsys.readouterr().err
    assert f"--seed-file: seed file {broken} is not JSON" in err
    assert "customer 'cus_123' already exists" in err
    assert "cannot read seed file" in err
    assert "Traceback" not in err


def test_fake_server_is_seeded_from_the_command_line(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"subscriptions": [{"id": "sub_paused", "status": "paused"}]}))
    command = [sys.executable, "-m", "efundpay", "fake-server", "--port", "0", "--json"]
    command += ["--customers", "3", "--subscriptions", "2", "--seed-file", str(seed)]
    with ctrl_c_reaches_children(), subprocess.Popen(
        command, cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
            assert ready, "fake-server printed nothing"
            announced = json.loads(process.stdout.readline())

            async def resume() -> str:
                async with AsyncEFundPay(
                    api_key="sk_test_fake", merchant_account_id="acct_fake",
                    base_url=announced["base_url"],
                ) as client:  # fmt: skip
                    return str((await client.subscriptions.resume("sub_paused")).status)

            assert anyio.run(resume) == "active"
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
    customers, subscriptions = announced["data"]["customers"], announced["data"]["subscriptions"]
    assert customers[:2] == list(SAMPLE_CUSTOMERS) and len(customers) == 5
    assert all(c.startswith("cus_") for c in customers)
    assert subscriptions[:3] == list(SAMPLE_SUBSCRIPTIONS) and len(subscriptions) == 6
    assert "sub_paused" in subscriptions
    assert process.returncode == 0
