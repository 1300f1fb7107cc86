"""The WSGI entry point (gunicorn, uWSGI, mod_wsgi): sync views with the sync client."""

import os

from django.core.wsgi import get_wsgi_application  # type: ignore[import-untyped]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

application = get_wsgi_application()
