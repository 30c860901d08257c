"""The reply token: ``support+t42-k3j8...@example.com`` names ticket 42 and proves it.

Outgoing mail about a ticket carries :func:`reply_address` as its ``Reply-To``; a reply sent
to it is matched to that ticket by :func:`ticket_id_from_reply_address` even when the
customer's client dropped every threading header. The token is an HMAC of the ticket id
with the app's ``SECRET_KEY`` (nothing stored in the database), lower-case base32 because
some mail servers lower-case local parts. Rotating ``SECRET_KEY`` invalidates the tokens of
mail already sent; such replies still match by their threading headers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app

TOKEN_CHARS = 16  # 80 bits of HMAC
TOKEN_PATTERN = re.compile(rf"^t(\d{{1,12}})-([a-z2-7]{{{TOKEN_CHARS}}})$")


def _mac(ticket_id: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"reply:{ticket_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_CHARS]


def reply_token(ticket_id: int, secret: str) -> str:
    """The token for ``ticket_id`` (the part after ``+``)."""
    return f"t{int(ticket_id)}-{_mac(int(ticket_id), secret)}"


def make_reply_address(base_address: str, ticket_id: int, secret: str) -> str:
    """``support@example.com`` + ticket 42 -> ``support+t42-<mac>@example.com``."""
    local, _, domain = base_address.partition("@")
    local = local.split("+", 1)[0]
    return f"{local}+{reply_token(ticket_id, secret)}@{domain}"


def parse_reply_address(address: str, secret: str) -> int | None:
    """The ticket id a reply address names, or None (no token, or a forged one)."""
    local = (address or "").strip().lower().partition("@")[0]
    if "+" not in local:
        return None
    found = TOKEN_PATTERN.match(local.split("+", 1)[1])
    if not found:
        return None
    ticket_id = int(found.group(1))
    return ticket_id if hmac.compare_digest(found.group(2), _mac(ticket_id, secret)) else None


def inbound_address(config=None) -> str | None:
    """The support mailbox replies go to (``PORTAL_INBOUND_ADDRESS``, else the sender)."""
    config = config if config is not None else current_app.config
    return config.get("INBOUND_ADDRESS") or config.get("MAIL_FROM") or None


def reply_address(ticket) -> str | None:
    """The ``Reply-To`` for mail about ``ticket`` (None when no support address is set)."""
    return reply_address_for(ticket.id)


def reply_address_for(ticket_id: int) -> str | None:
    """The ``Reply-To`` for mail about ticket ``ticket_id`` (the outbox knows only the id)."""
    base = inbound_address()
    if not base or "@" not in base:
        return None
    from email.utils import parseaddr

    return make_reply_address(parseaddr(base)[1], ticket_id, str(current_app.config["SECRET_KEY"]))


def ticket_id_from_reply_address(address: str) -> int | None:
    """The ticket id a reply address proves, with this app's secret."""
    return parse_reply_address(address, str(current_app.config["SECRET_KEY"]))


def ticket_from_reply_address(address: str):
    """The :class:`~portal.models.Ticket` a reply address proves, or None."""
    from portal.extensions import db
    from portal.models import Ticket

    ticket_id = ticket_id_from_reply_address(address)
    return db.session.get(Ticket, ticket_id) if ticket_id is not None else None
