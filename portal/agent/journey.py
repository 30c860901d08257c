"""What the customer tried before and around a ticket, for the agent: their other tickets
(same address, any channel), the search that led them to write, and the articles the form or
the emailed answer suggested and the ones they opened. Nothing is collected for this beyond
what the help center already records: the search log row the contact link named, and the
article ids the contact form noted."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import SearchLog, Ticket

MAX_OTHER_TICKETS = 10


@dataclass(frozen=True)
class Journey:
    other_tickets: list  # Ticket rows of the same address, newest first
    searches: list  # SearchLog rows: query, locale, result count, the article opened
    suggested: list  # (article id, title or None)
    opened: list  # (article id, title or None)


def journey(ticket: Ticket, title_of) -> Journey:
    """The journey of ``ticket``; ``title_of(article_id, locale)`` names an article."""
    others = list(
        db.session.execute(
            sa.select(Ticket)
            .where(sa.func.lower(Ticket.email) == ticket.email.lower(), Ticket.id != ticket.id)
            .order_by(Ticket.created_at.desc())
            .limit(MAX_OTHER_TICKETS)
        ).scalars()
    )
    ids = [i for i in (ticket.search_log_ids or []) if isinstance(i, int)]
    searches = (
        list(db.session.execute(sa.select(SearchLog).where(SearchLog.id.in_(ids))).scalars())
        if ids
        else []
    )

    def named(article_ids) -> list:
        return [(a, title_of(a, ticket.locale)) for a in (article_ids or []) if isinstance(a, str)]

    return Journey(
        others, searches, named(ticket.suggested_articles), named(ticket.opened_articles)
    )
