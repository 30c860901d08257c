"""The public API routes the widget calls (on the ``api`` blueprint, ``/api/v1``): its
start-up call (strings and the first list of articles). Everything here is public and
documented in ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import jsonify, request, url_for

from portal.api.views import BadRequest, bp
from portal.extensions import limiter
from portal.search import get_store
from portal.widget.service import MAX_CONTEXT_CHARS, starting_articles
from portal.widget.strings import widget_strings

# Per visitor (address): one start-up call per page view, a few pages a minute.
WIDGET_START_LIMIT = "60/minute"


@bp.get("/widget")
@limiter.limit(WIDGET_START_LIMIT)
def widget_start():
    """What the widget needs to open: its strings in ``locale`` and the articles to list
    first (popular ones, or those matching ``context``)."""
    # A page in a language the site does not serve still gets a widget, in the default one.
    requested = request.args.get("locale")
    store = get_store()
    locale = requested if requested in store.locales else store.default_locale
    context = request.args.get("context", "")
    if len(context) > MAX_CONTEXT_CHARS:
        raise BadRequest(f"context must be at most {MAX_CONTEXT_CHARS} characters")
    listing, articles = starting_articles(store, locale, context)
    return jsonify(
        locale=locale,
        strings=widget_strings(locale),
        listing=listing,
        articles=[article.as_json() for article in articles],
        contact_url=url_for("tickets.new", locale=locale, _external=True),
    )
