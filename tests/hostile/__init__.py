"""A hostile-server kit: a raw-socket server that answers anything, and answers to draw."""
