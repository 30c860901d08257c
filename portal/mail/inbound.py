"""Inbound email: one pipeline behind every way mail arrives (IMAP, the webhook, the bench).

:func:`ingest` takes raw MIME and runs a chain of small steps, as Zammad's postmaster
filters do; the deciding steps are pure functions over the parsed mail and a few facts
looked up once, so each rule is tested on hand-made input:

1. **parse** (:func:`portal.mail.parse.parse_email`; never raises);
2. **dedupe**: a Message-ID already stored returns the first result (the row is unique and
   committed with the ticket or message, so a crash mid-ingest leaves nothing to duplicate);
3. **loop protection** (:func:`loop_reason`): RFC 3834 ``Auto-Submitted`` other than ``no``,
   ``Precedence: bulk/list/junk``, ``Return-Path: <>``, mailer-daemon/postmaster senders,
   ``X-Autoreply``, ``X-Loop``, ``multipart/report`` bounces, our own address. Such mail never
   gets an automatic answer and never reopens a ticket: on a known ticket it becomes an
   internal note for agents; a bounce on no known ticket is only recorded;
4. **throttle** (:func:`over_limit`): past ``INBOUND_SENDER_LIMIT_PER_HOUR`` messages from one
   sender, mail is *held*: stored (raw and row), logged, but neither filed nor answered;
5. **staff side** (:mod:`portal.mail.staff`): a reply to an agent's notification (its
   agent-side token address, from that very agent) becomes that agent's reply; mail from an
   agent's address or to an agent token that fails those checks is held, never filed;
6. **follow-up matching** (:func:`match_ticket`): the reply token in a recipient address, then
   the threading headers (our outgoing Message-IDs and the customer's earlier mails), then a
   ``[HM-XXXXXXX]`` subject reference, but that one only when the sender is the ticket's
   customer: never by subject alone;
7. **plan** (:func:`plan`): a follow-up, a new ticket linked to one solved more than
   ``REOPEN_DAYS`` ago, a new ticket, a note, a record or a hold;
8. **apply**: through :mod:`portal.tickets.service` (``file_ticket`` with channel ``email``,
   ``add_customer_message``), the inbound row and attachment rows in the same transaction.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.agent.replies import ReplyError, add_reply
from portal.customers.privacy import is_erased
from portal.extensions import db
from portal.mail import staff
from portal.mail.parse import InboundEmail, parse_email
from portal.mail.quoting import strip_reply
from portal.mail.tokens import parse_reply_address
from portal.models import (
    InboundAttachment,
    OutboxMessage,
    Ticket,
    User,
    as_utc,
    utcnow,
)
from portal.models import (
    InboundEmail as InboundRecord,
)
from portal.tickets import service

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 50_000
DAEMON_LOCALS = ("mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster")
REFERENCE_IN_SUBJECT = re.compile(r"\[(HM-[23456789A-HJ-NP-Z]{7})\]", re.I)
REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|답장|회신|전달)(\[\d+\])?\s*:\s*)+", re.I)


@dataclass(frozen=True)
class InboundConfig:
    """The pipeline's tuned values (``PORTAL_INBOUND_*``, ``PORTAL_REOPEN_DAYS``)."""

    mail_dir: Path
    own_addresses: tuple[str, ...] = ()
    secret: str = ""
    sender_limit_per_hour: int = 20
    reopen_days: float = 14.0
    attachment_max_bytes: int = 5 * 1024 * 1024
    attachment_types: tuple[str, ...] = ("application/pdf", "image/png", "image/jpeg")
    locales: tuple[str, ...] = ("en", "ko")
    default_locale: str = "en"

    @classmethod
    def from_app(cls, app) -> InboundConfig:
        """The app's settings (see :mod:`portal.config`)."""
        config = app.config
        own = [
            parseaddr(str(config.get(key) or ""))[1].lower()
            for key in ("INBOUND_ADDRESS", "MAIL_FROM")
        ]
        return cls(
            mail_dir=mail_dir(config),
            own_addresses=tuple(a for a in own if a),
            secret=str(config["SECRET_KEY"]),
            sender_limit_per_hour=int(config["INBOUND_SENDER_LIMIT_PER_HOUR"]),
            reopen_days=float(config["REOPEN_DAYS"]),
            attachment_max_bytes=int(config["INBOUND_ATTACHMENT_MAX_BYTES"]),
            attachment_types=tuple(config["INBOUND_ATTACHMENT_TYPES"]),
            locales=tuple(config["LOCALES"]),
            default_locale=config["DEFAULT_LOCALE"],
        )


