"""Composing outbound email: Message-IDs, the HTML part, and the MIME message of an outbox row.

An outbox row's content is final when it is queued (text, HTML, subject, threading headers,
all in the ticket's language), so a retried send builds the very same message: the same
Message-ID, which is what lets a catcher, a test or a mail client tell a resend apart.
The MIME form is built at send time from the row alone (no request, no templates), as
``multipart/alternative`` (text first, HTML last, as RFC 2046 orders them), every part
7-bit clean (quoted-printable or base64) so that no server needs 8BITMIME, and non-ASCII
headers RFC 2047 encoded.
"""

from __future__ import annotations

import secrets
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup, escape

from portal.models import OutboxMessage, as_utc, utcnow

# System fonts with Hangul on Apple, Windows and Android before the generic fallback.
# Unquoted (valid CSS for multi-word names): a quote would be escaped inside style="...".
FONT = (
    "-apple-system, Segoe UI, Apple SD Gothic Neo, Malgun Gothic, Noto Sans KR, Arial, sans-serif"
)
# CRLF line ends and nothing 8-bit: any SMTP server takes it. Headers fold only at RFC 5322's
# hard limit (998): Python's folder splits a Korean subject into encoded words at a space and
# puts that space between them, where every mail client drops it (RFC 2047 6.2) — the QA pass
# saw "접수되었습니다:비밀번호". Unfolded, a subject of up to ~250 Korean characters keeps it.
POLICY = SMTP.clone(cte_type="7bit", max_line_length=998)


def mail_domain(mail_from: str) -> str:
    """The domain of the sender address (``support@help.example.com`` -> ``help.example.com``)."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "localhost"


def new_message_id(outbox_id: int, mail_from: str) -> str:
    """``<outbox-N.random@domain>``: unique, fixed once queued, and naming its outbox row."""
    return f"<outbox-{outbox_id}.{secrets.token_hex(8)}@{mail_domain(mail_from)}>"


def outbox_id_of(message_id: str | None) -> int | None:
    """The outbox row a Message-ID of ours names (None for anyone else's)."""
    value = (message_id or "").strip().strip("<>")
    if not value.startswith("outbox-"):
        return None
    number = value[len("outbox-") :].split(".", 1)[0]
    return int(number) if number.isdigit() else None


def text_as_html(text: str) -> Markup:
    """Plain text (a customer's message) as escaped HTML keeping its line breaks (``<br>``:
    Outlook's Word engine ignores ``white-space: pre-wrap``)."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    return Markup("<br>\n").join(escape(line) for line in lines)


def render_html(template: str, locale: str, **context) -> str:
    """One of ``templates/mail/*.html`` in ``locale`` (inline styles, everything escaped)."""
    with force_locale(locale):
        return render_template(f"mail/{template}", locale=locale, font=FONT, **context)


def _sender(mail_from: str) -> Address:
    name, address = parseaddr(mail_from)
    username, _, domain = address.partition("@")
    return Address(display_name=name, username=username, domain=domain or "localhost")


def build_message(row: OutboxMessage, mail_from: str) -> EmailMessage:
    """The MIME message of ``row``: multipart/alternative text + HTML (text only when the row
    has no HTML), with its fixed Message-ID and threading headers."""
    message = EmailMessage(policy=POLICY)
    message["From"] = _sender(mail_from)
    message["To"] = row.to_email
    message["Subject"] = row.subject
    message["Date"] = format_datetime(as_utc(row.created_at or utcnow()))
    message["Message-ID"] = row.message_id
    if row.in_reply_to:
        message["In-Reply-To"] = row.in_reply_to
    if row.thread_references:
        message["References"] = row.thread_references
    if row.reply_to:
        message["Reply-To"] = row.reply_to  # an agent notification's agent-side token address
    elif row.ticket_id is not None:
        # Replies go to the ticket's own address (support+t<id>-<token>@...), so the customer's
        # answer continues the ticket even if their client drops the threading headers.
        from portal.mail.tokens import reply_address_for

        reply_to = reply_address_for(row.ticket_id)
        if reply_to:
            message["Reply-To"] = reply_to
    if row.auto_submitted:
        # RFC 3834: machines must not answer this; Exchange's auto-replies honour the second.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(row.body, subtype="plain", charset="utf-8")
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html", charset="utf-8")
    # After add_alternative, which moves every Content-* header into the first part.
    message["Content-Language"] = row.locale
    return message


def recipients(message: EmailMessage) -> list[str]:
    """The envelope recipients: every address of To and Cc."""
    fields = message.get_all("To", []) + message.get_all("Cc", [])
    return [address for _, address in getaddresses([str(f) for f in fields]) if address]


def envelope_sender(mail_from: str) -> str:
    """The bare address for SMTP ``MAIL FROM``."""
    return parseaddr(mail_from)[1] or "support@localhost"
