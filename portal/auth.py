"""Staff sign-in: flask-login wiring and the role guard used by /agent and /write."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.extensions import db, login_manager


def init_app(app) -> None:
    """Attach flask-login; anonymous staff pages redirect to the login page."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_token: str):
    """Load the signed-in staff member from the token :meth:`User.get_id` handed out."""
    from portal.models import User

    query = db.select(User).filter_by(session_token=session_token)
    return db.session.execute(query).scalar_one_or_none()


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
