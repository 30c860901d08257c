"""Queueing an email: the one function every sender calls (confirmation, reply, status change).

:func:`queue_email` adds the outbox row *and* its ``send_email`` job to the caller's
transaction (the transactional outbox): the email exists exactly when the change that asked
for it was committed, and the web request never talks to a mail server. The row gets its
final headers here:

- ``Message-ID`` ``<outbox-N.random@domain-of-MAIL_FROM>``, fixed before the first attempt so
  every retry sends the same message;
- ``In-Reply-To`` / ``References`` naming the ticket's first message (the confirmation, or the
  customer's own first email when the ticket came by mail), so every email of a ticket is one
  thread in the customer's client;
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


def thread_root(ticket: Ticket, *, exclude: int | None = None) -> str | None:
    """The Message-ID the ticket's thread hangs from: its first outbox message's."""
    query = (
        sa.select(OutboxMessage.message_id)
        .where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.message_id.is_not(None))
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if exclude is not None:
        query = query.where(OutboxMessage.id != exclude)
    return db.session.execute(query).scalar_one_or_none()


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
) -> OutboxMessage:
    """Add an email and the job that sends it to the current transaction (the caller commits).

    ``references`` overrides the thread (the Message-IDs this email answers, oldest first;
    the last becomes ``In-Reply-To``): a channel that received the customer's own email
    passes its Message-ID. By default the email joins the ticket's thread."""
    row = OutboxMessage(
        to_email=to,
        subject=subject[:300],
        body=text,
        html_body=html,
        locale=locale,
        kind=kind,
        ticket_id=ticket.id if ticket is not None else None,
        auto_submitted=automatic,
        state="queued",
        attempts=0,
    )
    db.session.add(row)
    db.session.flush()  # the id names the Message-ID and the job
    row.message_id = new_message_id(row.id, current_app.config["MAIL_FROM"])
    if references is None and ticket is not None:
        root = thread_root(ticket, exclude=row.id)
        references = [root] if root else []
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
