"""Find any ticket: words in its subject, its messages (notes included) or the customer's
name and address, with filters (status, group, assignee, tag, channel, dates).

Words are matched by the database's own full-text index, as word prefixes ("환불" finds
"환불은", "refund" finds "refunds"), every word somewhere in the ticket:

* SQLite: one FTS5 document per ticket (``ticket_fts``: subject, customer, every
  message's body), kept in step by triggers
  (migration desk0003; :func:`rebuild_sqlite_index` puts them back, e.g. after a later
  migration rebuilt the ``tickets`` table in SQLite's batch mode, which drops triggers);
* PostgreSQL: GIN indexes over ``to_tsvector('simple', ...)``, queried with the same
  expressions (:data:`PG_TICKET_VECTOR`, :data:`PG_MESSAGE_VECTOR`);
* anything else, or an SQLite database without the index: ``LIKE`` on the same columns
  (portable, and measured far slower at 100k tickets: ``bench/ticket_search_bench.py``).

A reference ("T-1A2B3C4D") or a full email address in the query also matches exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.agent.tags import normalize_tag
from portal.extensions import db
from portal.guards import database_id
from portal.models import (
    CHANNELS,
    TICKET_STATUSES,
    UNSOLVED_STATUSES,
    Ticket,
    TicketMessage,
    TicketTag,
)

MAX_TERMS = 8
MAX_QUERY_CHARS = 200
PAGE_SIZE = 50
# Counting every match of a common word costs more than finding the first page: past this
# many the page says "more than" (bench/ticket_search_bench.py).
COUNT_LIMIT = 1000
_WORD = re.compile(r"[\w@.+-]+")
_HAS_WORD_CHAR = re.compile(r"[^\W_]")
_REFERENCE = re.compile(r"^T-[0-9A-Z]{4,16}$", re.IGNORECASE)
PG_TICKET_VECTOR = "to_tsvector('simple'::regconfig, subject || ' ' || email || ' ' || name)"
PG_MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, body)"
SQLITE_TRIGGERS = (
    "ticket_fts_insert",
    "ticket_fts_update",
    "ticket_fts_delete",
    "message_fts_insert",
    "message_fts_update",
    "message_fts_delete",
)
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, email, name, body, tokenize='unicode61')",
    "INSERT INTO ticket_fts(rowid, subject, email, name, body) "
    "SELECT t.id, t.subject, t.email, t.name, "
    "coalesce((SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '') "
    "FROM tickets t",
    """CREATE TRIGGER ticket_fts_insert AFTER INSERT ON tickets BEGIN
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         VALUES (new.id, new.subject, new.email, new.name, '');
       END""",
    """CREATE TRIGGER ticket_fts_update AFTER UPDATE OF subject, email, name ON tickets BEGIN
         DELETE FROM ticket_fts WHERE rowid = old.id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         VALUES (new.id, new.subject, new.email, new.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = new.id), ''));
       END""",
    """CREATE TRIGGER ticket_fts_delete AFTER DELETE ON tickets BEGIN
         DELETE FROM ticket_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER message_fts_insert AFTER INSERT ON ticket_messages BEGIN
         DELETE FROM ticket_fts WHERE rowid = new.ticket_id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         SELECT t.id, t.subject, t.email, t.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '')
         FROM tickets t WHERE t.id = new.ticket_id;
       END""",
    """CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON ticket_messages BEGIN
         DELETE FROM ticket_fts WHERE rowid = new.ticket_id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         SELECT t.id, t.subject, t.email, t.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '')
         FROM tickets t WHERE t.id = new.ticket_id;
       END""",
    """CREATE TRIGGER message_fts_delete AFTER DELETE ON ticket_messages BEGIN
         DELETE FROM ticket_fts WHERE rowid = old.ticket_id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         SELECT t.id, t.subject, t.email, t.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '')
         FROM tickets t WHERE t.id = old.ticket_id;
       END""",
]


@dataclass(frozen=True)
class SearchFilter:
    """A ticket search: words and filters ('' means any). ``assignee`` and ``group`` take
    'none' or an id; ``since``/``until`` are filing dates, both included."""

    q: str = ""
    status: str = ""
    group: str = ""
    assignee: str = ""
    tag: str = ""
    channel: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @property
    def terms(self) -> tuple[str, ...]:
        """The query's words, lower case, at most :data:`MAX_TERMS`."""
        words = (w.lower().strip(".+-") for w in _WORD.findall(self.q))
        return tuple(dict.fromkeys(w for w in words if _HAS_WORD_CHAR.search(w)))[:MAX_TERMS]

    @property
    def empty(self) -> bool:
        """True when nothing narrows the search (the page then shows no results)."""
        return not (
            self.terms or self.status or self.group or self.assignee or self.tag or self.channel
        ) and not (self.since or self.until)

    def args(self) -> dict[str, str]:
        """The search as query arguments, for paging links."""
        values = {
            "q": self.q,
            "status": self.status,
            "group": self.group,
            "assignee": self.assignee,
            "tag": self.tag,
            "channel": self.channel,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class SearchPage:
    """One page of results, newest activity first; ``mode`` is "fulltext" or "like"."""

    tickets: tuple[Ticket, ...]
    total: int
    page: int
    pages: int
    mode: str
    capped: bool = False  # True when there are more than ``total`` (= COUNT_LIMIT) matches
    errors: tuple[str, ...] = field(default_factory=tuple)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_search(args: Mapping[str, str]) -> tuple[SearchFilter, tuple[str, ...]]:
    """A :class:`SearchFilter` from query arguments, and what was ignored (to tell the
    agent): unknown values fall back to "any"."""
    errors = []
    q = (args.get("q") or "")[:MAX_QUERY_CHARS]
    status = args.get("status", "")
    if status and status not in (*TICKET_STATUSES, "unsolved"):
        errors.append("status")
        status = ""
    channel = args.get("channel", "")
    if channel and channel not in CHANNELS:
        errors.append("channel")
        channel = ""
    values = {}
    for name in ("group", "assignee"):
        value = args.get(name, "")
        if value and value != "none" and database_id(value) is None:
            errors.append(name)
            value = ""
        values[name] = value
    since, until = _date(args.get("since", "")), _date(args.get("until", ""))
    if args.get("since") and since is None:
        errors.append("since")
    if args.get("until") and until is None:
        errors.append("until")
    try:
        page = max(1, min(int(args.get("page", 1)), 1000))
    except (TypeError, ValueError):
        page = 1
    flt = SearchFilter(
        q=q,
        status=status,
        tag=normalize_tag(args.get("tag", ""))[:40],
        channel=channel,
        since=since,
        until=until,
        page=page,
        **values,
    )
    return flt, tuple(errors)


def _fts5_term(term: str) -> str:
    return '"' + term.replace('"', '""') + '"*'


def _pg_term(term: str) -> str:
    return "'" + term.replace("'", "").replace("\\", "") + "':*"


def _sqlite_ids(terms: tuple[str, ...]) -> sa.Select:
    """Ids of tickets with every term somewhere (one FTS5 MATCH over the ticket's document)."""
    expr = sa.bindparam("fts_query", " AND ".join(_fts5_term(t) for t in terms))
    return (
        sa.select(sa.literal_column("rowid"))
        .select_from(sa.table("ticket_fts"))
        .where(sa.literal_column("ticket_fts").op("MATCH")(expr))
    )


def _pg_ids(term: str, n: int) -> sa.Select:
    """Ids of tickets with ``term`` in the header or a message (tsvector)."""
    query = sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), _pg_term(term))
    header = sa.select(Ticket.id.label("id")).where(
        sa.literal_column(PG_TICKET_VECTOR).op("@@")(query)
    )
    body = sa.select(TicketMessage.ticket_id.label("id")).where(
        sa.literal_column(PG_MESSAGE_VECTOR).op("@@")(query)
    )
    return sa.union(header, body)


