"""A customer's data: everything we keep about one email address, as a download, and its
erasure on request.

Erasure anonymises rather than deletes: the tickets stay (with their channel, locale,
category, status, times, articles suggested and ratings' scores) so the analytics of past
periods keep their counts, but every text a person wrote in them, every address and name,
the raw mail and its attachments are gone. Search logs are never tied to a person (they hold
a query, a locale and what was opened), so nothing there names the customer; how long they
are kept is ``SEARCH_LOG_DAYS`` (:func:`purge_search_log`, a node duty).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.jobs.worker import node_duty
from portal.models import (
    AccessLink,
    InboundAttachment,
    InboundEmail,
    OutboxMessage,
    SearchLog,
    Ticket,
    TicketRating,
    utcnow,
)

log = logging.getLogger(__name__)

ERASED_TEXT = "[erased]"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never a real mailbox


def is_erased(ticket) -> bool:
    """True once the ticket's customer had their data erased (nothing of it can be added to)."""
    return (ticket.email or "").endswith("@" + ERASED_DOMAIN)


def _normalize(email: str) -> str:
    return (email or "").strip().lower()


def _tickets(email: str) -> list[Ticket]:
    return list(
        db.session.execute(
            sa.select(Ticket)
            .where(sa.func.lower(Ticket.email) == _normalize(email))
            .order_by(Ticket.created_at)
        ).scalars()
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def customer_data(email: str) -> dict:
    """Everything kept about ``email``, as one JSON-ready document: the customer's tickets
    with the conversation they can see, their ratings, the emails we sent them and the
    emails we received from them (internal agent notes are the team's, not included)."""
    address = _normalize(email)
    tickets = []
    for ticket in _tickets(address):
        rating = db.session.execute(
            sa.select(TicketRating).filter_by(ticket_id=ticket.id)
        ).scalar_one_or_none()
        tickets.append(
            {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "name": ticket.name,
                "email": ticket.email,
                "status": ticket.status,
                "channel": ticket.channel,
                "locale": ticket.locale,
                "category": ticket.category,
                "created_at": _iso(ticket.created_at),
                "solved_at": _iso(ticket.solved_at),
                "articles_suggested": list(ticket.suggested_articles or []),
                "articles_opened": list(ticket.opened_articles or []),
                "messages": [
                    {
                        "from": "you" if m.author_type == "customer" else "support",
                        "channel": m.channel or "web",
                        "body": m.body,
                        "created_at": _iso(m.created_at),
                    }
                    for m in ticket.messages
                    if not m.internal
                ],
                "rating": (
                    {
                        "score": rating.score,
                        "comment": rating.comment,
                        "at": _iso(rating.updated_at),
                    }
                    if rating
                    else None
                ),
            }
        )
    sent = db.session.execute(
        sa.select(OutboxMessage)
        .where(sa.func.lower(OutboxMessage.to_email) == address)
        .order_by(OutboxMessage.id)
    ).scalars()
    received = db.session.execute(
        sa.select(InboundEmail)
        .where(sa.func.lower(InboundEmail.from_email) == address)
        .order_by(InboundEmail.id)
    ).scalars()
    return {
        "email": address,
        "exported_at": _iso(utcnow()),
        "tickets": tickets,
        "emails_sent_to_you": [
            {"subject": m.subject, "kind": m.kind, "queued_at": _iso(m.created_at)} for m in sent
        ],
        "emails_received_from_you": [
            {"subject": m.subject, "received_at": _iso(m.received_at)} for m in received
        ],
    }


@dataclass(frozen=True)
class ErasureReport:
    tickets: int
    messages: int
    emails_sent: int
    emails_received: int
    files_deleted: int


def erased_address(email: str) -> str:
    """A stand-in that keeps one customer's erased tickets together (for counts) without
    naming them: a hash of the address with the app's secret, at an address that cannot
    receive mail."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hashlib.sha256(secret + b"|" + _normalize(email).encode()).hexdigest()[:16]
    return f"erased-{digest}@{ERASED_DOMAIN}"


def _delete_file(path: Path) -> int:
    try:
        path.unlink()
        return 1
    except FileNotFoundError:
        return 0
    except OSError:
        log.exception("could not delete %s during an erasure", path)
        return 0


def erase_customer(email: str) -> ErasureReport:
    """Anonymise everything kept about ``email`` in one transaction, then delete its files.

    Open requests are closed (solved): nobody can answer an erased address. Outgoing mail not
    yet sent is cancelled (state ``cancelled``, which delivery never sends)."""
    from portal.mail.inbound import attachment_path, mail_dir

    address = _normalize(email)
    stand_in = erased_address(address)
    now = utcnow()
    tickets = _tickets(address)
    messages = 0
    ticket_ids = [t.id for t in tickets]
    # What the contact form logged as the customer's search (its subject or text) and the
    # searches the ticket names: the only search-log rows that can be tied to them.
    typed = {t.subject[:500] for t in tickets} | {
        (m.body or "").strip()[:500] for t in tickets for m in t.messages
    }
    search_ids = [i for t in tickets for i in (t.search_log_ids or []) if isinstance(i, int)]
    logged = sa.delete(SearchLog).where(
        sa.or_(
            SearchLog.id.in_(search_ids),
            sa.and_(SearchLog.side == "form", SearchLog.query.in_(typed)),
        )
    )
    db.session.execute(logged.execution_options(synchronize_session=False))
    for ticket in tickets:
        ticket.email = stand_in
        # The private link dies with the data: a new random hash no token can match.
        ticket.token_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        ticket.search_log_ids = None
        ticket.name = ERASED_TEXT
        ticket.subject = ERASED_TEXT
        if ticket.status != "solved":
            ticket.status = "solved"
            ticket.solved_at = now
        ticket.updated_at = now
        for message in ticket.messages:
            message.body = ERASED_TEXT
            messages += 1
        rating = db.session.execute(
            sa.select(TicketRating).filter_by(ticket_id=ticket.id)
        ).scalar_one_or_none()
        if rating is not None:
            rating.comment = None
    # Mail to the customer, and mail about their tickets to agents (notifications quote them).
    sent = list(
        db.session.execute(
            sa.select(OutboxMessage).where(
                sa.or_(
                    sa.func.lower(OutboxMessage.to_email) == address,
                    OutboxMessage.ticket_id.in_(ticket_ids),
                )
            )
        ).scalars()
    )
    for message in sent:
        if message.to_email.lower() == address:
            message.to_email = stand_in
        message.subject = ERASED_TEXT
        message.body = ERASED_TEXT
        message.html_body = None
        if message.state in ("queued", "failed"):  # never sent: its job finds nothing to send
            message.state = "cancelled"
            message.last_error = "cancelled: the customer's data was erased"
    received = list(
        db.session.execute(
            sa.select(InboundEmail).where(sa.func.lower(InboundEmail.from_email) == address)
        ).scalars()
    )
    directory = mail_dir(current_app.config)
    files: list[Path] = []
    hashes: set[str] = set()
    for mail in received:
        files.append(directory / mail.raw_path)
        mail.from_email = stand_in
        mail.subject = ERASED_TEXT
        for attachment in mail.attachments:
            if attachment.stored:
                hashes.add(attachment.sha256)
            attachment.filename = ERASED_TEXT
            attachment.stored = False
            attachment.refused = "erased"
    db.session.execute(sa.delete(AccessLink).where(sa.func.lower(AccessLink.email) == address))
    db.session.flush()
    # Attachments are stored by content: a file another (not erased) mail also carried stays.
    still_used = set(
        db.session.execute(
            sa.select(InboundAttachment.sha256).where(
                InboundAttachment.sha256.in_(hashes), InboundAttachment.stored == sa.true()
            )
        ).scalars()
    )
    files += [attachment_path(directory, h) for h in hashes - still_used]
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    deleted = sum(_delete_file(path) for path in files)
    log.info("erased the data of one customer: %d tickets, %d files", len(tickets), deleted)
    return ErasureReport(len(tickets), messages, len(sent), len(received), deleted)


@node_duty("purge_search_log", every=3600)
def purge_search_log(app) -> int:
    """Delete search-log rows older than ``SEARCH_LOG_DAYS`` (0: keep them forever)."""
    days = float(app.config.get("SEARCH_LOG_DAYS") or 0)
    if days <= 0:
        return 0
    cutoff = utcnow() - timedelta(days=days)
    with app.app_context():
        deleted = db.session.execute(
            sa.delete(SearchLog).where(SearchLog.created_at < cutoff)
        ).rowcount
        db.session.commit()
    return deleted or 0
