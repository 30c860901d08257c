"""Flask extensions, created unbound and attached in :func:`portal.create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

db = SQLAlchemy()
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
# Keyed by portal.limits.client_key (the API key, else the trusted client address).
limiter = Limiter(key_func=lambda: _client_key(), default_limits=[])


def _client_key() -> str:
    from portal.limits import client_key

    return client_key()


login_manager = LoginManager()
