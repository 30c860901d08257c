"""Flask extensions, created unbound and attached in :func:`portal.create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

db = SQLAlchemy()
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
# Storage errors never fail a request: counting falls back to this process's memory (with a
# logged warning) until the storage answers again, and any other limiter error is logged
# and the request served. Limits and their storage: portal.limits.
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)
login_manager = LoginManager()
