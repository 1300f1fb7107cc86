"""Settings of the example project: just enough Django to serve the views in ``views.py``.

The eFundPay credentials are not Django settings: the clients read ``EFUNDPAY_API_KEY`` and
``EFUNDPAY_MERCHANT_ACCOUNT_ID`` from the environment, like every other process that uses
the SDK.
"""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "shop.urls"
INSTALLED_APPS: list[str] = []
# An API-only example: no sessions, no CSRF (add your usual middleware and authentication).
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
