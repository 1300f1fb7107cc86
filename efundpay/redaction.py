"""Keeping secrets and card data out of what you log or show, by the rules the SDK applies
to its own errors, log lines and command-line output.

The SDK redacts everything it writes itself.  Use these for text of your own: a webhook
you log, a model you print, a message that quotes a response::

    from efundpay.redaction import redact_json, redact_text

    logger.info("webhook %s", redact_json(event.to_dict()))     # card data masked
    logger.warning("failed: %s", redact_text(message, secrets=(api_key,)))

:func:`redact_text` removes the secrets you pass (plain ``str`` or
:class:`efundpay.settings.Secret`), anything shaped like an eFundPay secret key
(``sk_live_…``), a signed JWT or a PEM private key, card numbers (all but the last four
digits) and the values of sensitive keys (:func:`is_sensitive_key`) written as JSON.
:func:`redact_json` masks decoded JSON by its keys.  :func:`remove_secrets` removes the
given secrets and nothing else.  What was removed reads ``REDACTED`` (``"[REDACTED]"``);
``Secrets`` is the type of the ``secrets`` argument, a tuple of ``str`` or ``Secret``.
"""

from ._redact import REDACTED, Secrets, is_sensitive_key, redact_json, redact_text, remove_secrets

__all__ = [
    "REDACTED",
    "Secrets",
    "is_sensitive_key",
    "redact_json",
    "redact_text",
    "remove_secrets",
]
