""" "Find my requests": a customer types their address and is emailed a link that lists every
ticket of that address, from every channel.

The link is short-lived (:data:`LINK_LIFETIME`) and single use; only its SHA-256 is stored.
Opening it shows a button, and the POST of that button starts the session: mail scanners
that fetch every link in a message (Outlook's Safe Links, antivirus gateways) would
otherwise use it up before the customer clicks. The answer to the request never says
whether the address has tickets, so the form cannot be used to learn who wrote to support.
The customer session is separate from staff sign-in: it only names an email address.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.extensions import db
from portal.mail.outbox import queue_email
from portal.models import AccessLink, Ticket, TicketMessage, as_utc, utcnow

LINK_LIFETIME = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
SESSION_KEY = "customer_email"
SESSION_SINCE = "customer_since"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    """Addresses are compared without case (tickets keep what the customer typed)."""
    return (email or "").strip().lower()


def has_tickets(email: str) -> bool:
    """True when some ticket was filed from ``email``."""
    query = sa.select(Ticket.id).where(sa.func.lower(Ticket.email) == normalize_email(email))
    return db.session.execute(query.limit(1)).first() is not None


def request_link(email: str, locale: str) -> bool:
    """Email a sign-in link to ``email`` when it has tickets; True when one was queued.

    The caller shows the same answer either way."""
    email = normalize_email(email)
    if not has_tickets(email):
        return False
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccessLink(token_hash=_hash(token), email=email, expires_at=utcnow() + LINK_LIFETIME)
    )
    # The link names the language it was asked in: its pages speak it, whatever the browser.
    link = url_for("customers.open_link", token=token, lang=locale, _external=True)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    with force_locale(locale):
        subject = _("Your requests at Haneul Market support")
        text = "\n".join(
            [
                _("Hello,"),
                "",
                _("Open this link to see every request you sent us and to reply:"),
                link,
                "",
                _(
                    "The link works once, for %(minutes)s minutes. If you did not ask for it, "
                    "ignore this email: nothing happens.",
                    minutes=minutes,
                ),
            ]
        )
    queue_email(
        to=email, subject=subject, text=text, html=None, locale=locale, kind="requests_link"
    )
    db.session.commit()
    return True


def valid_link(token: str) -> AccessLink | None:
    """The unused, unexpired link ``token`` names, if any."""
    if not token or len(token) > 100:
        return None
    link = db.session.execute(
        sa.select(AccessLink).where(AccessLink.token_hash == _hash(token))
    ).scalar_one_or_none()
    if link is None or link.used_at is not None or as_utc(link.expires_at) < utcnow():
        return None
    return link


def use_link(token: str) -> str | None:
    """Spend the link and start the customer session; the address, or None if the link is
    unknown, used or expired. Two clicks at once: only one UPDATE can win."""
    link = valid_link(token)
    if link is None:
        return None
    spent = db.session.execute(
        sa.update(AccessLink)
        .where(AccessLink.id == link.id, AccessLink.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if spent != 1:
        return None
    session.clear()  # a fresh session: nothing of a previous visitor carries over
    session[SESSION_KEY] = link.email
    session[SESSION_SINCE] = utcnow().isoformat()
    return link.email


def signed_in_email() -> str | None:
    """The customer's address while their session lasts."""
    email = session.get(SESSION_KEY)
    since = session.get(SESSION_SINCE)
    if not email or not since:
        return None
    try:
        started = as_utc(datetime.fromisoformat(since))
    except ValueError:
        return None
    if utcnow() - started > SESSION_LIFETIME:
        sign_out()
        return None
    return email


def sign_out() -> None:
    """End the customer session."""
    session.pop(SESSION_KEY, None)
    session.pop(SESSION_SINCE, None)


def tickets_of(email: str) -> list[Ticket]:
    """Every ticket from ``email``, newest activity first."""
    query = (
        sa.select(Ticket)
        .where(sa.func.lower(Ticket.email) == normalize_email(email))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    return list(db.session.execute(query).scalars())


def ticket_of(email: str, reference: str) -> Ticket | None:
    """``reference`` when it belongs to ``email`` (None otherwise: never another's)."""
    query = sa.select(Ticket).where(
        Ticket.reference == (reference or "")[:20],
        sa.func.lower(Ticket.email) == normalize_email(email),
    )
    return db.session.execute(query).scalar_one_or_none()


def last_reply(ticket: Ticket) -> TicketMessage | None:
    """The latest message the customer can see."""
    visible = [m for m in ticket.messages if not m.internal]
    return visible[-1] if visible else None
