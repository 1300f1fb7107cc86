"""A minimal Django project calling eFundPay from sync views and from async views."""