def _like_condition(term: str):
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    in_body = sa.select(TicketMessage.id).where(
        TicketMessage.ticket_id == Ticket.id,
        sa.func.lower(TicketMessage.body).like(pattern, escape="\\"),
    )
    return sa.or_(
        sa.func.lower(Ticket.subject).like(pattern, escape="\\"),
        sa.func.lower(Ticket.email).like(pattern, escape="\\"),
        sa.func.lower(Ticket.name).like(pattern, escape="\\"),
        in_body.exists(),
    )


def sqlite_index_ready(connection) -> bool:
    """True when the FTS5 tables and all their triggers exist."""
    names = set(
        connection.execute(
            sa.text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        ).scalars()
    )
    return {"ticket_fts", *SQLITE_TRIGGERS} <= names


def search_mode() -> str:
    """ "fulltext" when this database has its full-text index, else "like" (checked once
    per engine)."""
    engine = db.engine
    cache = current_app.extensions.setdefault("ticket_search_mode", {})
    key = str(engine.url)
    if key not in cache:
        if engine.dialect.name == "postgresql":
            cache[key] = "fulltext"
        elif engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                cache[key] = "fulltext" if sqlite_index_ready(conn) else "like"
        else:
            cache[key] = "like"
    return cache[key]


def rebuild_sqlite_index() -> None:
    """Recreate SQLite's FTS5 tables and triggers from the rows (safe to repeat)."""
    with db.engine.begin() as conn:
        for name in SQLITE_TRIGGERS:
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        conn.execute(sa.text("DROP TABLE IF EXISTS ticket_fts"))
        for statement in SQLITE_INDEX:
            conn.execute(sa.text(statement))
    current_app.extensions.get("ticket_search_mode", {}).clear()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def build_query(flt: SearchFilter, mode: str) -> sa.Select:
    """The SELECT of tickets matching ``flt`` (unordered)."""
    query = sa.select(Ticket)
    terms = flt.terms
    if len(terms) == 1 and _REFERENCE.match(terms[0]):
        # A reference names one ticket: the unique index answers, no text search needed.
        query = query.where(Ticket.reference == terms[0].upper())
    elif terms:
        if mode != "fulltext":
            words = sa.and_(*[_like_condition(t) for t in terms])
        elif db.engine.dialect.name == "postgresql":
            # One IN per word: every word in the subject, the customer or some message.
            words = sa.and_(*[Ticket.id.in_(_pg_ids(t, n)) for n, t in enumerate(terms)])
        else:
            words = Ticket.id.in_(_sqlite_ids(terms))
        if len(terms) == 1 and "@" in terms[0]:
            words = sa.or_(words, Ticket.email == terms[0])
        query = query.where(words)
    if flt.status == "unsolved":
        query = query.where(Ticket.status.in_(UNSOLVED_STATUSES))
    elif flt.status:
        query = query.where(Ticket.status == flt.status)
    for column, value in ((Ticket.group_id, flt.group), (Ticket.assignee_id, flt.assignee)):
        if value == "none":
            query = query.where(column.is_(None))
        elif value:
            query = query.where(column == int(value))
    if flt.tag:
        query = query.where(Ticket.id.in_(sa.select(TicketTag.ticket_id).filter_by(tag=flt.tag)))
    if flt.channel:
        query = query.where(Ticket.channel == flt.channel)
    if flt.since:
        query = query.where(Ticket.created_at >= _day_start(flt.since))
    if flt.until:
        query = query.where(Ticket.created_at < _day_start(flt.until + timedelta(days=1)))
    return query


def search_tickets(
    flt: SearchFilter, *, page_size: int = PAGE_SIZE, mode: str | None = None
) -> SearchPage:
    """One page of the tickets matching ``flt``, most recently updated first."""
    mode = mode or search_mode()
    if flt.empty:
        return SearchPage(tickets=(), total=0, page=1, pages=1, mode=mode)
    query = build_query(flt, mode)
    counted = query.with_only_columns(Ticket.id).limit(COUNT_LIMIT + 1).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    capped = total > COUNT_LIMIT
    total = min(total, COUNT_LIMIT)
    pages = max(1, -(-total // page_size))
    page = min(flt.page, pages)
    rows = db.session.scalars(
        query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return SearchPage(
        tickets=tuple(rows), total=total, page=page, pages=pages, mode=mode, capped=capped
    )
