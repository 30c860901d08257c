"""Agent replies, internal notes and status changes.

An agent writes Markdown; ``[Title](article:<id>)`` links an article (see
:mod:`portal.agent.links`, re-exported here: :func:`link_for`, :func:`render_reply`). Every
article a public reply links is recorded as an :class:`ArticleLink`. Internal notes never
reach the customer: not on the private page, not in email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _

from portal.agent.links import LinkTarget, link_for, linked_article_ids, render_reply
from portal.agent.outbox import queue_reply_email, queue_solved_email
from portal.extensions import db
from portal.models import TICKET_STATUSES, ArticleLink, Ticket, TicketMessage, User, utcnow

__all__ = [
    "MAX_BODY_CHARS",
    "LinkTarget",
    "ReplyError",
    "add_reply",
    "change_status",
    "customer_messages",
    "link_for",
    "render_reply",
    "reopen_for_customer",
]

MAX_BODY_CHARS = 20_000


class ReplyError(ValueError):
    """The reply cannot be saved; the message says why and nothing was saved."""


def customer_messages(ticket: Ticket) -> list[TicketMessage]:
    """The conversation as the customer may see it: internal notes left out."""
    return [m for m in ticket.messages if not m.internal]


def _check_links(body: str, ticket: Ticket, internal: bool) -> list[LinkTarget]:
    targets = []
    for article_id in linked_article_ids(body):
        target = link_for(article_id, ticket.locale)
        if target is None:
            raise ReplyError(_("There is no published article “%(id)s”.", id=article_id))
        if target.internal and not internal:
            raise ReplyError(
                _(
                    "“%(title)s” is an internal article: link it in an internal note, "
                    "not in a reply to the customer.",
                    title=target.title,
                )
            )
        targets.append(target)
    return targets


def _set_status(ticket: Ticket, status: str, now: datetime) -> None:
    if status not in TICKET_STATUSES:
        raise ReplyError(_("Unknown status “%(status)s”.", status=status))
    ticket.status = status
    ticket.solved_at = now if status == "solved" else None
    ticket.updated_at = now


def add_reply(
    ticket: Ticket,
    agent: User,
    body: str,
    *,
    internal: bool = False,
    status: str | None = None,
    channel: str | None = None,
    before_commit: Callable[[TicketMessage], None] | None = None,
) -> TicketMessage:
    """Save an agent's reply (or internal note) in one transaction.

    A public reply records its article links, sets ``first_response_at`` once, queues the
    customer's email and applies ``status``; a note only joins the conversation.
    Raises :class:`ReplyError` (nothing saved) for an empty body, an unknown or internal
    article in a public reply, or an unknown status. ``channel`` records where the agent
    wrote it ("email" for an answer to a notification); ``before_commit`` lets that channel
    add its own rows to the transaction.
    """
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ReplyError(_("Write a message first."))
    if len(body) > MAX_BODY_CHARS:
        raise ReplyError(_("The message is too long (at most %(n)d characters).", n=MAX_BODY_CHARS))
    targets = _check_links(body, ticket, internal)
    if status is not None and status not in TICKET_STATUSES:
        raise ReplyError(_("Unknown status “%(status)s”.", status=status))
    now = utcnow()
    try:
        message = TicketMessage(
            ticket=ticket,
            author_type="agent",
            author_id=agent.id,
            body=body,
            internal=internal,
            channel=channel,
            created_at=now,
        )
        db.session.add(message)
        ticket.updated_at = now
        if not internal:
            db.session.flush()
            for target in targets:
                db.session.add(
                    ArticleLink(
                        ticket_id=ticket.id,
                        message_id=message.id,
                        article_id=target.article_id,
                        locale=target.locale,
                        agent_id=agent.id,
                        created_at=now,
                    )
                )
            if ticket.first_response_at is None:
                ticket.first_response_at = now
            was = ticket.status
            if status:
                _set_status(ticket, status, now)
            queue_reply_email(ticket, message, agent)
            if status == "solved" and was != "solved":
                queue_solved_email(ticket)  # "how did we do?" comes with every solve
        if before_commit is not None:
            before_commit(message)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return message


def change_status(ticket: Ticket, status: str) -> None:
    """Set the ticket's status (solved stamps ``solved_at``; reopening clears it) and save.

    Solving a ticket emails the customer (so a silent "solved" never surprises them); the
    other changes do not: "pending" comes with the reply that asks them something, and an
    agent reopening a ticket is the team's own bookkeeping."""
    was = ticket.status
    try:
        _set_status(ticket, status, utcnow())
        if status == "solved" and was != "solved":
            queue_solved_email(ticket)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def reopen_for_customer(ticket: Ticket) -> None:
    """A customer's new message reopens a pending, on-hold or solved ticket (the caller
    commits)."""
    if ticket.status in ("pending", "on_hold", "solved"):
        _set_status(ticket, "open", utcnow())