def mail_dir(config) -> Path:
    """Where raw mail and attachments are kept: ``INBOUND_MAIL_DIR``, else instance/mail."""
    return Path(config.get("INBOUND_MAIL_DIR") or Path(config["INSTANCE_DIR"]) / "mail")


@dataclass(frozen=True)
class Match:
    """The ticket a mail continues and the rule that proved it."""

    ticket_id: int
    by: str  # token | thread | subject+sender


@dataclass(frozen=True)
class TicketState:
    """What the plan needs to know about the matched ticket."""

    ticket_id: int
    status: str
    solved_at: datetime | None


@dataclass(frozen=True)
class Plan:
    """What to do with one mail. ``action``: follow_up, new_ticket, new_linked, note
    (internal, no reopen), recorded (kept, nothing else), held (throttled, or a staff-side
    mail that failed its checks: :mod:`portal.mail.staff`) or agent_reply."""

    action: str
    reason: str = ""
    ticket_id: int | None = None
    answer: bool = False
    agent_id: int | None = None  # agent_reply: who answered


@dataclass(frozen=True)
class Ingested:
    """The result for the caller (webhook answer, IMAP flagging, bench counts)."""

    outcome: str
    reference: str | None
    ticket_id: int | None
    duplicate: bool
    inbound_id: int | None


class IngestError(RuntimeError):
    """The mail could not be stored (database down); nothing was saved, try again later."""


# --- pure steps -------------------------------------------------------------------------


def _is_own(address: str, own: tuple[str, ...]) -> bool:
    local, _, domain = address.partition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    return bool(address) and base in own


def is_bounce(mail: InboundEmail) -> bool:
    """A delivery failure report: ``multipart/report`` or a mailer-daemon/postmaster sender."""
    local = mail.from_address.partition("@")[0]
    return mail.is_report or local in DAEMON_LOCALS


def loop_reason(mail: InboundEmail, own_addresses: tuple[str, ...] = ()) -> str | None:
    """Why ``mail`` is automatic (and must get no automatic answer), or None for a person's."""
    if is_bounce(mail):
        return "bounce"
    if _is_own(mail.from_address, own_addresses):
        return "own address"
    if mail.auto_submitted and mail.auto_submitted.split(";")[0].strip() != "no":
        return f"auto-submitted: {mail.auto_submitted[:40]}"
    if mail.precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"precedence: {mail.precedence}"
    if mail.return_path is not None and mail.return_path.strip() in ("<>", ""):
        return "null return-path"
    if mail.x_autoreply:
        return "x-autoreply"
    if mail.x_loop:
        return "x-loop"
    return None


def is_auto_reply(mail: InboundEmail) -> bool:
    """An automatic *answer* (RFC 3834 ``auto-replied``, ``X-Autoreply``): out of office,
    "we received your mail". On none of our tickets it is kept but files nothing."""
    return bool(mail.x_autoreply or (mail.auto_submitted or "").startswith("auto-replied"))


def wants_no_answer(mail: InboundEmail) -> bool:
    """``X-Auto-Response-Suppress: All/AutoReply/OOF`` asks us not to answer automatically."""
    suppress = mail.auto_response_suppress or ""
    return any(word in suppress for word in ("all", "autoreply", "oof"))


def over_limit(recent_from_sender: int, limit: int) -> bool:
    """The sender already sent ``limit`` messages in the last hour (0 turns the limit off)."""
    return limit > 0 and recent_from_sender >= limit


def subject_references(subject: str) -> tuple[str, ...]:
    """``Re: [HM-ABC2345] ...`` -> ("HM-ABC2345",)."""
    return tuple(dict.fromkeys(m.upper() for m in REFERENCE_IN_SUBJECT.findall(subject or "")))


def token_ticket_id(mail: InboundEmail, secret: str) -> int | None:
    """The ticket a verified ``support+<token>@`` recipient names."""
    for address in mail.to:
        ticket_id = parse_reply_address(address, secret)
        if ticket_id is not None:
            return ticket_id
    return None


def match_ticket(
    mail: InboundEmail,
    *,
    token_ticket: int | None,
    thread_tickets: tuple[int, ...],
    subject_tickets: dict[str, tuple[int, str]],
) -> Match | None:
    """Which ticket the mail continues: token, then threading headers, then a subject
    reference confirmed by the sender being that ticket's customer. ``thread_tickets`` are
    the tickets the mail's thread ids point to (most direct first); ``subject_tickets`` maps
    a subject reference to (ticket id, customer email)."""
    if token_ticket is not None:
        return Match(token_ticket, "token")
    if thread_tickets:
        return Match(thread_tickets[0], "thread")
    for reference in subject_references(mail.subject):
        found = subject_tickets.get(reference)
        if found and found[1].lower() == mail.from_address:
            return Match(found[0], "subject+sender")
    return None


