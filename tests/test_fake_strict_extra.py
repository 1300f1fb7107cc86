"""Strict authentication needs the ``signing`` extra; a plain fake does not import it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WITHOUT_THE_EXTRA = textwrap.dedent(
    """
    import sys, urllib.request
    sys.modules["cryptography"] = None   # as if efundpay[signing] were not installed
    sys.modules["jwt"] = None
    from efundpay import ConfigurationError
    from efundpay.testing import FakeEFundPay

    with FakeEFundPay() as fake:
        request = urllib.request.Request(
            fake.url + "/v3/recurring-payment/cus_123/toggle", method="POST",
            headers={"Authorization": "Bearer " + fake.api_key})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    try:
        FakeEFundPay(strict_auth=True)
    except ConfigurationError as exc:
        print("refused:", exc)
    """
)


def test_a_plain_fake_runs_without_the_signing_extra_and_a_strict_one_names_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_EXTRA],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused: ")
    assert 'pip install "efundpay[signing]"' in result.stdout
