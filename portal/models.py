"""SQLAlchemy models. Portable SQL only: the same code runs on SQLite and PostgreSQL.

Articles themselves live as files (see :mod:`portal.store`); the database holds people,
tickets, revisions of article files, and the signals analytics reads.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db

# A manager sees analytics without working tickets; an admin holds every role.
ROLES = ("agent", "writer", "manager", "admin")
# "on_hold": the team waits on someone else (a carrier, the bank); customers see it as open.
TICKET_STATUSES = ("open", "pending", "on_hold", "solved")
UNSOLVED_STATUSES = ("open", "pending", "on_hold")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("web", "email", "chat", "api", "widget")
SIDES = ("customer", "form", "agent", "api", "email", "widget")


def utcnow() -> datetime:
    """Timezone-aware now, stored as UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands back naive values, stored as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_session_token() -> str:
    """A fresh random token naming a user's sessions (see :meth:`User.get_id`)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A staff member: agent, writer, manager and/or admin. Customers have no accounts."""

    __tablename__ = "users"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(254), unique=True, nullable=False)
    name = sa.Column(sa.String(120), nullable=False)
    password_hash = sa.Column(sa.String(255), nullable=False)
    roles = sa.Column(sa.String(100), nullable=False, default="")
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    session_token = sa.Column(
        sa.String(64), nullable=False, unique=True, index=True, default=new_session_token
    )
    # Email notifications (agents choose on /agent/settings): every new ticket, and
    # customer replies on the tickets assigned to them.
    notify_new_tickets = sa.Column(sa.Boolean, nullable=False, default=False)
    notify_replies = sa.Column(sa.Boolean, nullable=False, default=True)

    def get_id(self) -> str:
        """flask-login keeps this in the session and the remember cookie instead of the id,
        so a new token (:meth:`end_sessions`) turns every copy of those cookies away."""
        return self.session_token

    def end_sessions(self) -> None:
        """Sign the user out everywhere: existing session and remember cookies stop working."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """Hash with scrypt (werkzeug's default): slow by design. Ends every session."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def role_set(self) -> frozenset[str]:
        """The user's roles as a set."""
        return frozenset(r for r in self.roles.split(",") if r)

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of ``roles`` (admin holds them all)."""
        held = self.role_set
        return "admin" in held or any(r in held for r in roles)

    @property
    def is_active(self) -> bool:  # flask-login reads this
        return bool(self.active)


class Ticket(db.Model):
    """A customer's request, followed through a private link."""

    __tablename__ = "tickets"
    id = sa.Column(sa.Integer, primary_key=True)
    reference = sa.Column(sa.String(20), unique=True, nullable=False)
    token_hash = sa.Column(sa.String(64), unique=True, nullable=False)
    submission_key = sa.Column(sa.String(64), unique=True, nullable=True)
    email = sa.Column(sa.String(254), nullable=False, index=True)
    name = sa.Column(sa.String(120), nullable=False)
    subject = sa.Column(sa.String(200), nullable=False)
    category = sa.Column(sa.String(64), nullable=True)
    locale = sa.Column(sa.String(16), nullable=False)
    channel = sa.Column(sa.String(16), nullable=False, default="web")
    status = sa.Column(sa.String(16), nullable=False, default="open", index=True)
    assignee_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), nullable=True)
    # The team a ticket belongs to (any agent may still be its assignee).
    group_id = sa.Column(sa.Integer, sa.ForeignKey("groups.id"), nullable=True, index=True)
    priority = sa.Column(
        sa.String(16), nullable=False, default="normal", server_default="normal", index=True
    )
    suggested_articles = sa.Column(sa.JSON, nullable=False, default=list)
    opened_articles = sa.Column(sa.JSON, nullable=False, default=list)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    first_response_at = sa.Column(sa.DateTime(timezone=True), nullable=True)
    solved_at = sa.Column(sa.DateTime(timezone=True), nullable=True)
    # A reply by email to a ticket solved long ago opens a new ticket linked to the old one.
    follows_ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=True)
    # How often a solved ticket was opened again (by the customer or an agent): first-contact
    # resolution and the reopen rate are read from it (see portal.analytics.support).
    reopen_count = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    # The customer's own searches that led to the ticket (search-log ids the contact link
    # carried, signed): agents see what self-service was tried (portal.agent.journey).
    search_log_ids = sa.Column(sa.JSON, nullable=True)

    assignee = db.relationship("User")
    group = db.relationship("Group")
    messages = db.relationship(
        "TicketMessage", back_populates="ticket", order_by="TicketMessage.id"
    )
    tag_rows = db.relationship(
        "TicketTag", order_by="TicketTag.tag", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        """The ticket's tags, sorted (see :mod:`portal.agent.tags`)."""
        return [row.tag for row in self.tag_rows]


class TicketMessage(db.Model):
    """One message in a ticket's conversation; internal notes are for agents only."""

    __tablename__ = "ticket_messages"
    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True)
    author_type = sa.Column(sa.String(16), nullable=False)  # customer | agent
    author_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), nullable=True)
    body = sa.Column(sa.Text, nullable=False)
    internal = sa.Column(sa.Boolean, nullable=False, default=False)
    channel = sa.Column(sa.String(16), nullable=True)  # the door it came through; None: web
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)

    ticket = db.relationship("Ticket", back_populates="messages")
    author = db.relationship("User")


