"""``efundpay demo`` shows authentication as the real services require, and runs without it.

Run as a user runs it: a separate process.  Without the signing extra (its modules blocked
in the child), the demo still succeeds with the bearer tour and names the extra.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BLOCK_SIGNING = (
    "import sys; sys.modules['cryptography'] = None; sys.modules['jwt'] = None; "
    "from efundpay.__main__ import main; sys.argv[0] = 'efundpay'; sys.exit(main())"
)


def demo(*args: str, block_signing: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EFUNDPAY_")}
    start = ["-c", BLOCK_SIGNING] if block_signing else ["-m", "efundpay"]
    return subprocess.run(
        [sys.executable, *start, "demo", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_demo_signs_v3_and_sends_v4_jwts_to_a_strict_fake() -> None:
    result = demo("--json")
    assert result.returncode == 0, result.stderr
    facts: dict[str, Any] = json.loads(result.stdout)
    auth = facts["authentication"]
    assert auth["mode"] == "signed"
    assert auth["v3_token_fetches"] == 1  # two toggles, one token
    assert auth["rejections"] == {}
    assert auth["jwt_header"]["alg"] == "RS512" and auth["jwt_header"]["kid"]
    claims = auth["jwt_claims"]
    assert claims["scopes"] == ["subscriptions.write"]
    assert claims["nbf"] == claims["iat"] - 60 and claims["exp"] == claims["iat"] + 3600
    assert [step["operation"] for step in facts["steps"]].count("customers.toggle") == 2


def test_the_demo_text_shows_no_secret() -> None:
    result = demo()
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "token fetched once" in out and "verified by the fake" in out
    assert '"alg": "RS512"' in out
    for secret in ("fake_secret_", "PRIVATE KEY", "Bearer ", "sk_test_fake"):
        assert secret not in out + result.stderr
    # No whole JWT: three base64url segments joined by dots.
    for word in out.split():
        parts = word.strip('",').split(".")
        if len(parts) == 3 and all(len(p) > 10 for p in parts):
            base64.urlsafe_b64decode(parts[0] + "==")  # would be a JWT header
            raise AssertionError(f"a JWT was printed: {word[:20]}…")


def test_without_the_signing_extra_the_demo_runs_the_bearer_tour_and_names_the_extra() -> None:
    result = demo(block_signing=True)
    assert result.returncode == 0, result.stderr
    assert 'pip install "efundpay[signing]"' in result.stdout
    assert "subscriptions.cancel" in result.stdout
    data = json.loads(demo("--json", block_signing=True).stdout)
    assert data["authentication"] == {"mode": "bearer"}
