"""Ticket tags: one spelling per tag, so "Refund", " refund " and "REFUND" are one tag.

A tag is lower case (Unicode NFKC, then ``str.lower``), inner spaces become hyphens, and
only letters (any script: "환불" is a tag), digits, "-" and "_" remain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Ticket, TicketTag

MAX_TAG_CHARS = 40
MAX_TAGS_PER_TICKET = 20
_SPACES = re.compile(r"\s+")
_NOT_TAG = re.compile(r"[^\w-]+")


class TagError(ValueError):
    """A tag cannot be used; the message says why."""


def normalize_tag(raw: str) -> str:
    """The one spelling of ``raw`` ("" when nothing of it can be a tag)."""
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    text = _SPACES.sub("-", text)
    text = _NOT_TAG.sub("", text).strip("-_")
    return text


def parse_tags(raw: str | Iterable[str]) -> list[str]:
    """Tags from a comma-separated string (or a list), normalized, once each, in order.

    Raises :class:`TagError` for a tag longer than :data:`MAX_TAG_CHARS`.
    """
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    for part in parts:
        tag = normalize_tag(part)
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise TagError(
                _(
                    "The tag “%(tag)s…” is longer than %(n)d characters.",
                    tag=tag[:20],
                    n=MAX_TAG_CHARS,
                )
            )
        tags.append(tag)
    return tags


def set_tags(ticket: Ticket, tags: Iterable[str]) -> None:
    """Make ``tags`` (already normalized) the ticket's tags; the caller commits."""
    wanted = list(dict.fromkeys(tags))
    if len(wanted) > MAX_TAGS_PER_TICKET:
        raise TagError(_("A ticket takes at most %(n)d tags.", n=MAX_TAGS_PER_TICKET))
    keep = [row for row in ticket.tag_rows if row.tag in wanted]
    have = {row.tag for row in keep}
    ticket.tag_rows = keep + [TicketTag(tag=t) for t in wanted if t not in have]


def add_tags(ticket: Ticket, tags: Iterable[str]) -> None:
    """Add ``tags`` to the ticket's (the caller commits)."""
    set_tags(ticket, [*ticket.tags, *tags])


def remove_tags(ticket: Ticket, tags: Iterable[str]) -> None:
    """Take ``tags`` off the ticket (the caller commits)."""
    gone = set(tags)
    set_tags(ticket, [t for t in ticket.tags if t not in gone])


def known_tags(limit: int = 200) -> list[str]:
    """Tags in use, the most used first (for the queue's filter and suggestions)."""
    query = (
        sa.select(TicketTag.tag)
        .group_by(TicketTag.tag)
        .order_by(sa.func.count().desc(), TicketTag.tag)
        .limit(limit)
    )
    return list(db.session.scalars(query))
