"""What the admin page on background work reads and does: failed jobs, mail that could not
be delivered or whose delivery is unconfirmed, and putting either back in the queue."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import failed_jobs, retry_job
from portal.mail.delivery import requeue
from portal.models import Job, OutboxMessage

ATTENTION_STATES = ("failed", "unconfirmed")


@dataclass(frozen=True)
class Backlog:
    """Counts for the page's summary."""

    queued: int
    running: int
    failed: int
    mail_waiting: int
    mail_attention: int


def backlog() -> Backlog:
    """How much background work is waiting, running or stuck."""

    def jobs(state: str) -> int:
        query = sa.select(sa.func.count()).select_from(Job).where(Job.state == state)
        return db.session.execute(query).scalar_one()

    def mail(*states: str) -> int:
        query = sa.select(sa.func.count()).select_from(OutboxMessage)
        return db.session.execute(query.where(OutboxMessage.state.in_(states))).scalar_one()

    return Backlog(
        queued=jobs("queued"),
        running=jobs("running"),
        failed=jobs("failed"),
        mail_waiting=mail("queued", "sending"),
        mail_attention=mail(*ATTENTION_STATES),
    )


def mail_needing_attention(limit: int = 100) -> list[OutboxMessage]:
    """Emails that failed for good or may or may not have left (newest first)."""
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.state.in_(ATTENTION_STATES))
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def requeue_mail(outbox_id: int) -> OutboxMessage | None:
    """Send an email again that an admin checked (see :func:`portal.mail.delivery.requeue`:
    the same Message-ID is kept)."""
    return requeue(outbox_id)


__all__ = [
    "Backlog",
    "backlog",
    "failed_jobs",
    "mail_needing_attention",
    "requeue_mail",
    "retry_job",
]
