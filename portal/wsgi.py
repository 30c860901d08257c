"""WSGI entry point for production servers (``gunicorn portal.wsgi:app``).

Production means HTTPS: session and remember-me cookies are ``Secure`` unless
``PORTAL_SESSION_COOKIE_SECURE=0`` says the site is served over plain HTTP on purpose.
"""

import os

from portal import create_app
from portal.config import check_secret_key

secure = os.environ.get("PORTAL_SESSION_COOKIE_SECURE", "1") == "1"
app = create_app({"SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_SECURE": secure})
check_secret_key(app)
