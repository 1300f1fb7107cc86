"""Where ``efundpay fake-server --strict-auth`` puts its throwaway credentials.

The private keys and an env file holding every setting a client needs (the client secret
too) are written owner-only to ``--key-dir`` or to a temporary directory removed when the
server stops.  The server prints the settings that are not secret and the paths, never a
secret: the SDK's habit, kept even for a test server's throwaway keys.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ..testing import FakeEFundPay

__all__ = ["ENV_FILE_NAME", "SECRET_VARIABLES", "key_directory", "write_client_env"]

ENV_FILE_NAME: Final = "efundpay-fake.env"
#: Settings written to the env file only, never printed.
SECRET_VARIABLES: Final = frozenset(
    {"EFUNDPAY_V3_CLIENT_SECRET", "EFUNDPAY_V3_PRIVATE_KEY", "EFUNDPAY_PRIVATE_KEY"}
)


@contextlib.contextmanager
def key_directory(given: str | None) -> Iterator[Path]:
    """``given`` (created if needed, kept), or a private temporary directory removed after."""
    if given is not None:
        path = Path(given)
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        yield path
        return
    temporary = Path(tempfile.mkdtemp(prefix="efundpay-fake-keys-"))  # mode 0700
    try:
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def write_client_env(fake: FakeEFundPay, directory: Path) -> tuple[dict[str, str], Path]:
    """Write the keys and the env file; return the settings safe to print and the file."""
    env = fake.strict_env(directory)
    env_file = directory / ENV_FILE_NAME
    lines = [f"export {name}={shlex.quote(value)}\n" for name, value in env.items()]
    # Created owner-only from the start: the client secret is never readable by others.
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.writelines(lines)
    shown = {name: value for name, value in env.items() if name not in SECRET_VARIABLES}
    return shown, env_file
