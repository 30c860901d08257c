"""Two agents answering one ticket at once: the reply form carries the id of the last
message its writer saw; a message that arrived after it (the customer's, another agent's
reply or note) holds the reply back until its writer has read it or chooses to send anyway."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket, TicketMessage, User


def latest_message_id(ticket: Ticket) -> int:
    """The id of the ticket's newest message (0 when it has none)."""
    query = sa.select(sa.func.max(TicketMessage.id)).where(TicketMessage.ticket_id == ticket.id)
    return db.session.scalar(query) or 0


def newer_messages(ticket: Ticket, seen_id: int, agent: User) -> list[TicketMessage]:
    """Messages of ``ticket`` after ``seen_id`` that ``agent`` did not write, oldest first."""
    query = (
        sa.select(TicketMessage)
        .where(TicketMessage.ticket_id == ticket.id, TicketMessage.id > seen_id)
        .where(
            sa.or_(
                TicketMessage.author_id.is_(None),
                TicketMessage.author_id != agent.id,
            )
        )
        .order_by(TicketMessage.id)
    )
    return list(db.session.scalars(query))