def reopens(state: TicketState, now: datetime, reopen_days: float) -> bool:
    """A reply continues its ticket unless that ticket was solved over ``reopen_days`` ago."""
    if state.status != "solved" or state.solved_at is None:
        return True
    return as_utc(now) - as_utc(state.solved_at) <= timedelta(days=reopen_days)


def plan(
    mail: InboundEmail,
    *,
    loop: str | None,
    match: Match | None,
    state: TicketState | None,
    throttled: bool,
    now: datetime,
    reopen_days: float,
) -> Plan:
    """The decision, from the facts the earlier steps found."""
    if not mail.from_address or "@" not in mail.from_address:
        return Plan("recorded", "no sender address")
    if loop == "bounce":
        if match:
            return Plan("note", "bounce", match.ticket_id)
        return Plan("recorded", "bounce")
    if throttled:
        return Plan("held", "sender over the hourly limit")
    if loop == "own address":
        return Plan("recorded", loop)
    if loop:
        if match:
            return Plan("note", loop, match.ticket_id)
        if is_auto_reply(mail):
            return Plan("recorded", loop)  # an answer to something that is not ours
        return Plan("new_ticket", loop, answer=False)
    answer = not wants_no_answer(mail)
    if match and state is not None:
        if reopens(state, now, reopen_days):
            return Plan("follow_up", match.by, match.ticket_id)
        return Plan(
            "new_linked",
            f"{match.by}; solved over {reopen_days:g} days ago",
            match.ticket_id,
            answer=answer,
        )
    return Plan("new_ticket", "new", answer=answer)


