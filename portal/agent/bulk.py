"""Bulk actions on the queue: one change (assignee, group, status, priority, tags) applied
to many tickets in one transaction, with the same rules as on one ticket (solving still
emails each customer)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.agent.outbox import queue_solved_email
from portal.agent.queue import AssignError, apply_assignment, set_priority
from portal.agent.tags import add_tags, remove_tags
from portal.extensions import db
from portal.models import TICKET_STATUSES, Group, Ticket, User, utcnow

MAX_BULK_TICKETS = 200


class BulkError(ValueError):
    """The bulk change was refused and nothing changed; the message says why."""


@dataclass(frozen=True)
class BulkChange:
    """What to do to every selected ticket; ``False`` (or empty) leaves a field alone, and
    ``None`` for assignee or group clears it."""

    assignee: User | None | bool = False
    group: Group | None | bool = False
    status: str = ""
    priority: str = ""
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the change would change nothing."""
        return (
            self.assignee is False
            and self.group is False
            and not (self.status or self.priority or self.add_tags or self.remove_tags)
        )


def apply_bulk(references: Iterable[str], change: BulkChange) -> list[Ticket]:
    """Apply ``change`` to the tickets named by ``references`` and save them all, or none
    (:class:`BulkError`). Returns the tickets changed."""
    refs = list(dict.fromkeys(r for r in references if r))
    if not refs:
        raise BulkError(_("Select at least one ticket."))
    if len(refs) > MAX_BULK_TICKETS:
        raise BulkError(_("Select at most %(n)d tickets at once.", n=MAX_BULK_TICKETS))
    if change.empty:
        raise BulkError(_("Choose what to change."))
    if change.status and change.status not in TICKET_STATUSES:
        raise BulkError(_("Unknown status “%(status)s”.", status=change.status))
    found = list(db.session.scalars(sa.select(Ticket).where(Ticket.reference.in_(refs))))
    now = utcnow()
    try:
        for ticket in found:
            apply_assignment(ticket, assignee=change.assignee, group=change.group)
            if change.priority:
                set_priority(ticket, change.priority)
            if change.add_tags:
                add_tags(ticket, change.add_tags)
            if change.remove_tags:
                remove_tags(ticket, change.remove_tags)
            if change.status and change.status != ticket.status:
                if change.status == "solved":
                    queue_solved_email(ticket)
                ticket.status = change.status
                ticket.solved_at = now if change.status == "solved" else None
            ticket.updated_at = now
        db.session.commit()
    except (AssignError, ValueError) as exc:
        db.session.rollback()
        raise BulkError(str(exc)) from exc
    except Exception:
        db.session.rollback()
        raise
    return found
