"""The SDK's settings as the environment gives them: the variable names, and the rules that
turn variables into credentials.

``AsyncEFundPay()`` and ``EFundPay()`` read these variables themselves; this module is for
programs that speak of them (a command line's help, a deployment check) or that hold the
settings in another mapping than ``os.environ`` (a secrets manager, command-line flags)::

    from efundpay import AsyncEFundPay
    from efundpay.settings import ENV_JWT_KEY_ID, ENV_PRIVATE_KEY_FILE, auth_from_env

    auth = auth_from_env({ENV_JWT_KEY_ID: "key_1", ENV_PRIVATE_KEY_FILE: "jwt.pem"})
    client = AsyncEFundPay(merchant_account_id="acct_1", auth=auth)

Names: ``ENV_API_KEY`` (``EFUNDPAY_API_KEY``), ``ENV_MERCHANT_ACCOUNT_ID``,
``ENV_ENVIRONMENT``, ``ENV_BASE_URL``, ``ENV_V3_BASE_URL``, ``ENV_V3_ROUTE`` (one of
:data:`V3_ROUTES`), ``ENV_JWT_KEY_ID``, ``ENV_PRIVATE_KEY_FILE``, ``ENV_PRIVATE_KEY``,
``ENV_V3_CLIENT_ID``, ``ENV_V3_CLIENT_SECRET``, ``ENV_V3_PRIVATE_KEY_FILE``,
``ENV_V3_PRIVATE_KEY``, ``ENV_V3_TOKEN_URL``.  :func:`is_loopback` is the rule for the
hosts that may be reached over plain ``http://`` (a local fake).  :class:`Secret` holds a
credential so that no ``repr``, log line or traceback shows it; every keyword that takes a
credential accepts one.
"""

from ._config import (
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_ENVIRONMENT,
    ENV_MERCHANT_ACCOUNT_ID,
    ENV_V3_BASE_URL,
    ENV_V3_ROUTE,
    V3_ROUTES,
)
from ._env_auth import (
    ENV_JWT_KEY_ID,
    ENV_PRIVATE_KEY,
    ENV_PRIVATE_KEY_FILE,
    ENV_V3_CLIENT_ID,
    ENV_V3_CLIENT_SECRET,
    ENV_V3_PRIVATE_KEY,
    ENV_V3_PRIVATE_KEY_FILE,
    ENV_V3_TOKEN_URL,
    auth_from_env,
    v3_auth_from_env,
)
from ._secret import Secret, SecretMapping
from ._urls import is_loopback

__all__ = [
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_ENVIRONMENT",
    "ENV_JWT_KEY_ID",
    "ENV_MERCHANT_ACCOUNT_ID",
    "ENV_PRIVATE_KEY",
    "ENV_PRIVATE_KEY_FILE",
    "ENV_V3_BASE_URL",
    "ENV_V3_CLIENT_ID",
    "ENV_V3_CLIENT_SECRET",
    "ENV_V3_PRIVATE_KEY",
    "ENV_V3_PRIVATE_KEY_FILE",
    "ENV_V3_ROUTE",
    "ENV_V3_TOKEN_URL",
    "V3_ROUTES",
    "Secret",
    "SecretMapping",
    "auth_from_env",
    "is_loopback",
    "v3_auth_from_env",
]
