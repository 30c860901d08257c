"""Ratings of solved tickets: the signed links the solved email carries, and the one rule
for storing a rating.

A rating link names the ticket, signed with the app's secret (nothing stored, nothing to
guess, like "this solved my problem"); opening it shows the choice with a button, and only
the POST stores it, so mail scanners that fetch every link rate nothing. One rating per
ticket: the customer may change it (or its comment) for ``RATING_CHANGE_DAYS`` after first
rating; a ticket can be rated while it is solved, for ``RATING_LINK_DAYS`` after the email.
"""

from __future__ import annotations

import enum
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadData, URLSafeTimedSerializer

from portal.extensions import db
from portal.models import Ticket, TicketMessage, TicketRating, as_utc, utcnow

SCORES = ("good", "bad")
MAX_COMMENT_CHARS = 2000


class Outcome(enum.Enum):
    """What became of a rating the customer sent."""

    RATED = "rated"
    CHANGED = "changed"
    NOT_SOLVED = "not_solved"  # reopened (or never solved): nothing to rate now
    TOO_LATE = "too_late"  # the change window has closed; the first rating stands
    INVALID = "invalid"


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ticket-rating")


def rating_token(ticket: Ticket) -> str:
    return _signer().dumps([ticket.id, ticket.reference])


def read_rating_token(token: str) -> Ticket | None:
    """The ticket a valid, unexpired rating link names, else None."""
    if not token or len(token) > 300:
        return None
    max_age = int(current_app.config["RATING_LINK_DAYS"] * 24 * 3600)
    try:
        value = _signer().loads(token, max_age=max_age)
    except BadData:
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        return None
    from portal.customers.privacy import is_erased

    ticket = db.session.get(Ticket, value[0])
    if ticket is None or ticket.reference != value[1] or is_erased(ticket):
        return None
    return ticket


def rating_urls(ticket: Ticket) -> dict[str, str]:
    """Absolute links for "good" and "bad", as the solved email shows them."""
    token = rating_token(ticket)
    return {
        score: url_for("satisfaction.rate", token=token, score=score, _external=True)
        for score in SCORES
    }


def rating_of(ticket: Ticket) -> TicketRating | None:
    return db.session.execute(
        db.select(TicketRating).filter_by(ticket_id=ticket.id)
    ).scalar_one_or_none()


def can_change(rating: TicketRating | None) -> bool:
    if rating is None:
        return True
    window = timedelta(days=current_app.config["RATING_CHANGE_DAYS"])
    return utcnow() - as_utc(rating.created_at) <= window


def solving_agent_id(ticket: Ticket) -> int | None:
    """Who the rating is about: the author of the last public agent reply, else the assignee."""
    last = db.session.execute(
        db.select(TicketMessage.author_id)
        .filter_by(ticket_id=ticket.id, author_type="agent", internal=False)
        .order_by(TicketMessage.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return last or ticket.assignee_id


def rate(ticket: Ticket, score: str, comment: str | None = None) -> Outcome:
    """Store the customer's rating of ``ticket`` (and commit) under the rules above."""
    if score not in SCORES:
        return Outcome.INVALID
    comment = (comment or "").replace("\r\n", "\n").strip()[:MAX_COMMENT_CHARS] or None
    rating = rating_of(ticket)
    if ticket.status != "solved":
        return Outcome.NOT_SOLVED
    if not can_change(rating):
        return Outcome.TOO_LATE
    now = utcnow()
    if rating is None:
        rating = TicketRating(
            ticket_id=ticket.id, agent_id=solving_agent_id(ticket), created_at=now
        )
        db.session.add(rating)
        outcome = Outcome.RATED
    else:
        outcome = Outcome.CHANGED
    rating.score = score
    rating.comment = comment
    rating.updated_at = now
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return outcome
