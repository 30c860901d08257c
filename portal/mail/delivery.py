"""Delivering outbox messages from the worker (job kind ``send_email``)."""
