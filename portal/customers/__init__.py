"""Customers without passwords: an emailed link opens a session listing their requests."""
