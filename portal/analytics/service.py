"""Self-service analytics: the aggregates behind the dashboard at ``/agent/analytics``.

Every function takes a :class:`Period` (``[start, end)``, UTC) and an optional locale and
reads the signal tables only; nothing here touches the Flask request. The SQL is portable
(SQLAlchemy core, no dialect functions besides ``lower``/``count``/``sum``/``avg``): day
buckets and medians are computed in Python over the small result sets, and search queries
are grouped by ``lower(query)`` in SQL, then merged in Python under the full normalization
(Unicode case folding, whitespace and control characters), so SQLite and PostgreSQL give
identical figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.analytics.support import SupportQuality, support_quality
from portal.extensions import db
from portal.models import (
    ArticleLink,
    ArticleVote,
    Deflection,
    SearchLog,
    Ticket,
    TranslationRequest,
    as_utc,
)
from portal.search import normalize_query

#: Searches made by customers (search page, contact form, public API); the agents' own
#: panel searches say nothing about self-service and are left out.
CUSTOMER_SIDES = ("customer", "form", "api", "email", "widget")
DEFAULT_LIMIT = 20
MAX_PERIOD_DAYS = 366


# -- periods -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The half-open interval ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self):
        object.__setattr__(self, "start", as_utc(self.start))
        object.__setattr__(self, "end", as_utc(self.end))
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """Whole UTC days from ``first`` to ``last``, both included."""
        start = datetime.combine(first, time.min, tzinfo=UTC)
        return cls(start, datetime.combine(last, time.min, tzinfo=UTC) + timedelta(days=1))

    @classmethod
    def last_days(cls, n: int, today: date | None = None) -> Period:
        """The last ``n`` whole UTC days, today included."""
        today = today or datetime.now(UTC).date()
        return cls.days(today - timedelta(days=n - 1), today)

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last day the period touches."""
        return (self.end - timedelta(microseconds=1)).date()

    def each_day(self) -> list[date]:
        """Every UTC day the period touches, in order."""
        first, last = self.first_day, self.last_day
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _in_period(column, period: Period, locale_column=None, locale: str | None = None) -> list:
    """WHERE clauses: ``column`` in the period, and ``locale_column`` = locale if given."""
    clauses = [column >= period.start, column < period.end]
    if locale and locale_column is not None:
        clauses.append(locale_column == locale)
    return clauses


def _count(model, column, period: Period, locale_column, locale: str | None, *extra) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    query = query.where(*_in_period(column, period, locale_column, locale), *extra)
    return int(db.session.execute(query).scalar_one())


# -- self-service ratio, volume and response times -----------------------------------------


@dataclass(frozen=True)
class SelfService:
    """Customers who helped themselves versus customers who filed a ticket."""

    deflections: int
    helpful_votes: int
    tickets: int

    @property
    def self_served(self) -> int:
        return self.deflections + self.helpful_votes

    @property
    def ratio(self) -> float | None:
        """(deflections + helpful votes) / (the same + tickets); None without any signal."""
        total = self.self_served + self.tickets
        return self.self_served / total if total else None


def self_service(period: Period, locale: str | None = None) -> SelfService:
    """Deflections, "yes, this helped" votes and tickets filed in the period."""
    return SelfService(
        deflections=_count(Deflection, Deflection.created_at, period, Deflection.locale, locale),
        helpful_votes=_count(
            ArticleVote,
            ArticleVote.created_at,
            period,
            ArticleVote.locale,
            locale,
            ArticleVote.helpful == sa.true(),
        ),
        tickets=_count(Ticket, Ticket.created_at, period, Ticket.locale, locale),
    )


@dataclass(frozen=True)
class TicketTimes:
    """Tickets filed per UTC day, and the medians of how long they waited."""

    per_day: list[tuple[date, int]]
    median_first_response: timedelta | None
    median_resolution: timedelta | None
    responded: int
    solved: int

    @property
    def total(self) -> int:
        return sum(n for _day, n in self.per_day)


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in durations))


