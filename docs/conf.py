"""Sphinx configuration for the efundpay docs (built by ``nox -s docs`` with ``-W``).

Every code example is a doctest.  Before each page's examples run, ``doctest_global_setup``
starts a :class:`~efundpay.testing.FakeEFundPay` on its own thread and points the
``EFUNDPAY_*`` environment variables at it, so the examples read exactly as they would
against eFundPay (credentials from the environment) while touching nothing but loopback.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import efundpay

project = "efundpay"
author = "efundpay developers"
copyright = "efundpay developers"
release = efundpay.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
root_doc = "index"

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"efundpay {release}"
pygments_style = "default"

# -- API reference ---------------------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections become fields, not duplicate attribute entries next to autodoc's.
napoleon_use_ivar = True

# -- doctests ----------------------------------------------------------------------------------

# Not Sphinx's default, which also ignores exception details: an error message shown in the
# docs is an error message the SDK really raises.
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1

# Where examples/ is, for pages whose doctests use the code they include from there.
_EXAMPLES = str(Path(__file__).resolve().parents[1] / "examples")

doctest_global_setup = (
    f"EXAMPLES = {_EXAMPLES!r}\n"
    + """
import os as _os
from efundpay.testing import FakeEFundPay as _Fake

_saved_env = {name: _os.environ.get(name) for name in (
    "EFUNDPAY_API_KEY", "EFUNDPAY_MERCHANT_ACCOUNT_ID", "EFUNDPAY_BASE_URL",
    "EFUNDPAY_ENVIRONMENT",
)}
docs_fake = _Fake().start()  # its sample data has every id the pages use: cus_123, sub_123...
_os.environ.update(
    EFUNDPAY_API_KEY=docs_fake.api_key,
    EFUNDPAY_MERCHANT_ACCOUNT_ID=docs_fake.merchant_account_id,
    EFUNDPAY_BASE_URL=docs_fake.url,
)
_os.environ.pop("EFUNDPAY_ENVIRONMENT", None)
"""
)

doctest_global_cleanup = """
docs_fake.stop()
for _name, _value in _saved_env.items():
    if _value is None:
        _os.environ.pop(_name, None)
    else:
        _os.environ[_name] = _value
"""
