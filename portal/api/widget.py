"""The public API routes the widget calls (on the ``api`` blueprint, ``/api/v1``): its
start-up call (strings and the first list of articles), the answer bot and its feedback. Everything here is public and
documented in ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request, stream_with_context, url_for

from portal import limits
from portal.api.openapi import openapi_document
from portal.api.views import BadRequest, bp
from portal.guards import reads_body
from portal.search import get_store
from portal.tickets.forms import LIMITS
from portal.tickets.service import FilingError, add_customer_reply, find_by_token, record_deflection
from portal.widget.answers import MAX_QUESTION_CHARS, AnswerConfig, answer_question
from portal.widget.live import LiveConfig, event_stream, parse_last_id
from portal.widget.service import MAX_CONTEXT_CHARS, starting_articles
from portal.widget.strings import widget_strings

WIDGET_START_MAX_AGE_SECONDS = 300


@bp.get("/widget")
@limits.api_limit("widget")
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
    response = jsonify(
        locale=locale,
        strings=widget_strings(locale),
        listing=listing,
        articles=[article.as_json() for article in articles],
        contact_url=url_for("tickets.new", locale=locale, _external=True),
    )
    # Every page view of every embedding site asks: browsers may keep it a few minutes.
    response.cache_control.public = True
    response.cache_control.max_age = WIDGET_START_MAX_AGE_SECONDS
    return response


def _json_object() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadRequest("send a JSON object")
    return payload


def _text_field(payload: dict, name: str, limit: int, *, required: bool = True) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    value = value.strip()
    if required and not value:
        raise BadRequest(f"{name} is required")
    if len(value) > limit:
        raise BadRequest(f"{name} must be at most {limit} characters")
    return value


def _locale_field(payload: dict) -> str:
    store = get_store()
    locale = payload.get("locale") or store.default_locale
    if locale not in store.locales:
        raise BadRequest(f"unknown locale {locale!r}; use one of: {', '.join(store.locales)}")
    return locale


@bp.post("/answers")
@reads_body
@limits.api_limit("answers", methods=["POST"])
def answers():
    """The answer bot: ``{question, locale}`` → the best passage of our articles (or an
    honest ``answered: false``), its confidence, and up to two more articles."""
    payload = _json_object()
    question = _text_field(payload, "question", MAX_QUESTION_CHARS)
    locale = _locale_field(payload)
    config = AnswerConfig.from_settings(current_app.config)
    answer = answer_question(get_store(), question, locale, config)
    return jsonify(answer.as_json())


@bp.post("/answers/feedback")
@reads_body
@limits.api_limit("answer_feedback", methods=["POST"])
def answer_feedback():
    """ "Did this answer your question?": ``helpful: true`` records a deflection (nothing is
    filed); ``false`` records nothing and points to a person (``POST /api/v1/tickets``)."""
    payload = _json_object()
    question = _text_field(payload, "question", MAX_QUESTION_CHARS)
    locale = _locale_field(payload)
    helpful = payload.get("helpful")
    if not isinstance(helpful, bool):
        raise BadRequest("helpful must be true or false")
    article_id = _text_field(payload, "article_id", 80)
    article_locale = payload.get("article_locale") or locale
    article = (
        get_store().get(article_id, article_locale) if isinstance(article_locale, str) else None
    )
    if article is None or not article.is_public:
        raise BadRequest("article_id is not a public article in article_locale")
    if helpful:
        record_deflection(article.id, article.locale, question)
        return jsonify(recorded="deflection")
    return jsonify(recorded=None, next="talk to a person: POST /api/v1/tickets")


@bp.get("/openapi.json")
@limits.api_limit("openapi")
def openapi():
    """The OpenAPI 3.1 description of the whole public API."""
    server = url_for("api.search", _external=True).removesuffix("/api/v1/search")
    return jsonify(openapi_document(server, get_store().locales))


def _ticket_for(token: str):
    try:
        ticket = find_by_token(token)
    except FilingError:
        abort(503)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/tickets/<token>/events")
@limits.api_limit("live_stream")
def ticket_events(token: str):
    """The conversation of the ticket whose private link carries ``token``, live, as
    Server-Sent Events (each ``message`` event: id, author, sanitized html)."""
    ticket = _ticket_for(token)
    after = parse_last_id(request.headers.get("Last-Event-ID") or request.args.get("after"))
    stream = event_stream(
        ticket.id, ticket.locale, after, LiveConfig.from_settings(current_app.config)
    )
    response = Response(stream_with_context(stream), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass events on at once
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/tickets/<token>/messages")
@reads_body
@limits.api_limit("reply", methods=["POST"])
def ticket_message(token: str):
    """The customer writes more in the widget: ``{body}`` joins the ticket's conversation."""
    ticket = _ticket_for(token)
    body = _text_field(_json_object(), "body", LIMITS["description"])
    if "\x00" in body:
        raise BadRequest("body must not contain NUL characters")
    try:
        message = add_customer_reply(ticket, body)
    except FilingError:
        return jsonify(error="could not store the message; try again"), 503
    return jsonify(id=message.id), 201
