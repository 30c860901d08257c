"""The ticket queue: filter, sort, page and assign tickets. Portable SQL only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.agent.tags import normalize_tag
from portal.extensions import db
from portal.guards import database_id
from portal.models import (
    PRIORITIES,
    TICKET_STATUSES,
    UNSOLVED_STATUSES,
    Group,
    Ticket,
    TicketMessage,
    TicketRead,
    TicketTag,
    User,
    as_utc,
    group_members,
    utcnow,
)

STATUS_FILTERS = ("unsolved", *TICKET_STATUSES, "all")
ASSIGNEE_FILTERS = ("", "me", "none")
GROUP_FILTERS = ("", "mine", "none")
SORTS = ("oldest", "newest", "updated", "priority")
PAGE_SIZE = 50


class AssignError(ValueError):
    """The ticket cannot be assigned that way; the message says why."""


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: status, locale, assignee ('' any, 'me', 'none', or a user id),
    group ('' any, 'mine', 'none', or a group id), priority, tag, and only tickets whose
    customer wrote something their assignee has not seen (``unseen``)."""

    status: str = "unsolved"
    locale: str = ""
    assignee: str = ""
    group: str = ""
    priority: str = ""
    tag: str = ""
    unseen: bool = False
    sort: str = "oldest"
    page: int = 1

    def args(self) -> dict[str, str]:
        """The filter as query arguments (defaults left out), for links that keep it."""
        values = {
            "status": self.status if self.status != "unsolved" else "",
            "locale": self.locale,
            "assignee": self.assignee,
            "group": self.group,
            "priority": self.priority,
            "tag": self.tag,
            "unseen": "1" if self.unseen else "",
            "sort": self.sort if self.sort != "oldest" else "",
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue; ``unseen`` holds the ids of tickets with a new customer
    message their assignee (or, unassigned, the reader) has not seen."""

    tickets: tuple[Ticket, ...]
    total: int
    page: int
    pages: int
    unseen: frozenset[int] = field(default_factory=frozenset)


def parse_filter(args: Mapping[str, str], locales: tuple[str, ...]) -> QueueFilter:
    """Read a :class:`QueueFilter` from query arguments; unknown values fall back to defaults."""
    status = args.get("status", "unsolved")
    locale = args.get("locale", "")
    assignee = args.get("assignee", "")
    group = args.get("group", "")
    priority = args.get("priority", "")
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
        group=group if group in GROUP_FILTERS or database_id(group) is not None else "",
        priority=priority if priority in PRIORITIES else "",
        tag=normalize_tag(args.get("tag", ""))[:40],
        unseen=args.get("unseen", "") in ("1", "on", "true"),
        sort=sort if sort in SORTS else "oldest",
        page=page,
    )


def _last_customer_message_id():
    return (
        sa.select(sa.func.max(TicketMessage.id))
        .where(
            TicketMessage.ticket_id == Ticket.id,
            TicketMessage.author_type == "customer",
            TicketMessage.internal.is_(False),
        )
        .scalar_subquery()
    )


def _seen_by(user_id):
    return (
        sa.select(TicketRead.message_id)
        .where(TicketRead.ticket_id == Ticket.id, TicketRead.user_id == user_id)
        .scalar_subquery()
    )


def unseen_condition(user: User):
    """SQL: the ticket's last customer message is newer than what its assignee saw (the
    reader stands in for the assignee of an unassigned ticket)."""
    reader = sa.func.coalesce(Ticket.assignee_id, user.id)
    return _last_customer_message_id() > sa.func.coalesce(_seen_by(reader), 0)


def _filtered(query: sa.Select, flt: QueueFilter, user: User) -> sa.Select:
    if flt.status == "unsolved":
        query = query.where(Ticket.status.in_(UNSOLVED_STATUSES))
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
    if flt.group == "mine":
        mine = sa.select(group_members.c.group_id).where(group_members.c.user_id == user.id)
        query = query.where(Ticket.group_id.in_(mine))
    elif flt.group == "none":
        query = query.where(Ticket.group_id.is_(None))
    elif (group_id := database_id(flt.group)) is not None:
        query = query.where(Ticket.group_id == group_id)
    if flt.priority:
        query = query.where(Ticket.priority == flt.priority)
    if flt.tag:
        tagged = sa.select(TicketTag.ticket_id).where(TicketTag.tag == flt.tag)
        query = query.where(Ticket.id.in_(tagged))
    if flt.unseen:
        query = query.where(unseen_condition(user))
    return query


# Urgent first; portable CASE rather than a database-specific enum order.
PRIORITY_RANK = sa.case(
    {name: rank for rank, name in enumerate(reversed(PRIORITIES))}, value=Ticket.priority, else_=9
)
ORDER = {
    "oldest": (Ticket.created_at.asc(), Ticket.id.asc()),
    "newest": (Ticket.created_at.desc(), Ticket.id.desc()),
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
    "priority": (PRIORITY_RANK.asc(), Ticket.created_at.asc(), Ticket.id.asc()),
}


def list_tickets(flt: QueueFilter, user: User, page_size: int = PAGE_SIZE) -> QueuePage:
    """The tickets matching ``flt`` for ``user``, one page, in the chosen order."""
    base = _filtered(sa.select(Ticket), flt, user)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(flt.page, pages)
    rows = tuple(
        db.session.scalars(
            base.order_by(*ORDER[flt.sort]).limit(page_size).offset((page - 1) * page_size)
        )
    )
    return QueuePage(
        tickets=rows, total=total, page=page, pages=pages, unseen=unseen_ids(rows, user)
    )


def unseen_ids(rows: tuple[Ticket, ...], user: User) -> frozenset[int]:
    """Which of ``rows`` have a customer message their assignee (else ``user``) has not seen."""
    if not rows:
        return frozenset()
    ids = [t.id for t in rows]
    query = sa.select(Ticket.id).where(Ticket.id.in_(ids), unseen_condition(user))
    return frozenset(db.session.scalars(query))


def staff(role: str = "agent") -> list[User]:
    """Active staff holding ``role`` (admins included), for the assignee filter."""
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in users if u.has_role(role)]


def get_ticket(reference: str) -> Ticket | None:
    """The ticket with ``reference``, if any."""
    return db.session.scalar(sa.select(Ticket).where(Ticket.reference == reference))


def check_assignee(user: User | None) -> None:
    """Raise :class:`AssignError` unless ``user`` (None: nobody) may own tickets."""
    if user is not None and not (user.is_active and user.has_role("agent")):
        raise AssignError(_("%(name)s is not an active agent.", name=user.name))


def apply_assignment(
    ticket: Ticket, *, assignee: User | None | bool = False, group: Group | None | bool = False
) -> None:
    """Set the assignee and/or the group (``False``: leave as is, ``None``: clear); the
    caller commits."""
    if assignee is not False:
        check_assignee(assignee)
        ticket.assignee_id = assignee.id if assignee else None
    if group is not False:
        ticket.group_id = group.id if group else None
    ticket.updated_at = utcnow()


def assign(ticket: Ticket, user: User | None) -> None:
    """Assign ``ticket`` to ``user`` (None unassigns) and save."""
    apply_assignment(ticket, assignee=user)
    db.session.commit()


def set_priority(ticket: Ticket, priority: str) -> None:
    """Set the ticket's priority (the caller commits)."""
    if priority not in PRIORITIES:
        raise AssignError(_("Unknown priority “%(priority)s”.", priority=priority))
    ticket.priority = priority
    ticket.updated_at = utcnow()


def mark_seen(ticket: Ticket, user: User) -> None:
    """Record that ``user`` has seen every message of ``ticket`` so far and save."""
    latest = db.session.scalar(
        sa.select(sa.func.max(TicketMessage.id)).where(TicketMessage.ticket_id == ticket.id)
    )
    read = db.session.get(TicketRead, (ticket.id, user.id))
    if read is None:
        read = TicketRead(ticket_id=ticket.id, user_id=user.id, message_id=0)
        db.session.add(read)
    if (latest or 0) <= read.message_id and read.seen_at is not None:
        return
    read.message_id = latest or 0
    read.seen_at = utcnow()
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two tabs of one agent opened the ticket at once: the other one recorded it.
        db.session.rollback()


def age(ticket: Ticket, now: datetime | None = None):
    """How long ago the ticket was filed, as a timedelta."""
    return (now or utcnow()) - as_utc(ticket.created_at)
