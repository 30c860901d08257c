"""Turn into article: a solved ticket becomes a draft in the ticket's locale.

The draft holds the customer's question and the agent's public answer (never internal notes)
and points back with the front-matter key ``source_ticket: <reference>``.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Ticket, TicketMessage
from portal.store import ID_PATTERN, ArticleStore
from portal.write.drafts import Draft

SOURCE_KEY = "source_ticket"


class TicketNotReady(ValueError):
    """The ticket cannot become an article (yet); the message says why."""


def get_ticket(reference: str) -> Ticket | None:
    """The ticket with ``reference``, if any."""
    return db.session.execute(db.select(Ticket).filter_by(reference=reference)).scalar_one_or_none()


def question(ticket: Ticket) -> TicketMessage | None:
    """The customer's first message."""
    return next((m for m in ticket.messages if m.author_type == "customer"), None)


def answer(ticket: Ticket) -> TicketMessage | None:
    """The agent's last public reply (internal notes never leave the ticket)."""
    replies = [m for m in ticket.messages if m.author_type == "agent" and not m.internal]
    return replies[-1] if replies else None


def suggest_id(store: ArticleStore, ticket: Ticket) -> str:
    """An unused article id from the subject, or from the reference for non-Latin subjects."""
    ascii_subject = unicodedata.normalize("NFKD", ticket.subject).encode("ascii", "ignore")
    base = re.sub(r"[^a-z0-9]+", "-", ascii_subject.decode().lower()).strip("-")[:60].strip("-")
    if len(base) < 3:
        base = re.sub(r"[^a-z0-9]+", "-", f"ticket-{ticket.reference}".lower()).strip("-")
    candidate, n = base, 2
    while store.translations(candidate) or not ID_PATTERN.match(candidate):
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def draft_from_ticket(store: ArticleStore, ticket: Ticket) -> Draft:
    """A draft article in the ticket's locale: question, then answer, linked to the ticket."""
    if ticket.status != "solved":
        raise TicketNotReady(_("Only solved tickets can be turned into articles."))
    reply = answer(ticket)
    if reply is None:
        raise TicketNotReady(_("This ticket has no public answer to turn into an article."))
    asked = question(ticket)
    locale = ticket.locale if ticket.locale in store.locales else store.default_locale
    with force_locale(locale):
        headings = (_("Question"), _("Answer"))
    body = (
        f"## {headings[0]}\n\n{(asked.body if asked else ticket.subject).strip()}\n\n"
        f"## {headings[1]}\n\n{reply.body.strip()}\n"
    )
    categories = [c.key for c in store.categories]
    category = ticket.category if ticket.category in categories else (categories or [""])[0]
    return Draft(
        article_id=suggest_id(store, ticket),
        locale=locale,
        category=category,
        title=ticket.subject.strip(),
        body=body,
        status="draft",
        visibility="public",
        extra={SOURCE_KEY: ticket.reference},
    )


def articles_from(store: ArticleStore, reference: str) -> list:
    """Articles already written from the ticket ``reference``."""
    return [a for a in store.all() if str(a.extra.get(SOURCE_KEY) or "") == reference]


def solved_tickets(limit: int = 50) -> list[Ticket]:
    """Recently solved tickets, newest first: candidates for new articles."""
    query = (
        db.select(Ticket)
        .filter_by(status="solved")
        .order_by(sa.func.coalesce(Ticket.solved_at, Ticket.updated_at).desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
