"""Error pages in the site layout and the visitor's language (JSON for API clients).

Blueprints may handle an error first for their own pages (the contact form shows itself
again on an expired form or a rate limit, the login page on a rate limit) and fall back to
the pages here.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.guards import UnreadableInput
from portal.help import service
from portal.i18n import negotiate_locale, supported_locales
from portal.search import get_store

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30

FORM_EXPIRED = (
    _l("This form has expired"),
    _l(
        "We could not verify the form you sent, usually because the page was open for a "
        "long time. Go back and send it again: your browser keeps what you typed."
    ),
)
ERROR_PAGES = {
    400: (
        _l("We could not read that request"),
        _l("Something in what was sent cannot be used. Go back, check the form and send it again."),
    ),
    403: (
        _l("You don't have access to this page"),
        _l("Sign in with an account that may see it, or go back to the help center."),
    ),
    429: (_l("Too many requests"), _l("Please wait a minute, then try again.")),
    503: (
        _l("The help center is busy for a moment"),
        _l(
            "We could not reach our records just now. Nothing was saved from this page: "
            "go back, and send it again in a minute."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you entered was your fault. Please try again in a moment."),
    ),
}


def _set_page_locale() -> None:
    """Errors can happen before a view sets the locale: negotiate it then."""
    g.locale = g.get("locale") or negotiate_locale()


def meant_path(path: str) -> str | None:
    """The page a recognisable but mistyped path means, if it exists: a locale written as
    a region or in capitals (``/ko-KR/…``, ``/EN/…``), or a trailing slash."""
    first, _, rest = path.lstrip("/").partition("/")
    language = first.replace("_", "-").split("-")[0].lower()
    fixed = "/" + (language if language in supported_locales() else first) + "/" + rest
    adapter = current_app.url_map.bind("")
    for candidate in (fixed, fixed.rstrip("/")):
        if not candidate or candidate == path:
            continue
        try:
            adapter.match(candidate, method="GET")
        except HTTPException:
            continue
        return candidate
    return None


@bp.app_errorhandler(404)
def not_found(_exc):
    """A 404 in the visitor's language, with search and popular articles to go on from;
    a mistyped path to a real page is redirected there instead."""
    if request.path.startswith("/api/"):
        return {"error": "not found"}, 404
    if request.method in ("GET", "HEAD") and (better := meant_path(request.path)):
        query = request.query_string.decode()
        return redirect(better + (f"?{query}" if query else ""), 301)
    _set_page_locale()
    popular = service.popular_articles(get_store(), g.locale)
    return render_template("help/404.html", popular=popular), 404


def error_page(exc):
    """403, 429 and 500 in the visitor's language (JSON for API clients)."""
    status = getattr(exc, "code", 500) or 500
    if status == 429:
        return too_many_requests()
    if request.path.startswith("/api/"):
        return {"error": getattr(exc, "description", "error")}, status
    _set_page_locale()
    title, message = ERROR_PAGES.get(status, ERROR_PAGES[500])
    return render_template("help/error.html", title=title, message=message), status


def too_many_requests():
    """A 429 saying how many seconds to wait, in the visitor's language (JSON for API
    clients); ``Retry-After`` says the same (see :func:`portal.limits.add_retry_after`)."""
    from portal import limits

    seconds = limits.retry_after()
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        _set_page_locale()
        response = jsonify(
            error=f"too many requests; try again in {seconds} s",
            retry_after=seconds,
            message=limits.too_many_message(seconds=seconds),
        )
        response.status_code = 429
        return response
    _set_page_locale()
    page = render_template(
        "help/error.html",
        title=ERROR_PAGES[429][0],
        message=limits.too_many_message(seconds=seconds),
    )
    return page, 429, {"Retry-After": str(seconds)}


for _status in (403, 429, 500, 503):
    bp.app_errorhandler(_status)(error_page)


@bp.app_errorhandler(UnreadableInput)
def unreadable_input(exc):
    """What :mod:`portal.guards` refused: a 400 page in the visitor's language (JSON for
    API clients). Not every 400: an untrusted Host has no URLs to build a page with."""
    return error_page(exc)


@bp.app_errorhandler(CSRFError)
def form_expired(_exc):
    """A form whose CSRF token is missing, invalid or from an ended session: 400, explained.

    Scripts asking for JSON get the reason as JSON; people get a page telling them to go
    back and send again (the browser keeps the text they typed).
    """
    _set_page_locale()
    title, message = FORM_EXPIRED
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(message)), 400
    return render_template("help/error.html", title=title, message=message), 400


@bp.app_errorhandler(sa.exc.OperationalError)
def database_unavailable(exc):
    """A locked, read-only or unreachable database: 503 with ``Retry-After``, never a 500.

    Views that take a customer's words catch this first and show them again; here is the
    answer for everything else (JSON for API clients)."""
    from portal.extensions import db

    db.session.rollback()
    log.warning("database unavailable: %s", str(exc).splitlines()[0][:200])
    if request.path.startswith("/api/"):
        response = jsonify(
            error="the service is briefly unavailable; try again", retry_after=RETRY_AFTER_SECONDS
        )
        response.status_code = 503
    else:
        _set_page_locale()
        title, message = ERROR_PAGES[503]
        response = make_response(
            render_template("help/error.html", title=title, message=message), 503
        )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
