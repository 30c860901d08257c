"""Staff sign-in: flask-login wiring and the role guard used by /agent and /write."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from portal.extensions import db, login_manager


def init_app(app) -> None:
    """Attach flask-login; anonymous staff pages redirect to the login page."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    """Load the signed-in staff member for flask-login."""
    from portal.models import User

    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def require_role(*roles: str):
    """The staff guard: a login redirect for anonymous visitors, 403 without one of ``roles``.

    Returns the redirect response, or None when the user may go on (``before_request`` style).
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(*roles):
        abort(403)
    return None


def role_required(*roles: str):
    """Require a signed-in user holding one of ``roles``: login redirect, else 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return require_role(*roles) or view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator
