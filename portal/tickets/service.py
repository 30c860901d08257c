"""Filing tickets and following them through the private link: the rules, without Flask views.

The private link carries a token that only the customer holds; the database keeps its
SHA-256. A form submission carries a ``submission_key`` (the API's ``Idempotency-Key``):
filing the same submission twice (refresh, double click, a retried call) returns the first
ticket, and the token is derived from it with the app's secret so the second answer can show
the same private link. A submission is the key *and* what was submitted: a key reused with
other content, guessed or colliding, files a new ticket and never reveals another one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.mail.compose import render_html, text_as_html
from portal.mail.outbox import queue_email
from portal.models import Deflection, OutboxMessage, Ticket, TicketMessage, utcnow
from portal.tickets.answers import answers_for

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
REFERENCE_LENGTH = 7
MAX_ARTICLE_IDS = 20
# C0 and C1 controls (CR, LF, tab, NUL, ESC...) and the Unicode line and paragraph separators.
LINE_BREAK_OR_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"


class FilingError(RuntimeError):
    """The ticket could not be stored; nothing was saved and the caller keeps the input."""


@dataclass(frozen=True)
class TicketInput:
    """A validated request from any channel."""

    email: str
    name: str
    subject: str
    description: str
    locale: str
    category: str | None = None
    channel: str = "web"
    submission_key: str | None = None
    suggested: tuple[str, ...] = field(default_factory=tuple)
    opened: tuple[str, ...] = field(default_factory=tuple)
    searches: tuple[int, ...] = field(default_factory=tuple)  # search-log ids before filing


@dataclass(frozen=True)
class Filed:
    """A stored ticket and the token of its private link."""

    ticket: Ticket
    token: str
    created: bool


def hash_token(token: str) -> str:
    """What the database keeps of a private-link token."""
    return hashlib.sha256(token.encode()).hexdigest()


def submission_fingerprint(data: TicketInput) -> str | None:
    """What identifies one submission: the channel's key bound to everything submitted."""
    if not data.submission_key:
        return None
    parts = (
        data.channel,
        data.submission_key,
        data.email,
        data.name,
        data.subject,
        data.description,
        data.locale,
        data.category or "",
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def header_text(text: str) -> str:
    """``text`` on one line, for an email header. The forms and the API refuse line breaks in
    subjects and names; tickets filed before they did may still carry them."""
    return re.sub(LINE_BREAK_OR_CONTROL + "+", " ", text)


def _token_for(submission_key: str | None) -> str:
    if not submission_key:
        return secrets.token_urlsafe(32)
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, f"ticket:{submission_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"HM-{body}"


def private_url(token: str, *, external: bool = True) -> str:
    """The customer's private page for the ticket whose token is ``token``."""
    return url_for("tickets.private", token=token, _external=external)


def clean_ids(ids) -> tuple[str, ...]:
    """Article ids from a form or JSON: known shape only, each once, bounded."""
    seen: list[str] = []
    for raw in ids or ():
        value = str(raw).strip()
        if value and len(value) <= 80 and value not in seen:
            seen.append(value)
    return tuple(seen[:MAX_ARTICLE_IDS])


def find_by_submission(submission_key: str) -> Ticket | None:
    """The ticket already filed with this form submission, if any."""
    return db.session.execute(
        sa.select(Ticket).where(Ticket.submission_key == submission_key)
    ).scalar_one_or_none()


def find_by_token(token: str) -> Ticket | None:
    """The ticket whose private link carries ``token`` (None for a wrong or guessed one).
    A database that cannot answer raises :class:`FilingError`."""
    if not token or len(token) > 100:
        return None
    try:
        return db.session.execute(
            sa.select(Ticket).where(Ticket.token_hash == hash_token(token))
        ).scalar_one_or_none()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise FilingError("could not look up the ticket") from exc


def file_ticket(
    data: TicketInput,
    *,
    acknowledge: bool = True,
    follows: Ticket | None = None,
    before_commit: Callable[[Ticket, TicketMessage], None] | None = None,
) -> Filed:
    """Store the ticket, its first message and the confirmation email, all or nothing.

    ``acknowledge=False`` files without the confirmation (mail that must get no automatic
    answer); ``follows`` links the new ticket to an older one; ``before_commit`` lets a
    channel add its own rows (the inbound email record) to the same transaction."""
    submission = submission_fingerprint(data)
    if submission:
        try:
            existing = find_by_submission(submission)
        except sa.exc.SQLAlchemyError as exc:  # locked or unreachable: the caller keeps the text
            db.session.rollback()
            raise FilingError("could not look up the submission") from exc
        if existing is not None:
            return Filed(existing, _token_for(submission), created=False)
    token = _token_for(submission)
    ticket = Ticket(
        reference=_new_reference(),
        token_hash=hash_token(token),
        submission_key=submission,
        email=data.email,
        name=data.name,
        subject=data.subject,
        category=data.category or None,
        locale=data.locale,
        channel=data.channel,
        status="open",
        suggested_articles=list(data.suggested),
        opened_articles=list(data.opened),
        search_log_ids=list(data.searches) or None,
        follows_ticket_id=follows.id if follows is not None else None,
    )
    first = TicketMessage(author_type="customer", body=data.description, channel=data.channel)
    ticket.messages.append(first)
    db.session.add(ticket)
    try:
        db.session.flush()
        if acknowledge:
            confirmation_email(ticket, token)
        _notify(ticket, first, "new")
        if before_commit is not None:
            before_commit(ticket, first)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        if submission and (existing := find_by_submission(submission)):
            return Filed(existing, token, created=False)  # a concurrent double submit
        raise FilingError("could not store the ticket") from None
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise FilingError("could not store the ticket") from exc
    return Filed(ticket, token, created=True)


def confirmation_email(ticket: Ticket, token: str) -> OutboxMessage:
    """Queue the localized 'we received your request' email with the private link (text and
    HTML, sent by the worker; the caller commits)."""
    link = private_url(token)
    message = ticket.messages[0].body if ticket.messages else ""
    answers = answers_for(ticket, message) if ticket.channel == "email" else []
    if answers:
        ticket.suggested_articles = [a.article_id for a in answers]
    with force_locale(ticket.locale):
        subject = _(
            "[%(reference)s] We received your request: %(subject)s",
            reference=ticket.reference,
            subject=header_text(ticket.subject),
        )
        body = "\n".join(
            [
                _("Hello %(name)s,", name=ticket.name),
                "",
                _(
                    "Thank you for contacting Haneul Market support. Your reference number "
                    "is %(reference)s.",
                    reference=ticket.reference,
                ),
                _("Follow your request and reply to us on this private page:"),
                link,
                _("Keep this link to yourself: anyone who has it can read the conversation."),
                "",
                *answer_lines(answers),
                _("Your message:"),
                message,
            ]
        )
    html = render_html(
        "ticket_received.html",
        ticket.locale,
        subject=subject,
        name=ticket.name,
        reference=ticket.reference,
        private_url=link,
        message_html=text_as_html(message),
        answers=answers,
    )
    return queue_email(
        to=ticket.email,
        subject=subject,
        text=body,
        html=html,
        locale=ticket.locale,
        kind="ticket_received",
        ticket=ticket,
        automatic=True,
    )


def answer_lines(answers) -> list[str]:
    """The plain-text part's articles: title (English-only ones marked), link, solved link."""
    if not answers:
        return []
    lines = [_("These articles may already answer your question:"), ""]
    for answer in answers:
        label = f"{answer.title} ({_('in English')})" if answer.borrowed else answer.title
        lines += [
            f"- {label}",
            f"  {answer.url}",
            "  " + _("This solved my problem: %(url)s", url=answer.solved_url),
            "",
        ]
    lines.append(
        _("If one of them answers you, its link closes your request. Otherwise we reply soon.")
    )
    return [*lines, ""]


def _notify(ticket: Ticket, message: TicketMessage, event: str) -> None:
    from portal.agent.notify import notify_agents  # the agent side imports this module

    notify_agents(ticket, message, event)


def add_customer_reply(ticket: Ticket, body: str) -> TicketMessage:
    """The customer answers on their private page; a pending or solved ticket reopens."""
    return add_customer_message(ticket, body)


def add_customer_message(
    ticket: Ticket,
    body: str,
    *,
    channel: str | None = None,
    internal: bool = False,
    reopen: bool = True,
    author_type: str = "customer",
    before_commit: Callable[[TicketMessage], None] | None = None,
) -> TicketMessage:
    """A message from the customer's side joins the ticket, from any channel, in one
    transaction: a pending, on-hold or solved ticket reopens unless ``reopen`` is False. An
    automatic message (a bounce, an out-of-office reply) is an ``internal`` note of
    ``author_type`` "system" that never reopens; ``before_commit`` adds a channel's rows."""
    message = TicketMessage(
        ticket=ticket, author_type=author_type, body=body, channel=channel, internal=internal
    )
    db.session.add(message)
    if reopen and ticket.status in ("pending", "on_hold", "solved"):
        ticket.status = "open"
        ticket.solved_at = None
    if not internal:
        ticket.updated_at = utcnow()
    try:
        db.session.flush()
        if not internal:
            _notify(ticket, message, "reply")
        if before_commit is not None:
            before_commit(message)
        db.session.commit()
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        raise FilingError("could not store the reply") from exc
    return message


def public_messages(ticket: Ticket) -> list[TicketMessage]:
    """The conversation as the customer sees it: internal notes never appear."""
    return [m for m in ticket.messages if not m.internal]


def record_deflection(article_id: str, locale: str, query: str) -> Deflection:
    """The customer said a suggested article answered them: nothing is filed."""
    deflection = Deflection(article_id=article_id, locale=locale, query=query[:500])
    db.session.add(deflection)
    db.session.commit()
    return deflection


def log_form_search(data: TicketInput, deflected_to: str | None) -> None:
    """One search-log row per contact form: what was typed, how many articles were shown,
    which one was opened (or answered the question). Typing itself is not logged."""
    from portal.models import SearchLog

    query = (data.subject or data.description).strip()[:500]
    if not query:
        return
    opened = deflected_to or (data.opened[0] if data.opened else None)
    try:
        db.session.add(
            SearchLog(
                query=query,
                locale=data.locale,
                side="form",
                result_count=len(data.suggested) or (1 if deflected_to else 0),
                opened_article_id=opened,
            )
        )
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