def detect_locale(text: str, locales: tuple[str, ...], default: str) -> str:
    """Korean when Hangul makes up a fifth of the letters, else English, else the default."""
    hangul = len(re.findall(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]", text or ""))
    latin = len(re.findall(r"[A-Za-z]", text or ""))
    if hangul and hangul * 5 >= hangul + latin and "ko" in locales:
        return "ko"
    if latin and "en" in locales:
        return "en"
    return default


def clean_subject(subject: str) -> str:
    """The subject without ``Re:``/``답장:`` prefixes and our ``[HM-...]`` tag."""
    subject = REFERENCE_IN_SUBJECT.sub("", subject or "")
    return re.sub(r"\s+", " ", REPLY_PREFIX.sub("", subject)).strip()


# --- storage ------------------------------------------------------------------------------


def _write_once(path: Path, data: bytes) -> None:
    """Write a content-addressed file atomically (an existing one already holds the bytes)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_raw(raw: bytes, mail: InboundEmail, config: InboundConfig) -> str:
    """Keep the full original under the instance folder; returns its relative path."""
    relative = f"inbound/{mail.sha256[:2]}/{mail.sha256}.eml"
    _write_once(config.mail_dir / relative, raw)
    return relative


def attachment_path(config_dir: Path, sha256: str) -> Path:
    """Where an accepted attachment's bytes live (named by hash: no sender-chosen names)."""
    return Path(config_dir) / "attachments" / sha256[:2] / sha256


def attachment_refusal(content_type: str, size: int, config: InboundConfig) -> str | None:
    """Why an attachment is not stored (type by content, size), or None."""
    if size > config.attachment_max_bytes:
        return "too large"
    if content_type not in config.attachment_types:
        return f"type {content_type} not accepted"
    return None


# --- the pipeline -------------------------------------------------------------------------


def _existing(message_id: str) -> InboundRecord | None:
    return db.session.execute(
        sa.select(InboundRecord).where(InboundRecord.message_id == message_id)
    ).scalar_one_or_none()


def _thread_tickets(ids: tuple[str, ...]) -> tuple[int, ...]:
    if not ids:
        return ()
    found: dict[str, int] = {}
    for model in (OutboxMessage, InboundRecord):
        rows = db.session.execute(
            sa.select(model.message_id, model.ticket_id).where(
                model.message_id.in_(ids), model.ticket_id.is_not(None)
            )
        )
        for message_id, ticket_id in rows:
            found.setdefault(message_id, ticket_id)
    return tuple(dict.fromkeys(found[i] for i in ids if i in found))


def _subject_tickets(mail: InboundEmail) -> dict[str, tuple[int, str]]:
    refs = subject_references(mail.subject)
    if not refs:
        return {}
    rows = db.session.execute(
        sa.select(Ticket.reference, Ticket.id, Ticket.email).where(Ticket.reference.in_(refs))
    )
    return {ref: (ticket_id, email) for ref, ticket_id, email in rows}


def _recent_from(address: str, now: datetime) -> int:
    return db.session.execute(
        sa.select(sa.func.count(InboundRecord.id)).where(
            InboundRecord.from_email == address,
            InboundRecord.received_at >= now - timedelta(hours=1),
        )
    ).scalar_one()


def _result(record: InboundRecord, duplicate: bool) -> Ingested:
    ticket = record.ticket
    return Ingested(
        record.outcome,
        ticket.reference if ticket else None,
        record.ticket_id,
        duplicate,
        record.id,
    )


def _note_text(mail: InboundEmail, reason: str, locale: str) -> str:
    with force_locale(locale):
        if reason == "bounce" and mail.bounce:
            return _(
                "Delivery failed to %(recipient)s (%(status)s): %(diagnostic)s",
                recipient=mail.bounce.recipient or mail.from_address,
                status=mail.bounce.status or "?",
                diagnostic=(mail.bounce.diagnostic or mail.subject)[:500],
            )
        return (
            _(
                "Automatic reply from %(sender)s (%(reason)s), not answered: %(subject)s",
                sender=mail.from_address,
                reason=reason,
                subject=mail.subject,
            )
            + "\n\n"
            + strip_reply(mail.text)[:2000]
        )


def ingest(raw: bytes, *, source: str = "webhook") -> Ingested:
    """Ingest one raw message once. Raises :class:`IngestError` only when the database
    refuses (nothing saved: the caller leaves the mail to be fetched or posted again)."""
    config = InboundConfig.from_app(current_app)
    mail = parse_email(raw)
    if (found := _existing(mail.message_id)) is not None:
        return _result(found, duplicate=True)
    now = utcnow()
    decision, ticket = decide(mail, config, now)
    if decision.action == "held":
        log.warning(
            "inbound mail %s from %s held: %s", mail.message_id, mail.from_address, decision.reason
        )
    record = InboundRecord(
        message_id=mail.message_id,
        raw_path=store_raw(raw, mail, config),
        raw_sha256=mail.sha256,
        size=mail.size,
        from_email=mail.from_address[:254],
        subject=mail.subject[:300],
        source=source[:16],
        outcome=decision.action,
        reason=decision.reason[:200] or None,
        received_at=now,
    )
    return apply_safely(decision, mail, record, ticket, config)


def decide(
    mail: InboundEmail, config: InboundConfig, now: datetime, *, reviewed: bool = False
) -> tuple[Plan, Ticket | None]:
    """Run the deciding steps on ``mail``: the plan and the ticket it concerns.

    ``reviewed``: an admin released the mail from the held list, so neither the sender
    throttle nor the staff-side rules hold it again; it is decided as a customer's mail."""
    loop = loop_reason(mail, config.own_addresses)
    customer_token = token_ticket_id(mail, config.secret)
    match = match_ticket(
        mail,
        token_ticket=customer_token,
        thread_tickets=_thread_tickets(mail.thread_ids),
        subject_tickets=_subject_tickets(mail),
    )
    ticket = db.session.get(Ticket, match.ticket_id) if match else None
    if match and ticket is None:
        match = None
    if ticket is not None and is_erased(ticket):
        ticket, match = None, None  # an erased customer's mail starts a new request
    if not reviewed:
        addressing = staff.agent_addressing(mail, config.secret)
        staff_ticket = (
            db.session.get(Ticket, addressing.token.ticket_id) if addressing.token else None
        )
        side = staff.staff_decision(
            loop=loop,
            addressing=addressing,
            sender=staff.sender_staff(mail.from_address),
            customer_token_ticket=customer_token,
            sender_is_ticket_customer=bool(
                ticket is not None and ticket.email.lower() == mail.from_address
            ),
            ticket_exists=staff_ticket is not None,
        )
        if side is not None:
            decided = Plan(side.action, side.reason, side.ticket_id, agent_id=side.agent_id)
            return decided, staff_ticket if side.action == "agent_reply" else None
    state = TicketState(ticket.id, ticket.status, ticket.solved_at) if ticket else None
    throttled = not reviewed and over_limit(
        _recent_from(mail.from_address, now), config.sender_limit_per_hour
    )
    decided = plan(
        mail,
        loop=loop,
        match=match,
        state=state,
        throttled=throttled,
        now=now,
        reopen_days=config.reopen_days,
    )
    return decided, ticket


def apply_safely(
    decision: Plan,
    mail: InboundEmail,
    record: InboundRecord,
    ticket: Ticket | None,
    config: InboundConfig,
) -> Ingested:
    """:func:`_apply`, turning a database refusal into :class:`IngestError` (nothing kept)
    and a concurrent ingest of the same mail into its first result."""
    try:
        _apply(decision, mail, record, ticket, config)
    except service.FilingError as exc:
        db.session.rollback()
        if (found := _existing(mail.message_id)) is not None:
            return _result(found, duplicate=True)  # a concurrent ingest of the same mail
        raise IngestError(str(exc)) from exc
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        if (found := _existing(mail.message_id)) is not None:
            return _result(found, duplicate=True)
        raise IngestError("could not store the mail") from exc
    except Exception as exc:  # e.g. no PUBLIC_URL for the acknowledgment's link: keep nothing
        db.session.rollback()
        raise IngestError(f"could not ingest the mail: {exc}") from exc
    return _result(record, duplicate=False)


def _attach(
    record: InboundRecord, mail: InboundEmail, ticket_id: int | None, config: InboundConfig
) -> None:
    if record.attachments:  # a held mail being released: its files were recorded already
        for row in record.attachments:
            row.ticket_id = ticket_id
        return
    for item in mail.attachments:
        refused = attachment_refusal(item.content_type, item.size, config)
        if refused is None:
            _write_once(attachment_path(config.mail_dir, item.sha256), item.data)
        db.session.add(
            InboundAttachment(
                email=record,
                ticket_id=ticket_id,
                filename=item.filename,
                content_type=item.content_type[:120],
                size=item.size,
                sha256=item.sha256,
                stored=refused is None,
                refused=refused,
            )
        )


def _apply(
    decision: Plan,
    mail: InboundEmail,
    record: InboundRecord,
    ticket: Ticket | None,
    config: InboundConfig,
) -> None:
    """Carry out the plan in one transaction (the service commits, our rows included)."""

    def keep(ticket_id: int | None, message_id: int | None, *, thread: bool = True) -> None:
        record.ticket_id, record.ticket_message_id = ticket_id, message_id
        db.session.add(record)
        _attach(record, mail, ticket_id, config)
        if ticket_id is None or not thread:
            return
        # The acknowledgment (queued and flushed in this transaction, not threaded yet)
        # answers this very mail, so the customer's client shows one thread.
        unthreaded = sa.select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.state == "queued",
            OutboxMessage.in_reply_to.is_(None),
        )
        for queued in db.session.execute(unthreaded).scalars():
            queued.in_reply_to = mail.message_id
            queued.thread_references = " ".join((*mail.references, mail.message_id))

    body = strip_reply(mail.text)[:MAX_BODY_CHARS]
    if decision.action in ("recorded", "held"):
        keep(None, None)
        db.session.commit()
    elif decision.action == "agent_reply":
        agent = db.session.get(User, decision.agent_id)
        try:
            # The agent's own mail is not in the customer's thread: the reply email threads
            # on the ticket's messages to the customer (its Message-ID stays with the agent).
            add_reply(
                ticket,
                agent,
                staff.reply_markdown(strip_reply(mail.text, whole_if_empty=False), ticket.locale),
                channel="email",
                before_commit=lambda message: keep(ticket.id, message.id, thread=False),
            )
        except ReplyError as exc:  # checked before anything was written: hold it instead
            record.outcome, record.reason = "held", f"agent reply refused: {exc}"[:200]
            log.warning("inbound mail %s held: %s", mail.message_id, record.reason)
            keep(None, None)
            db.session.commit()
    elif decision.action == "note":
        service.add_customer_message(
            ticket,
            _note_text(mail, decision.reason, ticket.locale),
            channel="email",
            internal=True,
            reopen=False,
            author_type="system",
            before_commit=lambda message: keep(ticket.id, message.id),
        )
    elif decision.action == "follow_up":
        service.add_customer_message(
            ticket,
            body,
            channel="email",
            before_commit=lambda message: keep(ticket.id, message.id),
        )
    else:  # new_ticket, new_linked
        locale = detect_locale(f"{mail.subject}\n{body}", config.locales, config.default_locale)
        with force_locale(locale):
            subject = clean_subject(mail.subject) or _("(no subject)")
        name = mail.from_name or mail.from_address.partition("@")[0]
        service.file_ticket(
            service.TicketInput(
                email=mail.from_address,
                name=service.header_text(name)[:120],
                subject=service.header_text(subject)[:200],
                description=body,
                locale=locale,
                channel="email",
            ),
            acknowledge=decision.answer,
            follows=ticket if decision.action == "new_linked" else None,
            before_commit=lambda new, first: keep(new.id, first.id),
        )
