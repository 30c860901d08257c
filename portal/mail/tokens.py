"""Reply tokens: ``support+t42-k3j8...@example.com`` names ticket 42 and proves it.

Outgoing mail about a ticket carries :func:`reply_address` as its ``Reply-To``; a reply sent
to it is matched to that ticket by :func:`ticket_id_from_reply_address` even when the
customer's client dropped every threading header. The token is an HMAC of the ticket id
with the app's ``SECRET_KEY`` (nothing stored in the database), lower-case base32 because
some mail servers lower-case local parts. Rotating ``SECRET_KEY`` invalidates the tokens of
mail already sent; such replies still match by their threading headers.

The agent side has its own token, ``support+a42u7-<mac>@``: ticket 42, agent 7, under a MAC
with a different label, carried by the notifications that agent receives. It is the only
way an email becomes an agent's reply (:mod:`portal.mail.staff`): a customer token never
lets an agent reply and an agent token is not a customer token (:func:`parse_reply_address`
reads customer tokens only), so neither side's address can be used as the other's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app

TOKEN_CHARS = 16  # 80 bits of HMAC
TOKEN_PATTERN = re.compile(rf"^t(\d{{1,12}})-([a-z2-7]{{{TOKEN_CHARS}}})$")
AGENT_TOKEN_PATTERN = re.compile(rf"^a(\d{{1,12}})u(\d{{1,12}})-([a-z2-7]{{{TOKEN_CHARS}}})$")


@dataclass(frozen=True)
class AgentToken:
    """A verified agent-side token: a reply by ``agent_id`` to ticket ``ticket_id``."""

    ticket_id: int
    agent_id: int


def _hmac(label: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_CHARS]


def _mac(ticket_id: int, secret: str) -> str:
    return _hmac(f"reply:{ticket_id}", secret)


def _agent_mac(ticket_id: int, agent_id: int, secret: str) -> str:
    return _hmac(f"agent-reply:{ticket_id}:{agent_id}", secret)


def _tag(address: str) -> str | None:
    """The part after ``+`` in the local part, lower-cased, or None."""
    local = (address or "").strip().lower().partition("@")[0]
    return local.split("+", 1)[1] if "+" in local else None


def _plus(base_address: str, tag: str) -> str:
    local, _, domain = base_address.partition("@")
    return f"{local.split('+', 1)[0]}+{tag}@{domain}"


def reply_token(ticket_id: int, secret: str) -> str:
    """The token for ``ticket_id`` (the part after ``+``)."""
    return f"t{int(ticket_id)}-{_mac(int(ticket_id), secret)}"


def make_reply_address(base_address: str, ticket_id: int, secret: str) -> str:
    """``support@example.com`` + ticket 42 -> ``support+t42-<mac>@example.com``."""
    return _plus(base_address, reply_token(ticket_id, secret))


def parse_reply_address(address: str, secret: str) -> int | None:
    """The ticket id a customer reply address names, or None (no token, a forged one, or an
    agent token)."""
    found = TOKEN_PATTERN.match(_tag(address) or "")
    if not found:
        return None
    ticket_id = int(found.group(1))
    return ticket_id if hmac.compare_digest(found.group(2), _mac(ticket_id, secret)) else None


def agent_reply_token(ticket_id: int, agent_id: int, secret: str) -> str:
    """The agent-side token for ``agent_id``'s replies to ``ticket_id``."""
    ticket_id, agent_id = int(ticket_id), int(agent_id)
    return f"a{ticket_id}u{agent_id}-{_agent_mac(ticket_id, agent_id, secret)}"


def make_agent_reply_address(base_address: str, ticket_id: int, agent_id: int, secret: str) -> str:
    """``support@example.com`` + ticket 42 + agent 7 -> ``support+a42u7-<mac>@example.com``."""
    return _plus(base_address, agent_reply_token(ticket_id, agent_id, secret))


def parse_agent_reply_address(address: str, secret: str) -> AgentToken | None:
    """The agent token an address carries, verified, or None (none, forged, a customer's)."""
    found = AGENT_TOKEN_PATTERN.match(_tag(address) or "")
    if not found:
        return None
    ticket_id, agent_id = int(found.group(1)), int(found.group(2))
    expected = _agent_mac(ticket_id, agent_id, secret)
    return (
        AgentToken(ticket_id, agent_id) if hmac.compare_digest(found.group(3), expected) else None
    )


def looks_like_agent_token(address: str) -> bool:
    """The address has the shape of an agent token (verified or not): a forged one is held."""
    return bool(AGENT_TOKEN_PATTERN.match(_tag(address) or ""))


def inbound_address(config=None) -> str | None:
    """The support mailbox replies go to (``PORTAL_INBOUND_ADDRESS``, else the sender)."""
    config = config if config is not None else current_app.config
    return config.get("INBOUND_ADDRESS") or config.get("MAIL_FROM") or None


def reply_address(ticket) -> str | None:
    """The ``Reply-To`` for mail about ``ticket`` (None when no support address is set)."""
    return reply_address_for(ticket.id)


def _base_address() -> str | None:
    base = parseaddr(inbound_address() or "")[1]
    return base if "@" in base else None


def reply_address_for(ticket_id: int) -> str | None:
    """The ``Reply-To`` for mail about ticket ``ticket_id`` (the outbox knows only the id)."""
    base = _base_address()
    if base is None:
        return None
    return make_reply_address(base, ticket_id, str(current_app.config["SECRET_KEY"]))


def agent_reply_address_for(ticket_id: int, agent_id: int) -> str | None:
    """The ``Reply-To`` of a notification to ``agent_id`` about ``ticket_id`` (None when no
    support address is set: the agent then answers in the queue only)."""
    base = _base_address()
    if base is None:
        return None
    secret = str(current_app.config["SECRET_KEY"])
    return make_agent_reply_address(base, ticket_id, agent_id, secret)


def ticket_id_from_reply_address(address: str) -> int | None:
    """The ticket id a reply address proves, with this app's secret."""
    return parse_reply_address(address, str(current_app.config["SECRET_KEY"]))


def ticket_from_reply_address(address: str):
    """The :class:`~portal.models.Ticket` a reply address proves, or None."""
    from portal.extensions import db
    from portal.models import Ticket

    ticket_id = ticket_id_from_reply_address(address)
    return db.session.get(Ticket, ticket_id) if ticket_id is not None else None
