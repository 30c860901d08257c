"""Queueing an email: the one function every sender calls (confirmation, reply, status change).

:func:`queue_email` adds the outbox row *and* its ``send_email`` job to the caller's
transaction (the transactional outbox): the email exists exactly when the change that asked
for it was committed, and the web request never talks to a mail server. The row gets its
final headers here:

- ``Message-ID`` ``<outbox-N.random@domain-of-MAIL_FROM>``, fixed before the first attempt so
  every retry sends the same message;
- ``In-Reply-To`` / ``References`` naming the ticket's first message (the confirmation, which
  itself answers the customer's own first email when the ticket came by mail: References
  then names both), so every email of a ticket is one thread in the customer's client;
- ``Auto-Submitted: auto-generated`` for mail no person wrote (RFC 3834: confirmation, status
  change). An agent's reply is a person answering, so it carries no such header.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.jobs import enqueue
from portal.mail.compose import new_message_id
from portal.models import OutboxMessage, Ticket

SEND_JOB = "send_email"
# A send that keeps failing with 4xx or a server that is down: 8 attempts with the job's
# exponential backoff (5 s base: about 21 minutes in all) before an admin is needed.
SEND_ATTEMPTS = 8


def dedupe_key(outbox_id: int) -> str:
    """The send job's key: one waiting job per outbox row."""
    return f"outbox:{outbox_id}"


def thread_chain(ticket: Ticket, *, exclude: int | None = None) -> list[str]:
    """The ``References`` of a new email about ``ticket``: the thread root's own References
    (the customer's first email, when the ticket came by mail) and the root itself, oldest
    first, as RFC 5322 3.6.4 builds them. Empty when nothing was sent about it yet."""
    query = (
        sa.select(OutboxMessage.message_id, OutboxMessage.thread_references)
        .where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.message_id.is_not(None))
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if exclude is not None:
        query = query.where(OutboxMessage.id != exclude)
    row = db.session.execute(query).first()
    if row is None:
        return []
    earlier = [i for i in (row.thread_references or "").split() if i != row.message_id]
    return [*earlier, row.message_id]


def queue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    locale: str,
    kind: str,
    ticket: Ticket | None = None,
    automatic: bool = True,
    references: list[str] | None = None,
    reply_to: str | None = None,
) -> OutboxMessage:
    """Add an email and the job that sends it to the current transaction (the caller commits).

    ``references`` overrides the thread (the Message-IDs this email answers, oldest first;
    the last becomes ``In-Reply-To``): a channel that received the customer's own email
    passes its Message-ID. By default the email joins the ticket's thread. ``reply_to`` fixes
    the Reply-To (an agent notification's token address); by default mail about a ticket
    gets the customer's token address when it is sent."""
    row = OutboxMessage(
        to_email=to,
        subject=subject[:300],
        body=text,
        html_body=html,
        locale=locale,
        kind=kind,
        ticket_id=ticket.id if ticket is not None else None,
        auto_submitted=automatic,
        reply_to=reply_to,
        state="queued",
        attempts=0,
    )
    db.session.add(row)
    db.session.flush()  # the id names the Message-ID and the job
    row.message_id = new_message_id(row.id, current_app.config["MAIL_FROM"])
    if references is None and ticket is not None:
        references = thread_chain(ticket, exclude=row.id)
    if references:
        row.in_reply_to = references[-1]
        row.thread_references = " ".join(references)
    enqueue(
        SEND_JOB,
        {"outbox_id": row.id},
        dedupe_key=dedupe_key(row.id),
        max_attempts=SEND_ATTEMPTS,
    )
    return row
