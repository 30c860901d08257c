"""The ticket queue: filter, sort, page and assign tickets. Portable SQL only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.guards import database_id
from portal.models import TICKET_STATUSES, Ticket, User, as_utc, utcnow

STATUS_FILTERS = ("unsolved", *TICKET_STATUSES, "all")
ASSIGNEE_FILTERS = ("", "me", "none")
SORTS = ("oldest", "newest", "updated")
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: status, locale, assignee ('' any, 'me', 'none', or a user id)."""

    status: str = "unsolved"
    locale: str = ""
    assignee: str = ""
    sort: str = "oldest"
    page: int = 1


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    tickets: tuple[Ticket, ...]
    total: int
    page: int
    pages: int


def parse_filter(args: Mapping[str, str], locales: tuple[str, ...]) -> QueueFilter:
    """Read a :class:`QueueFilter` from query arguments; unknown values fall back to defaults."""
    status = args.get("status", "unsolved")
    locale = args.get("locale", "")
    assignee = args.get("assignee", "")
    sort = args.get("sort", "oldest")
    try:
        page = max(1, min(int(args.get("page", 1)), 10_000))
    except (TypeError, ValueError):
        page = 1
    return QueueFilter(
        status=status if status in STATUS_FILTERS else "unsolved",
        locale=locale if locale in locales else "",
        assignee=assignee
        if assignee in ASSIGNEE_FILTERS or database_id(assignee) is not None
        else "",
        sort=sort if sort in SORTS else "oldest",
        page=page,
    )


def _filtered(query: sa.Select, flt: QueueFilter, user: User) -> sa.Select:
    if flt.status == "unsolved":
        query = query.where(Ticket.status.in_(("open", "pending")))
    elif flt.status in TICKET_STATUSES:
        query = query.where(Ticket.status == flt.status)
    if flt.locale:
        query = query.where(Ticket.locale == flt.locale)
    if flt.assignee == "me":
        query = query.where(Ticket.assignee_id == user.id)
    elif flt.assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif (assignee_id := database_id(flt.assignee)) is not None:
        query = query.where(Ticket.assignee_id == assignee_id)
    return query


ORDER = {
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
}


def list_tickets(flt: QueueFilter, user: User, page_size: int = PAGE_SIZE) -> QueuePage:
    """The tickets matching ``flt`` for ``user``, one page, in the chosen order."""
    base = _filtered(sa.select(Ticket), flt, user)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(flt.page, pages)
    rows = db.session.scalars(
        base.order_by(*ORDER[flt.sort]).limit(page_size).offset((page - 1) * page_size)
    )
    return QueuePage(tickets=tuple(rows), total=total, page=page, pages=pages)


def staff(role: str = "agent") -> list[User]:
    """Active staff holding ``role`` (admins included), for the assignee filter."""
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users if u.has_role(role)]


def get_ticket(reference: str) -> Ticket | None:
    """The ticket with ``reference``, if any."""
    return db.session.scalar(sa.select(Ticket).where(Ticket.reference == reference))


def assign(ticket: Ticket, user: User | None) -> None:
    """Assign ``ticket`` to ``user`` (None unassigns) and save."""
    ticket.assignee_id = user.id if user else None
    ticket.updated_at = utcnow()
    db.session.commit()


def age(ticket: Ticket, now: datetime | None = None):
    """How long ago the ticket was filed, as a timedelta."""
    return (now or utcnow()) - as_utc(ticket.created_at)
