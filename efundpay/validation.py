"""The SDK's rules for free-text arguments, for checking values before there is a call to make.

Every operation checks its own arguments and raises ``TypeError`` or ``ValueError`` before
anything is sent, so most programs never need these.  They are for values that arrive long
before the call and should be refused where they arrive: a form field, a row of a CSV file of
ids, a key read back from your job table::

    from efundpay.validation import check_id, check_reason

    for line, subscription_id in enumerate(rows, 1):
        try:
            check_id(subscription_id, "subscription_id")
        except ValueError as exc:
            print(f"line {line}: {exc}")

Each takes the value and the name to use in its message, returns the value as the SDK sends
it, and raises as the operation itself would.  The rules for the other options are their
types (:class:`efundpay.PauseBehavior` and the other enums, an aware ``datetime``).
"""

from .resources._validation import check_id, check_idempotency_key, check_reason

__all__ = ["check_id", "check_idempotency_key", "check_reason"]
