"""Groups (teams) of agents: create, rename, membership. Admin pages and tests call these."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Group, Ticket, User

MAX_NAME_CHARS = 80
MAX_DESCRIPTION_CHARS = 300


class GroupError(ValueError):
    """The group cannot be saved; the message says why and nothing was saved."""


def all_groups() -> list[Group]:
    """Every group, by name."""
    return list(db.session.scalars(sa.select(Group).order_by(Group.name)))


def get_group(group_id: int) -> Group | None:
    """The group with ``group_id``, if any."""
    return db.session.get(Group, group_id)


def groups_of(user: User) -> list[Group]:
    """The groups ``user`` is a member of."""
    return [g for g in all_groups() if user in g.members]


def save_group(
    name: str,
    *,
    description: str = "",
    members: Iterable[User] = (),
    group: Group | None = None,
) -> Group:
    """Create a group, or update ``group``: name (unique, any case), description, members."""
    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        raise GroupError(_("A group needs a name."))
    if len(name) > MAX_NAME_CHARS:
        raise GroupError(_("A group name has at most %(n)d characters.", n=MAX_NAME_CHARS))
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise GroupError(_("A description has at most %(n)d characters.", n=MAX_DESCRIPTION_CHARS))
    clash = db.session.scalar(sa.select(Group).where(sa.func.lower(Group.name) == name.lower()))
    if clash is not None and clash is not group:
        raise GroupError(_("There is already a group named “%(name)s”.", name=clash.name))
    people = list(members)
    if any(not u.has_role("agent") for u in people):
        raise GroupError(_("Only agents can be members of a group."))
    if group is None:
        group = Group(name=name)
        db.session.add(group)
    group.name = name
    group.description = description
    group.members = people
    db.session.commit()
    return group


def delete_group(group: Group) -> int:
    """Delete ``group``; its tickets keep their assignee and lose the group. How many."""
    tickets = list(db.session.scalars(sa.select(Ticket).where(Ticket.group_id == group.id)))
    for ticket in tickets:
        ticket.group_id = None
    group.members = []
    db.session.delete(group)
    db.session.commit()
    return len(tickets)
