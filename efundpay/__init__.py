"""efundpay: the Python SDK for eFundPay's subscription and recurring-payment API."""
