"""Held mail: what the inbound pipeline kept without filing, and an admin's decision on it.

Mail is held (``outcome = "held"``, the reason beside it) when a sender went over the hourly
limit, or when a staff-side mail failed its checks (:mod:`portal.mail.staff`: a forged or
absent agent token, a customer's token from an agent's address, a new mail from an agent's
address, an agent's emailed reply that could not be posted). Nothing was answered or filed.

An admin sees it at ``/admin/mail/held`` (with the raw message to download) and either

- **releases** it: the mail goes through the ordinary pipeline again as a customer's mail,
  without the sender limit and without the staff-side rules (the admin looked at it): a
  follow-up on the ticket it answers, else a new ticket with its acknowledgment. It is never
  posted as an agent's reply: that takes the agent's own token; or
- **discards** it: kept as a record (so a re-delivery is still recognised), never filed.

Both record who decided in ``reason``. A decision is taken once: the row is claimed with a
conditional update in the same transaction as the filing, so two admins clicking at once
file nothing twice.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.mail import inbound
from portal.mail.parse import parse_email
from portal.models import InboundEmail, utcnow

log = logging.getLogger(__name__)


def held_mail(limit: int = 200) -> list[InboundEmail]:
    """Mail waiting for an admin, newest first."""
    query = (
        sa.select(InboundEmail)
        .where(InboundEmail.outcome == "held")
        .order_by(InboundEmail.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def held_count() -> int:
    """How many mails wait for an admin."""
    query = sa.select(sa.func.count()).where(InboundEmail.outcome == "held")
    return db.session.execute(query).scalar_one()


def _claim(record_id: int, outcome: str) -> InboundEmail | None:
    """Move a held row to ``outcome`` in the current transaction; None when it is no longer
    held (another admin decided first) or does not exist."""
    claimed = db.session.execute(
        sa.update(InboundEmail)
        .where(InboundEmail.id == record_id, InboundEmail.outcome == "held")
        .values(outcome=outcome)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    record = db.session.get(InboundEmail, record_id)
    db.session.refresh(record)
    return record


def _decided(reason: str, by: str, was: str | None) -> str:
    return f"{reason} by {by} (held: {was or '?'})"[:200]


def discard(record_id: int, admin_email: str) -> InboundEmail | None:
    """Keep the mail as a record, never filed. None when it is not held (any more)."""
    was = db.session.get(InboundEmail, record_id)
    was_reason = was.reason if was is not None else None
    record = _claim(record_id, "discarded")
    if record is None:
        return None
    record.reason = _decided("discarded", admin_email, was_reason)
    db.session.commit()
    log.info("held mail %s discarded by %s", record.message_id, admin_email)
    return record


def release(record_id: int, admin_email: str) -> inbound.Ingested | None:
    """File the held mail as a customer's mail (see the module docstring). None when it is
    not held (any more); raises :class:`portal.mail.inbound.IngestError` when it cannot be
    filed (its raw file is gone, the database refuses): it then stays held."""
    config = inbound.InboundConfig.from_app(current_app)
    existing = db.session.get(InboundEmail, record_id)
    if existing is None or existing.outcome != "held":
        return None
    path = config.mail_dir / existing.raw_path
    if not path.is_file():
        raise inbound.IngestError(f"the raw message {existing.raw_path} is missing")
    mail = parse_email(path.read_bytes())
    was_reason = existing.reason
    decision, ticket = inbound.decide(mail, config, utcnow(), reviewed=True)
    if decision.action == "held":  # cannot happen without the limit; never loop on it
        decision = inbound.Plan("recorded", "released, nothing to file")
    record = _claim(record_id, decision.action)
    if record is None:
        return None
    record.reason = _decided(f"released ({decision.reason})", admin_email, was_reason)
    result = inbound.apply_safely(decision, mail, record, ticket, config)
    if result.duplicate:  # the filing failed and was rolled back: the mail is still held
        raise inbound.IngestError("the mail could not be filed; it is still held")
    log.info("held mail %s released by %s: %s", mail.message_id, admin_email, result.outcome)
    return result
