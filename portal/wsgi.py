"""WSGI entry point for production servers (``gunicorn portal.wsgi:app``)."""

from portal import create_app
from portal.config import check_secret_key

app = create_app()
check_secret_key(app)
