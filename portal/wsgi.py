"""WSGI entry point for production servers (``gunicorn -c python:portal.gunicorn_conf
portal.wsgi:app``; ``make run`` serves the same way).

Production means HTTPS: session and remember-me cookies are ``Secure`` unless
``PORTAL_SESSION_COOKIE_SECURE=0`` says the site is served over plain HTTP on purpose.
``PORTAL_PUBLIC_URL`` is required: links in emails (a ticket's private page) are built on it,
and without it they would follow whatever ``Host`` a request claims.
"""

import os

from portal import create_app
from portal.config import check_public_url, check_secret_key

secure = os.environ.get("PORTAL_SESSION_COOKIE_SECURE", "1") == "1"
app = create_app({"SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_SECURE": secure})
check_secret_key(app)
check_public_url(app)