def ticket_times(period: Period, locale: str | None = None) -> TicketTimes:
    """Daily volume and median first-response / resolution times of tickets filed in the
    period (one index range scan; buckets and medians in Python, portable by design)."""
    query = sa.select(Ticket.created_at, Ticket.first_response_at, Ticket.solved_at).where(
        *_in_period(Ticket.created_at, period, Ticket.locale, locale)
    )
    per_day = dict.fromkeys(period.each_day(), 0)
    first_responses: list[timedelta] = []
    resolutions: list[timedelta] = []
    for created, responded, solved in db.session.execute(query):
        created = as_utc(created)
        per_day[created.date()] = per_day.get(created.date(), 0) + 1
        if responded is not None:
            first_responses.append(as_utc(responded) - created)
        if solved is not None:
            resolutions.append(as_utc(solved) - created)
    return TicketTimes(
        per_day=sorted(per_day.items()),
        median_first_response=_median(first_responses),
        median_resolution=_median(resolutions),
        responded=len(first_responses),
        solved=len(resolutions),
    )


# -- searches ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """The text searches are grouped by: normalized as the search does, Unicode case-folded.

    The search's normalization also cleans rows logged before it dropped control characters.
    """
    return normalize_query(text).casefold()


@dataclass
class QueryStats:
    """Every customer search of one normalized query in one locale."""

    query: str
    locale: str
    searches: int = 0
    result_total: int = 0
    no_results: int = 0
    opened: int = 0

    @property
    def with_results(self) -> int:
        return self.searches - self.no_results

    @property
    def avg_results(self) -> float:
        return self.result_total / self.searches if self.searches else 0.0

    @property
    def open_rate(self) -> float:
        """Share of the searches after which the searcher opened an article."""
        return self.opened / self.searches if self.searches else 0.0

    @property
    def never_opened(self) -> int:
        """Searches that showed results when no search of this query ever led to an open."""
        return self.with_results if self.opened == 0 else 0

    @property
    def gap_searches(self) -> int:
        """Searches that found nothing worth opening: no results, or results nobody opens."""
        return self.no_results + self.never_opened


@dataclass(frozen=True)
class SearchSummary:
    """All customer searches of the period, grouped by normalized query and locale."""

    queries: list[QueryStats] = field(default_factory=list)

    @property
    def searches(self) -> int:
        return sum(q.searches for q in self.queries)

    @property
    def no_results(self) -> int:
        return sum(q.no_results for q in self.queries)

    def top(self, limit: int = DEFAULT_LIMIT) -> list[QueryStats]:
        """Most frequent queries first (ties: alphabetical, then locale)."""
        ranked = sorted(self.queries, key=lambda q: (-q.searches, q.query, q.locale))
        return ranked[:limit]

    def gaps(self, limit: int = DEFAULT_LIMIT) -> list[QueryStats]:
        """Queries with searches that found nothing, or whose results nobody ever opens."""
        gaps = [q for q in self.queries if q.gap_searches]
        gaps.sort(key=lambda q: (-q.gap_searches, -q.no_results, q.query, q.locale))
        return gaps[:limit]


def search_summary(
    period: Period, locale: str | None = None, sides: Iterable[str] = CUSTOMER_SIDES
) -> SearchSummary:
    """One grouped scan of ``search_log``: count, results, zero-result and opened searches
    per ``lower(query)`` and locale; the finer normalization merges groups in Python."""
    lowered = sa.func.lower(SearchLog.query)
    opened = sa.case((SearchLog.opened_article_id.is_not(None), 1), else_=0)
    empty = sa.case((SearchLog.result_count == 0, 1), else_=0)
    query = (
        sa.select(
            lowered,
            SearchLog.locale,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(SearchLog.result_count), 0),
            sa.func.coalesce(sa.func.sum(empty), 0),
            sa.func.coalesce(sa.func.sum(opened), 0),
        )
        .where(
            *_in_period(SearchLog.created_at, period, SearchLog.locale, locale),
            SearchLog.side.in_(tuple(sides)),
        )
        .group_by(lowered, SearchLog.locale)
    )
    merged: dict[tuple[str, str], QueryStats] = {}
    for text, loc, count, results, empty_count, opened_count in db.session.execute(query):
        key = (normalize(text), loc)
        if not key[0]:
            continue
        stats = merged.setdefault(key, QueryStats(query=key[0], locale=loc))
        stats.searches += int(count)
        stats.result_total += int(results)
        stats.no_results += int(empty_count)
        stats.opened += int(opened_count)
    return SearchSummary(list(merged.values()))


# -- articles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleVotes:
    """The "Was this helpful?" votes one article (in one locale) received."""

    article_id: str
    locale: str
    yes: int
    no: int

    @property
    def votes(self) -> int:
        return self.yes + self.no

    @property
    def helpful_share(self) -> float:
        return self.yes / self.votes if self.votes else 0.0


def least_helpful(
    period: Period, locale: str | None = None, *, min_votes: int = 1, limit: int = DEFAULT_LIMIT
) -> list[ArticleVotes]:
    """Articles by helpful share, worst first (ties: more "no" votes, then the id)."""
    yes = sa.func.sum(sa.case((ArticleVote.helpful == sa.true(), 1), else_=0))
    total = sa.func.count()
    query = (
        sa.select(ArticleVote.article_id, ArticleVote.locale, yes, total)
        .where(*_in_period(ArticleVote.created_at, period, ArticleVote.locale, locale))
        .group_by(ArticleVote.article_id, ArticleVote.locale)
        .having(total >= max(1, min_votes))
    )
    rows = [
        ArticleVotes(article_id, loc, int(y or 0), int(n) - int(y or 0))
        for article_id, loc, y, n in db.session.execute(query)
    ]
    rows.sort(key=lambda r: (r.helpful_share, -r.no, r.article_id, r.locale))
    return rows[:limit]


@dataclass(frozen=True)
class VoteReason:
    """What one visitor wrote under "Tell us more" with their vote."""

    article_id: str
    locale: str
    helpful: bool
    reason: str
    written_at: datetime


def vote_reasons(
    period: Period,
    locale: str | None = None,
    *,
    article_ids: Iterable[str] | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> list[VoteReason]:
    """Reasons left with the period's votes, newest first; only of ``article_ids`` if given.

    The period is that of the vote, as in :func:`least_helpful`, so an article's reasons
    are those of the votes counted for it; the date is when the reason was last written.
    """
    query = (
        sa.select(
            ArticleVote.article_id,
            ArticleVote.locale,
            ArticleVote.helpful,
            ArticleVote.reason,
            ArticleVote.updated_at,
        )
        .where(
            *_in_period(ArticleVote.created_at, period, ArticleVote.locale, locale),
            ArticleVote.reason.is_not(None),
            ArticleVote.reason != "",
        )
        .order_by(ArticleVote.updated_at.desc(), ArticleVote.id.desc())
        .limit(limit)
    )
    if article_ids is not None:
        query = query.where(ArticleVote.article_id.in_(set(article_ids)))
    return [
        VoteReason(article_id, loc, bool(helpful), reason, as_utc(written))
        for article_id, loc, helpful, reason, written in db.session.execute(query)
    ]


def latest_reasons(
    period: Period, articles: Iterable[ArticleVotes], *, per_article: int = 3
) -> dict[tuple[str, str], list[VoteReason]]:
    """The newest ``per_article`` reasons of each listed article, by (article id, locale)."""
    wanted = {(a.article_id, a.locale): [] for a in articles}
    if not wanted:
        return {}
    ids = {article_id for article_id, _locale in wanted}
    for reason in vote_reasons(period, article_ids=ids, limit=None):
        found = wanted.get((reason.article_id, reason.locale))
        if found is not None and len(found) < per_article:
            found.append(reason)
    return wanted


@dataclass(frozen=True)
class LinkedArticle:
    """An article agents linked into their replies."""

    article_id: str
    locale: str
    links: int
    tickets: int


def most_linked(
    period: Period, locale: str | None = None, *, limit: int = DEFAULT_LIMIT
) -> list[LinkedArticle]:
    """Articles agents linked most (links, and distinct tickets they answered)."""
    links = sa.func.count()
    query = (
        sa.select(
            ArticleLink.article_id,
            ArticleLink.locale,
            links,
            sa.func.count(sa.distinct(ArticleLink.ticket_id)),
        )
        .where(*_in_period(ArticleLink.created_at, period, ArticleLink.locale, locale))
        .group_by(ArticleLink.article_id, ArticleLink.locale)
    )
    rows = [LinkedArticle(a, loc, int(n), int(t)) for a, loc, n, t in db.session.execute(query)]
    rows.sort(key=lambda r: (-r.links, -r.tickets, r.article_id, r.locale))
    return rows[:limit]


@dataclass(frozen=True)
class WantedTranslation:
    """Searches in ``wanted_locale`` that had to borrow ``article_id`` from another locale."""

    article_id: str
    wanted_locale: str
    requests: int
    source_locales: tuple[str, ...]


def missing_translations(
    period: Period,
    locale: str | None = None,
    *,
    exists: Callable[[str, str], bool] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[WantedTranslation]:
    """Translations most requested; ``exists(article_id, locale)`` drops those written
    since. The locale filter applies to the wanted locale."""
    query = (
        sa.select(
            TranslationRequest.article_id,
            TranslationRequest.wanted_locale,
            TranslationRequest.source_locale,
            sa.func.count(),
        )
        .where(
            *_in_period(
                TranslationRequest.created_at, period, TranslationRequest.wanted_locale, locale
            )
        )
        .group_by(
            TranslationRequest.article_id,
            TranslationRequest.wanted_locale,
            TranslationRequest.source_locale,
        )
    )
    grouped: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for article_id, wanted, source, count in db.session.execute(query):
        if exists is not None and exists(article_id, wanted):
            continue
        total, sources = grouped.get((article_id, wanted), (0, set()))
        grouped[(article_id, wanted)] = (total + int(count), sources | {source})
    rows = [
        WantedTranslation(article_id, wanted, total, tuple(sorted(sources)))
        for (article_id, wanted), (total, sources) in grouped.items()
    ]
    rows.sort(key=lambda r: (-r.requests, r.article_id, r.wanted_locale))
    return rows[:limit]


# -- the whole dashboard -------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the dashboard for one period and locale."""

    period: Period
    locale: str | None
    self_service: SelfService
    tickets: TicketTimes
    searches: SearchSummary
    top_searches: list[QueryStats]
    content_gaps: list[QueryStats]
    least_helpful: list[ArticleVotes]
    #: The newest reasons of each least helpful article, by (article id, locale).
    reasons: dict[tuple[str, str], list[VoteReason]]
    most_linked: list[LinkedArticle]
    missing_translations: list[WantedTranslation]
    support: SupportQuality


def dashboard(
    period: Period,
    locale: str | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
    translation_exists: Callable[[str, str], bool] | None = None,
) -> Dashboard:
    """Compute every aggregate of the dashboard."""
    searches = search_summary(period, locale)
    unhelpful = least_helpful(period, locale, limit=limit)
    return Dashboard(
        period=period,
        locale=locale,
        self_service=self_service(period, locale),
        tickets=ticket_times(period, locale),
        searches=searches,
        top_searches=searches.top(limit),
        content_gaps=searches.gaps(limit),
        least_helpful=unhelpful,
        reasons=latest_reasons(period, unhelpful),
        most_linked=most_linked(period, locale, limit=limit),
        missing_translations=missing_translations(
            period, locale, exists=translation_exists, limit=limit
        ),
        support=support_quality(period, locale),
    )
