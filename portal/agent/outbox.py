"""The customer's email for an agent's public reply, queued in the outbox, localized.

The private ticket link carries a token we only keep as a hash, so it cannot be put in
this email. Nothing secret is stored to make that possible: the email carries the reply
itself (article links as absolute URLs) and points the customer to the private link in
the confirmation email they received when they filed the ticket.
"""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.agent.links import link_for
from portal.extensions import db
from portal.models import OutboxMessage, Ticket, TicketMessage, User
from portal.tickets.service import header_text

KIND = "ticket_reply"
MARKDOWN_ARTICLE_LINK = re.compile(r"\[((?:\\.|[^\]\\])+)\]\(article:([a-z0-9-]+)(#[^)\s]*)?\)")


def plain_reply(body: str, locale: str) -> str:
    """The reply as email text: ``[Title](article:id)`` becomes ``Title (https://...)``."""

    def replace(match: re.Match) -> str:
        title = re.sub(r"\\(.)", r"\1", match.group(1))
        target = link_for(match.group(2), locale)
        url = target.customer_url(external=True) if target is not None else None
        if url is None:
            return title
        return f"{title} ({url}{match.group(3) or ''})"

    return MARKDOWN_ARTICLE_LINK.sub(replace, body)


def reply_email(ticket: Ticket, message: TicketMessage, agent: User) -> tuple[str, str]:
    """Subject and body of the reply email, in the ticket's locale."""
    with force_locale(ticket.locale):
        subject = _(
            "[%(reference)s] New reply to your request: %(subject)s",
            reference=ticket.reference,
            subject=header_text(ticket.subject),
        )
        lines = [
            _("Hello %(name)s,", name=ticket.name),
            "",
            _(
                "%(agent)s replied to your request %(reference)s:",
                agent=agent.name,
                reference=ticket.reference,
            ),
            "",
            plain_reply(message.body, ticket.locale),
            "",
            "—",
            _(
                "To read the whole conversation or to answer, open the private link in the "
                "confirmation email we sent when you contacted us (reference %(reference)s). "
                "For your security we do not send that link again.",
                reference=ticket.reference,
            ),
        ]
    return subject, "\n".join(lines)


def queue_reply_email(ticket: Ticket, message: TicketMessage, agent: User) -> OutboxMessage:
    """Add the reply email to the outbox (the caller commits)."""
    subject, body = reply_email(ticket, message, agent)
    outbox = OutboxMessage(
        to_email=ticket.email,
        subject=subject[:300],
        body=body,
        locale=ticket.locale,
        kind=KIND,
        ticket_id=ticket.id,
    )
    db.session.add(outbox)
    return outbox
