"""JSON API v1: search and articles for widgets, apps and other channels."""

from __future__ import annotations

from contextlib import nullcontext

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from portal import api_keys, limits
from portal.extensions import csrf
from portal.guards import reads_body
from portal.help.service import article_page, article_url
from portal.i18n import locale_name
from portal.rendering import render_markdown
from portal.search import MAX_QUERY_CHARS, MAX_RESULTS, get_search, get_store, hit_url
from portal.tickets.forms import TicketForm
from portal.tickets.service import FilingError, clean_ids, file_ticket, private_url
from portal.tickets.views import counts_as_filing, ticket_input
from portal.widget.cors import add_cors_headers

# Bookkeeping fields of the web form that API callers may not set directly.
PRIVATE_FIELDS = ("submission_key", "suggested", "opened", "website")
# The doors a caller of the public ticket API may name (the widget is one).
API_CHANNELS = ("api", "widget")

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.after_request(add_cors_headers)  # listed sites' pages may call the API (the widget)


class BadRequest(Exception):
    """A request parameter is invalid; the message is shown to the caller."""


@bp.errorhandler(BadRequest)
def bad_request(exc):
    """Answer invalid parameters with a 400 and a readable reason."""
    return jsonify(error=str(exc)), 400


@bp.errorhandler(404)
def not_found(_exc):
    """JSON 404s for API clients."""
    return jsonify(error="not found"), 404


@bp.before_request
def require_a_valid_key_when_one_is_sent():
    """``Authorization: Bearer <key>`` must name a key in use: anything else is a 401, not
    an anonymous request (a revoked key must stop working, not fall back)."""
    api_keys.check_request_key()
    if api_keys.has_invalid_key():
        response = jsonify(error="invalid or revoked API key (Authorization: Bearer <key>)")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return None


@bp.errorhandler(429)
def too_many(_exc):
    """JSON 429s for API clients: when to retry (also in ``Retry-After``), and a message
    for people in the request's ``locale`` (the search box shows it)."""
    seconds = limits.retry_after()
    locale = request.args.get("locale")
    with force_locale(locale) if locale in get_store().locales else nullcontext():
        message = limits.too_many_message(seconds=seconds)
    response = jsonify(
        error=f"too many requests; try again in {seconds} s",
        limit=limits.breached_name(),
        retry_after=seconds,
        message=message,
    )
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def _is_suggestion() -> bool:
    return request.args.get("suggest") == "1"


def locale_param(default: str | None = None) -> str:
    """The ``locale`` query parameter, one the site serves (400 otherwise)."""
    store = get_store()
    locale = request.args.get("locale") or default or store.default_locale
    if locale not in store.locales:
        raise BadRequest(f"unknown locale {locale!r}; use one of: {', '.join(store.locales)}")
    return locale


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


@bp.get("/search")
@limits.api_limit(lambda: "suggest" if _is_suggestion() else "search")
def search():
    """Search public articles: ``q``, ``locale``, ``category``, ``limit`` (≤100), ``offset``."""
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"q must be at most {MAX_QUERY_CHARS} characters")
    locale = locale_param()
    limit = _int_param("limit", 10, 1, MAX_RESULTS)
    offset = _int_param("offset", 0, 0, 10_000)
    category = request.args.get("category") or None
    if category and not get_store().category(category):
        raise BadRequest(f"unknown category {category!r}")
    suggest = _is_suggestion()
    results = get_search().search(
        query,
        locale=locale,
        side="form" if request.args.get("side") == "form" else "api",
        k=limit,
        offset=offset,
        category=category,
        record=offset == 0 and not suggest,  # one log row per search, not per page
    )
    return jsonify(
        query=results.query,
        locale=locale,
        mode=results.mode,
        degraded=results.degraded,
        total=results.total,
        results=[
            {
                "id": hit.id,
                "locale": hit.locale,
                # The badge text for a hit in another language, as result pages say it.
                "locale_name": locale_name(hit.locale, locale),
                "title": hit.title,
                "url": hit_url(hit, locale),
                "snippet": hit.snippet,
                "category": hit.category,
                "score": round(float(hit.score), 6),
                "cross_lingual": hit.cross_lingual,
            }
            for hit in results.hits
        ],
    )


@bp.get("/articles/<article_id>")
@limits.api_limit("article")
def article(article_id: str):
    """One public article as JSON, in ``locale`` or the best available locale."""
    store = get_store()
    locale = locale_param()
    page = article_page(store, article_id, locale)
    if page is None:
        abort(404)
    found = page.article
    rendered = render_markdown(
        found.body, resolve_article=lambda target: article_url(store, target, locale)
    )
    return jsonify(
        id=found.id,
        locale=found.locale,
        requested_locale=locale,
        fallback=page.is_fallback,
        # The label of an article shown in another language than the one asked for.
        locale_name=locale_name(found.locale, locale) if page.is_fallback else None,
        title=found.title,
        category=found.category,
        tags=list(found.tags),
        updated=found.updated.isoformat() if found.updated else None,
        html=rendered.html,
        url=article_url(store, found.id, locale),  # the reader's locale, as hit_url does
        translations=sorted(page.translations),
    )


@bp.post("/tickets")
@reads_body
@limits.api_limit("tickets", deduct_when=counts_as_filing)
def create_ticket():
    """File a ticket from another channel; same validation as the contact form.

    An ``Idempotency-Key`` header makes retries safe: the same key files one ticket.
    ``channel`` is "api" (default) or "widget"; ``articles_shown`` lists the ids of the
    articles the customer saw first (agents see them with the ticket).
    """
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(errors={"body": "send a JSON object"}), 400
    payload = dict(payload)
    shown = payload.pop("articles_shown", [])
    channel = payload.pop("channel", "api")
    if channel not in API_CHANNELS:
        return jsonify(errors={"channel": f"use one of: {', '.join(API_CHANNELS)}"}), 400
    if not isinstance(shown, list) or not all(isinstance(i, str) for i in shown):
        return jsonify(errors={"articles_shown": "must be a list of article ids"}), 400
    wrong_type = {k: "must be a string" for k, v in payload.items() if not isinstance(v, str)}
    fields = {k: v for k, v in payload.items() if isinstance(v, str) and k not in PRIVATE_FIELDS}
    fields.setdefault("locale", current_app.config["DEFAULT_LOCALE"])  # as search does
    fields["suggested"] = ",".join(clean_ids(shown))  # agents see what the customer was shown
    idempotency_key = request.headers.get("Idempotency-Key", "")[:56]
    if idempotency_key:
        fields["submission_key"] = f"api:{idempotency_key}"
    store = get_store()
    form = TicketForm(
        formdata=MultiDict(fields),
        meta={"csrf": False},
        categories=[(c.key, c.key) for c in store.categories],
        locales=store.locales,
    )
    # The ticket's own language decides the messages; Accept-Language is the fallback.
    declared = fields["locale"] if fields["locale"] in store.locales else None
    with force_locale(declared) if declared else nullcontext():
        valid = form.validate()
        errors = {name: str(messages[0]) for name, messages in form.errors.items()}
    if wrong_type or not valid:
        return jsonify(errors={**errors, **wrong_type}), 400
    try:
        filed = file_ticket(ticket_input(form, channel=channel))
    except FilingError:
        return jsonify(error="could not store the ticket; try again"), 503, {"Retry-After": "30"}
    g.ticket_created = filed.created  # a retry under its key does not use up the limit
    body = {"reference": filed.ticket.reference, "url": private_url(filed.token)}
    return jsonify(body), 201 if filed.created else 200
