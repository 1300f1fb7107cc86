"""The efundpay test suite."""