class ArticleLink(db.Model):
    """An article an agent linked into a reply: which articles actually solve tickets."""

    __tablename__ = "article_links"
    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True)
    message_id = sa.Column(sa.Integer, sa.ForeignKey("ticket_messages.id"), nullable=True)
    article_id = sa.Column(sa.String(80), nullable=False, index=True)
    locale = sa.Column(sa.String(16), nullable=False)
    agent_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class Deflection(db.Model):
    """A customer said a suggested article answered them: no ticket was filed."""

    __tablename__ = "deflections"
    id = sa.Column(sa.Integer, primary_key=True)
    article_id = sa.Column(sa.String(80), nullable=False)
    locale = sa.Column(sa.String(16), nullable=False)
    query = sa.Column(sa.String(500), nullable=False, default="")
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class SearchLog(db.Model):
    """One search, from any side, and the result the searcher opened."""

    __tablename__ = "search_log"
    __table_args__ = (sa.Index("ix_search_log_locale_created", "locale", "created_at"),)
    id = sa.Column(sa.Integer, primary_key=True)
    query = sa.Column(sa.String(500), nullable=False)
    locale = sa.Column(sa.String(16), nullable=False)
    side = sa.Column(sa.String(16), nullable=False)
    result_count = sa.Column(sa.Integer, nullable=False)
    opened_article_id = sa.Column(sa.String(80), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class ArticleView(db.Model):
    """A customer opened an article page."""

    __tablename__ = "article_views"
    id = sa.Column(sa.Integer, primary_key=True)
    article_id = sa.Column(sa.String(80), nullable=False, index=True)
    locale = sa.Column(sa.String(16), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class ArticleVote(db.Model):
    """'Was this helpful?': one vote per visitor per article and locale, changeable."""

    __tablename__ = "article_votes"
    __table_args__ = (sa.UniqueConstraint("article_id", "locale", "visitor_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    article_id = sa.Column(sa.String(80), nullable=False)
    locale = sa.Column(sa.String(16), nullable=False)
    visitor_id = sa.Column(sa.String(64), nullable=False)
    helpful = sa.Column(sa.Boolean, nullable=False)
    reason = sa.Column(sa.String(300), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class TranslationRequest(db.Model):
    """A search answered from another locale: the article wants a translation."""

    __tablename__ = "translation_requests"
    id = sa.Column(sa.Integer, primary_key=True)
    article_id = sa.Column(sa.String(80), nullable=False, index=True)
    source_locale = sa.Column(sa.String(16), nullable=False)
    wanted_locale = sa.Column(sa.String(16), nullable=False)
    query = sa.Column(sa.String(500), nullable=False, default="")
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class Revision(db.Model):
    """A saved version of an article file, for history, diff and restore."""

    __tablename__ = "revisions"
    id = sa.Column(sa.Integer, primary_key=True)
    article_id = sa.Column(sa.String(80), nullable=False)
    locale = sa.Column(sa.String(16), nullable=False)
    author_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), nullable=True)
    content = sa.Column(sa.Text, nullable=False)
    note = sa.Column(sa.String(200), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    __table_args__ = (sa.Index("ix_revisions_article", "article_id", "locale"),)


OUTBOX_STATES = ("queued", "sending", "sent", "unconfirmed", "failed")


class OutboxMessage(db.Model):
    """An email to send; its content is final and localized. The worker delivers it (see
    :mod:`portal.mail.delivery`): ``state`` moves queued -> sending -> sent, and a send the
    worker was killed in the middle of is told apart from one that never started."""

    __tablename__ = "outbox"
    id = sa.Column(sa.Integer, primary_key=True)
    to_email = sa.Column(sa.String(254), nullable=False)
    subject = sa.Column(sa.String(300), nullable=False)
    body = sa.Column(sa.Text, nullable=False)
    html_body = sa.Column(sa.Text, nullable=True)
    locale = sa.Column(sa.String(16), nullable=False)
    kind = sa.Column(sa.String(32), nullable=False)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=True)
    # RFC 5322 threading: fixed when queued, so a retried send carries the same Message-ID.
    message_id = sa.Column(sa.String(255), nullable=True, unique=True)
    in_reply_to = sa.Column(sa.String(255), nullable=True)
    thread_references = sa.Column(sa.Text, nullable=True)
    # A Reply-To fixed when queued (an agent notification's agent-side token address); empty:
    # mail about a ticket gets the customer's token address at send time.
    reply_to = sa.Column(sa.String(254), nullable=True)
    auto_submitted = sa.Column(sa.Boolean, nullable=False, default=True)
    state = sa.Column(sa.String(16), nullable=False, default="queued", index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    last_error = sa.Column(sa.Text, nullable=True)
    send_started_at = sa.Column(sa.DateTime(timezone=True), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = sa.Column(sa.DateTime(timezone=True), nullable=True)


JOB_STATES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """A durable background job (transactional outbox: it is committed in the same
    transaction as the change that asks for it). See :mod:`portal.jobs`."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_state_run_after", "state", "run_after"),)
    id = sa.Column(sa.Integer, primary_key=True)
    kind = sa.Column(sa.String(64), nullable=False)
    payload = sa.Column(sa.JSON, nullable=False, default=dict)
    # Enqueueing the same key twice while the first is not finished adds nothing.
    dedupe_key = sa.Column(sa.String(200), nullable=True, unique=True)
    state = sa.Column(sa.String(16), nullable=False, default="queued")
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    max_attempts = sa.Column(sa.Integer, nullable=False, default=8)
    run_after = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    locked_by = sa.Column(sa.String(120), nullable=True)
    locked_until = sa.Column(sa.DateTime(timezone=True), nullable=True)
    last_error = sa.Column(sa.Text, nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = sa.Column(sa.DateTime(timezone=True), nullable=True)


class ApiKey(db.Model):
    """A server-to-server client's key. Only its SHA-256 is stored (the key is 256 random
    bits, so a slow hash adds nothing); ``prefix`` names it in lists and logs."""

    __tablename__ = "api_keys"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(120), nullable=False)
    prefix = sa.Column(sa.String(16), nullable=False, index=True)
    key_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    rate_limit = sa.Column(sa.String(100), nullable=True)  # Flask-Limiter syntax; None: default
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = sa.Column(sa.DateTime(timezone=True), nullable=True)
    revoked_at = sa.Column(sa.DateTime(timezone=True), nullable=True)


class ArticleFile(db.Model):
    """The shared record of one article file, for several nodes: every node mirrors these
    rows into its own ``articles/`` folder and index (see :mod:`portal.replication`).
    A deleted file stays as a row with ``content`` None, so a node that was down learns it."""

    __tablename__ = "article_files"
    id = sa.Column(sa.Integer, primary_key=True)
    path = sa.Column(sa.String(400), nullable=False, unique=True)  # relative to articles/
    content = sa.Column(sa.Text, nullable=True)
    content_hash = sa.Column(sa.String(64), nullable=True)
    version = sa.Column(sa.Integer, nullable=False, default=1)
    changed_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    changed_by = sa.Column(sa.String(120), nullable=True)  # node name


INBOUND_OUTCOMES = ("new_ticket", "follow_up", "new_linked", "note", "recorded", "held")


class InboundEmail(db.Model):
    """One received email, stored once: its unique Message-ID is what makes a re-fetch, a
    retried webhook or a crash mid-ingest harmless (the row is committed in the same
    transaction as the ticket or message it made). The raw MIME is kept as a file under the
    instance folder (``raw_path``), the full original for agents. See :mod:`portal.mail.inbound`."""

    __tablename__ = "inbound_emails"
    id = sa.Column(sa.Integer, primary_key=True)
    message_id = sa.Column(sa.String(255), nullable=False, unique=True)
    raw_path = sa.Column(sa.String(400), nullable=False)  # relative to INBOUND_MAIL_DIR
    raw_sha256 = sa.Column(sa.String(64), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    from_email = sa.Column(sa.String(254), nullable=False)
    subject = sa.Column(sa.String(300), nullable=False, default="")
    source = sa.Column(sa.String(16), nullable=False)  # imap | webhook | bench ...
    outcome = sa.Column(sa.String(16), nullable=False)
    reason = sa.Column(sa.String(200), nullable=True)  # loop rule, match rule, hold reason
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=True, index=True)
    ticket_message_id = sa.Column(sa.Integer, sa.ForeignKey("ticket_messages.id"), nullable=True)
    received_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)

    ticket = db.relationship("Ticket")
    attachments = db.relationship(
        "InboundAttachment", back_populates="email", order_by="InboundAttachment.id"
    )


class InboundAttachment(db.Model):
    """A file an inbound email carried: stored by content hash outside the web root when its
    type (sniffed from the bytes) and size are allowed, otherwise recorded with the reason
    (the bytes stay in the raw MIME)."""

    __tablename__ = "inbound_attachments"
    id = sa.Column(sa.Integer, primary_key=True)
    email_id = sa.Column(sa.Integer, sa.ForeignKey("inbound_emails.id"), nullable=False, index=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=True, index=True)
    filename = sa.Column(sa.String(200), nullable=False)
    content_type = sa.Column(sa.String(120), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    sha256 = sa.Column(sa.String(64), nullable=False)
    stored = sa.Column(sa.Boolean, nullable=False, default=True)
    refused = sa.Column(sa.String(120), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)

    email = db.relationship("InboundEmail", back_populates="attachments")


sa.Index("ix_inbound_emails_from_received", InboundEmail.from_email, InboundEmail.received_at)

# Analytics: the dashboard's aggregates scan one period (and maybe one locale) of these tables.
# Declared here as well as in migration 3f1e9a2b7d40 so ``db.create_all`` and migrations agree.
sa.Index(
    "ix_search_log_created_locale_results",
    SearchLog.created_at,
    SearchLog.locale,
    SearchLog.result_count,
)
sa.Index("ix_tickets_created_locale", Ticket.created_at, Ticket.locale)
sa.Index("ix_deflections_created_locale", Deflection.created_at, Deflection.locale)
sa.Index(
    "ix_article_votes_created_locale_helpful",
    ArticleVote.created_at,
    ArticleVote.locale,
    ArticleVote.helpful,
)
sa.Index("ix_article_links_created_locale", ArticleLink.created_at, ArticleLink.locale)
sa.Index(
    "ix_translation_requests_created_wanted",
    TranslationRequest.created_at,
    TranslationRequest.wanted_locale,
)


class AccessLink(db.Model):
    """A short-lived, single-use link emailed to a customer ("find my requests"): only its
    SHA-256 is kept; using it starts a customer session for ``email``."""

    __tablename__ = "access_links"
    id = sa.Column(sa.Integer, primary_key=True)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    email = sa.Column(sa.String(254), nullable=False, index=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    used_at = sa.Column(sa.DateTime(timezone=True), nullable=True)


@sa.event.listens_for(Ticket.status, "set", active_history=True)
def _count_reopening(ticket: Ticket, value, old, _initiator):
    """Every path that takes a solved ticket out of "solved" counts one reopening, so no
    caller can forget to (customer replies by web or email, an agent's status change)."""
    if old == "solved" and value != "solved":
        ticket.reopen_count = (ticket.reopen_count or 0) + 1


class TicketRating(db.Model):
    """The customer's satisfaction with a solved ticket: one per ticket, changeable for a
    while (see :mod:`portal.satisfaction`). The agent is the one who solved it."""

    __tablename__ = "ticket_ratings"
    id = sa.Column(sa.Integer, primary_key=True)
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, unique=True)
    score = sa.Column(sa.String(8), nullable=False)  # good | bad
    comment = sa.Column(sa.Text, nullable=True)
    agent_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), nullable=True)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)

    ticket = db.relationship("Ticket")
    agent = db.relationship("User")


group_members = sa.Table(
    "group_members",
    db.metadata,
    sa.Column("group_id", sa.Integer, sa.ForeignKey("groups.id"), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True, index=True),
)


class Group(db.Model):
    """A team of agents ("Billing", "Korean desk"): tickets are assigned to a group, an agent,
    or both. See :mod:`portal.agent.groups`."""

    __tablename__ = "groups"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(80), nullable=False, unique=True)
    description = sa.Column(sa.String(300), nullable=False, default="", server_default="")
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)

    members = db.relationship("User", secondary=group_members, order_by="User.name")


