"""Staff sign-in and sign-out pages (customers have no accounts)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from portal import limits, login_throttle
from portal.guards import GuardedForm
from portal.i18n import current_locale
from portal.models import User
from portal.users import authenticate, sign_out_everywhere

bp = Blueprint("auth", __name__)


class LoginForm(GuardedForm):
    """Email and password, both bounded (a malformed email simply fails to sign in)."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


def safe_next(target: str | None) -> str | None:
    """Only follow ``next`` when it stays on this site (a path, no scheme or host)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def has_endpoint(name: str) -> bool:
    """True when the app has a view called ``name`` (blueprints land one issue at a time)."""
    return name in current_app.view_functions


def site_home() -> str:
    """The customer home page in the visitor's language."""
    return url_for("help.home", locale=current_locale())


def staff_home(user: User) -> str:
    """Where a staff member lands after signing in: their workspace, else the site."""
    if user.has_role("agent") and has_endpoint("agent.queue"):
        return url_for("agent.queue")
    if user.has_role("writer") and has_endpoint("write.index"):
        return url_for("write.index")
    if user.has_role("manager") and has_endpoint("analytics.dashboard"):
        return url_for("analytics.dashboard")
    return site_home()


def _render_login(form: LoginForm, status: int = 200):
    return render_template("auth/login.html", form=form, locale=current_locale()), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign a staff member in; failures say nothing about which part was wrong, and are
    limited per address and per account (see :mod:`portal.login_throttle`)."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or staff_home(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data, limits.client_address()
        throttle = login_throttle.get_throttle()
        device = login_throttle.known_device(email)
        attempt = throttle.begin(address, email, device) if throttle else None
        if isinstance(attempt, login_throttle.Refusal):
            login_throttle.log_failure(email, address, attempt)
            return too_many_attempts(attempt)
        user = authenticate(email, form.password.data)
        if user:
            if attempt is not None:
                throttle.succeeded(attempt)
            login_user(user, remember=form.remember.data)
            response = redirect(safe_next(request.args.get("next")) or staff_home(user))
            return login_throttle.remember_device(response, email)
        login_throttle.log_failure(email, address)
        flash(_("Email or password is incorrect."), "error")
    return _render_login(form, 400 if request.method == "POST" else 200)


def too_many_attempts(refused: login_throttle.Refusal):
    """Throttled sign-in: say so, and when to try again, on the login page."""
    g.rate_limited_by, g.retry_after = refused.name, refused.retry_after
    flash(limits.too_many_message(refused.name, refused.retry_after), "error")
    page, status = _render_login(LoginForm(), 429)
    return page, status, {"Retry-After": str(refused.retry_after)}


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere (POST with CSRF, so a link elsewhere cannot sign anyone out).

    Every session ends, so a copied session or remember-me cookie is worthless afterwards.
    """
    sign_out_everywhere(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/staff")
def staff_landing():
    """A stable entry point for staff: their workspace, or the login page."""
    if current_user.is_authenticated:
        return redirect(staff_home(current_user))
    return redirect(url_for("auth.login"))
