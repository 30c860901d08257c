"""Answers by email: the acknowledgment of an emailed ticket carries up to three articles
from the same search service, each with a "this solved my problem" link.

The link names the ticket and the article, signed with the app's secret (nothing to store,
nothing to guess). Opening it shows one button; its POST solves the ticket and records a
deflection, so mail scanners that fetch every link cannot close a customer's request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from portal.extensions import db
from portal.models import Deflection, Ticket, utcnow

log = logging.getLogger(__name__)

MAX_ARTICLES = 3
LINK_MAX_AGE_SECONDS = 30 * 24 * 3600  # a month: an answer read late still counts


@dataclass(frozen=True)
class EmailedAnswer:
    """One suggested article as the email shows it."""

    article_id: str
    locale: str
    title: str
    heading: str
    url: str
    solved_url: str
    borrowed: bool  # written in another language than the ticket's


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="solved-by-article")


def solved_token(ticket: Ticket, article_id: str, locale: str) -> str:
    """What the "this solved my problem" link carries."""
    return _signer().dumps([ticket.id, ticket.reference, article_id, locale])


def read_solved_token(token: str) -> tuple[int, str, str, str] | None:
    """(ticket id, reference, article id, locale) of a valid link, else None."""
    if not token or len(token) > 400:
        return None
    try:
        value = _signer().loads(token, max_age=LINK_MAX_AGE_SECONDS)
    except BadData:
        return None
    if not (isinstance(value, list) and len(value) == 4):
        return None
    ticket_id, reference, article_id, locale = value
    if not isinstance(ticket_id, int) or not all(
        isinstance(v, str) for v in (reference, article_id, locale)
    ):
        return None
    return ticket_id, reference, article_id, locale


def answers_for(ticket: Ticket, text: str) -> list[EmailedAnswer]:
    """Up to three public articles for the ticket's question, in its language (English-only
    ones marked), from the one search service. A search failure gives none, never an error:
    the acknowledgment is sent either way."""
    from portal.search import get_search, hit_url

    query = f"{ticket.subject}\n{text}"[:500]
    try:
        results = get_search().search(
            query, locale=ticket.locale, side="email", k=MAX_ARTICLES, record=True
        )
    except Exception:  # noqa: BLE001 - the acknowledgment must not depend on search
        log.exception("no article suggestions for ticket %s", ticket.reference)
        return []
    answers = []
    for hit in results.hits[:MAX_ARTICLES]:
        if hit.visibility != "public":
            continue
        answers.append(
            EmailedAnswer(
                article_id=hit.id,
                locale=hit.locale,
                title=hit.title,
                heading=hit.heading,
                url=hit_url(hit, ticket.locale, external=True),
                solved_url=url_for(
                    "tickets.solved_by_article",
                    token=solved_token(ticket, hit.id, hit.locale),
                    _external=True,
                ),
                borrowed=hit.cross_lingual or hit.locale != ticket.locale,
            )
        )
    return answers


def solve_by_article(ticket: Ticket, article_id: str, locale: str) -> bool:
    """The customer says the article answered them: solve the ticket, keep the article among
    those the customer opened, count a deflection. False (and nothing changed) when the ticket was already solved."""
    if ticket.status == "solved":
        return False
    now = utcnow()
    ticket.status = "solved"
    ticket.solved_at = now
    ticket.updated_at = now
    # Agents see which article solved it among the ticket's opened articles.
    ticket.opened_articles = [*(ticket.opened_articles or []), article_id][-20:]
    db.session.add(Deflection(article_id=article_id, locale=locale, query=ticket.subject[:500]))
    db.session.commit()
    return True