class TicketTag(db.Model):
    """One tag on one ticket; tags are normalized (lower case, no spaces) before they get here."""

    __tablename__ = "ticket_tags"
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), primary_key=True)
    tag = sa.Column(sa.String(40), primary_key=True, index=True)


class TicketRead(db.Model):
    """The last message of a ticket an agent has seen: drives the "new customer message"
    marker in the queue."""

    __tablename__ = "ticket_reads"
    ticket_id = sa.Column(sa.Integer, sa.ForeignKey("tickets.id"), primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), primary_key=True)
    message_id = sa.Column(sa.Integer, nullable=False, default=0)
    seen_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


class Macro(db.Model):
    """A saved reply with actions: one text per locale (see :class:`MacroText`), and what
    applying it also sets on the ticket (status, priority, tags). See :mod:`portal.agent.macros`."""

    __tablename__ = "macros"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(120), nullable=False, unique=True)
    active = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    set_status = sa.Column(sa.String(16), nullable=True)
    set_priority = sa.Column(sa.String(16), nullable=True)
    add_tags = sa.Column(sa.JSON, nullable=False, default=list)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)

    texts = db.relationship(
        "MacroText", order_by="MacroText.locale", cascade="all, delete-orphan", lazy="selectin"
    )

    def text_for(self, locale: str) -> str | None:
        """The macro's text in ``locale``, if it has one."""
        return next((t.body for t in self.texts if t.locale == locale), None)


class MacroText(db.Model):
    """A macro's Markdown in one locale."""

    __tablename__ = "macro_texts"
    __table_args__ = (sa.UniqueConstraint("macro_id", "locale"),)
    id = sa.Column(sa.Integer, primary_key=True)
    macro_id = sa.Column(sa.Integer, sa.ForeignKey("macros.id"), nullable=False, index=True)
    locale = sa.Column(sa.String(16), nullable=False)
    body = sa.Column(sa.Text, nullable=False)
