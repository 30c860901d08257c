"""Support quality: customer satisfaction (CSAT), first-contact resolution, the reopen rate
and the channel mix, for a :class:`~portal.analytics.service.Period` and an optional locale.

CSAT counts the ratings given in the period (a changed rating counts once, as it stands).
Resolution figures follow the tickets filed in the period that were solved at least once,
reopened ones included while they are open again (counting only tickets solved now hid every
reopening until the ticket was solved again). First-contact resolution: solved with exactly
one public agent reply and never reopened. Like the rest of the dashboard the
SQL is portable; the small groupings are done in Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket, TicketMessage, TicketRating, User

#: The breakdowns of CSAT the dashboard and CSV offer.
DIMENSIONS = ("agent", "channel", "locale", "category")


@dataclass(frozen=True)
class Csat:
    """Good and bad ratings of one group."""

    good: int
    bad: int

    @property
    def ratings(self) -> int:
        return self.good + self.bad

    @property
    def score(self) -> float | None:
        """good / (good + bad); None without ratings."""
        return self.good / self.ratings if self.ratings else None


@dataclass(frozen=True)
class CsatRow:
    dimension: str
    value: str  # an agent's name, a channel, a locale code or a category key ("" = none)
    csat: Csat


@dataclass(frozen=True)
class Resolution:
    """Tickets solved in the period: how many at the first contact, how many reopened."""

    solved: int
    first_contact: int
    reopened: int

    @property
    def first_contact_rate(self) -> float | None:
        return self.first_contact / self.solved if self.solved else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.solved if self.solved else None


@dataclass(frozen=True)
class SupportQuality:
    csat: Csat
    breakdown: list[CsatRow]
    resolution: Resolution
    channels: list[tuple[str, int]]  # tickets filed per channel, most first


def _where(column, period, locale):
    conditions = [column >= period.start, column < period.end]
    if locale:
        conditions.append(Ticket.locale == locale)
    return conditions


def satisfaction(period, locale: str | None = None) -> tuple[Csat, list[CsatRow]]:
    """CSAT of the ratings given in the period, overall and per dimension."""
    rows = db.session.execute(
        sa.select(
            TicketRating.score,
            User.name,
            Ticket.channel,
            Ticket.locale,
            Ticket.category,
        )
        .join(Ticket, Ticket.id == TicketRating.ticket_id)
        .outerjoin(User, User.id == TicketRating.agent_id)
        .where(*_where(TicketRating.created_at, period, locale))
    ).all()
    totals: Counter = Counter()
    groups: dict[tuple[str, str], Counter] = {}
    for score, agent, channel, ticket_locale, category in rows:
        totals[score] += 1
        values = {
            "agent": agent or "",
            "channel": channel or "",
            "locale": ticket_locale or "",
            "category": category or "",
        }
        for dimension in DIMENSIONS:
            groups.setdefault((dimension, values[dimension]), Counter())[score] += 1
    breakdown = [
        CsatRow(dimension, value, Csat(c["good"], c["bad"]))
        for (dimension, value), c in sorted(
            groups.items(), key=lambda item: (DIMENSIONS.index(item[0][0]), item[0][1])
        )
    ]
    return Csat(totals["good"], totals["bad"]), breakdown


def resolution(period, locale: str | None = None) -> Resolution:
    """First-contact resolution and the reopen rate of the tickets filed in the period and
    solved at least once."""
    replies = (
        sa.select(sa.func.count(TicketMessage.id))
        .where(
            TicketMessage.ticket_id == Ticket.id,
            TicketMessage.author_type == "agent",
            TicketMessage.internal == sa.false(),
        )
        .scalar_subquery()
    )
    ever_solved = sa.or_(Ticket.solved_at.is_not(None), Ticket.reopen_count > 0)
    rows = db.session.execute(
        sa.select(Ticket.status, Ticket.reopen_count, replies).where(
            ever_solved, *_where(Ticket.created_at, period, locale)
        )
    ).all()
    return Resolution(
        solved=len(rows),
        first_contact=sum(
            1 for status, reopened, n in rows if status == "solved" and not reopened and n == 1
        ),
        reopened=sum(1 for _s, reopened, _n in rows if reopened),
    )


def channel_mix(period, locale: str | None = None) -> list[tuple[str, int]]:
    """Tickets filed in the period per channel (web, email, api, widget...), most first."""
    rows = db.session.execute(
        sa.select(Ticket.channel, sa.func.count(Ticket.id))
        .where(*_where(Ticket.created_at, period, locale))
        .group_by(Ticket.channel)
    ).all()
    return sorted(((channel or "", n) for channel, n in rows), key=lambda r: (-r[1], r[0]))


def support_quality(period, locale: str | None = None) -> SupportQuality:
    csat, breakdown = satisfaction(period, locale)
    return SupportQuality(csat, breakdown, resolution(period, locale), channel_mix(period, locale))
