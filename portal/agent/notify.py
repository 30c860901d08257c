"""Emailing agents about their tickets: a new ticket (to agents who asked for every one) and
a customer's reply (to the assignee, or to everyone who follows new tickets when nobody is
assigned). Queued in the same transaction as the message, like every email.

Each notification's ``Reply-To`` is that agent's own token address for the ticket
(:func:`portal.mail.tokens.agent_reply_address_for`): answering the email posts the answer
as the agent's reply and mails it to the customer (:mod:`portal.mail.staff`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.mail.outbox import queue_email
from portal.mail.tokens import agent_reply_address_for
from portal.models import Ticket, TicketMessage, User
from portal.tickets.service import header_text

EXCERPT_CHARS = 1500


def _agents(**flags) -> list[User]:
    query = sa.select(User).where(User.active.is_(True))
    for name, value in flags.items():
        query = query.where(getattr(User, name).is_(value))
    return [u for u in db.session.execute(query).scalars() if u.has_role("agent")]


def recipients(ticket: Ticket, event: str) -> list[User]:
    """Who hears of ``event`` ("new" or "reply") on ``ticket``."""
    if event == "new":
        return _agents(notify_new_tickets=True)
    assignee = ticket.assignee
    if assignee is not None:
        active = assignee.is_active and assignee.has_role("agent")
        return [assignee] if active and assignee.notify_replies else []
    return _agents(notify_new_tickets=True)


def notify_agents(ticket: Ticket, message: TicketMessage, event: str) -> int:
    """Queue one notification per recipient (the caller commits); how many were queued."""
    people = recipients(ticket, event)
    if not people:
        return 0
    link = url_for("agent.ticket", reference=ticket.reference, _external=True)
    excerpt = (
        message.body if len(message.body) <= EXCERPT_CHARS else message.body[:EXCERPT_CHARS] + "…"
    )
    for agent in people:
        # Staff read the workspace's language; the ticket's language is named in the text.
        with force_locale(agent_locale(agent)):
            if event == "new":
                subject = _(
                    "[%(reference)s] New request: %(subject)s",
                    reference=ticket.reference,
                    subject=header_text(ticket.subject),
                )
                intro = _(
                    "%(name)s <%(email)s> sent a new request (%(channel)s, %(locale)s):",
                    name=ticket.name,
                    email=ticket.email,
                    channel=ticket.channel,
                    locale=ticket.locale,
                )
            else:
                subject = _(
                    "[%(reference)s] Customer replied: %(subject)s",
                    reference=ticket.reference,
                    subject=header_text(ticket.subject),
                )
                intro = _("%(name)s <%(email)s> replied:", name=ticket.name, email=ticket.email)
            reply_to = agent_reply_address_for(ticket.id, agent.id)
            how = [_("Open the ticket: %(url)s", url=link)]
            if reply_to:
                how.append(
                    _(
                        "Or answer this email: your answer, without the quoted text, is added "
                        "to the ticket as your reply and emailed to the customer."
                    )
                )
            text = "\n".join([intro, "", excerpt, "", *how])
        queue_email(
            to=agent.email,
            subject=subject,
            text=text,
            html=None,
            locale=agent_locale(agent),
            kind=f"agent_{event}",
            ticket=None,
            automatic=True,
            reply_to=reply_to,
        )
    return len(people)


def agent_locale(agent: User) -> str:
    """The language staff mail is written in (the site's default locale)."""
    from flask import current_app

    return current_app.config["DEFAULT_LOCALE"]
