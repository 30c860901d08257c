"""Email: composing and queueing messages, delivering them from the worker."""
