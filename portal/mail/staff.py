"""Mail from the staff side: an agent answering a notification by email, and everything that
only looks like it.

An email becomes an agent's reply only when **both** hold:

- it is addressed to an agent-side token address (``support+a42u7-<mac>@``, the
  ``Reply-To`` of the notifications agent 7 receives about ticket 42, see
  :mod:`portal.mail.tokens`), verified with the app's secret; and
- its From is that very agent: an active staff user with the agent role.

The token is the secret part (a From header is trivially forged; the token is an 80-bit
HMAC only that agent's mailbox received). Every other combination is refused without
posting anything, and kept for an admin to look at (``held``, logged):

| mail | outcome |
| --- | --- |
| agent token + that active agent's From | ``agent_reply``: posted as their reply, mailed to the customer |
| agent token + any other From (a customer, a forger, a colleague the agent forwarded to, a deactivated agent) | held |
| something shaped like an agent token that does not verify | held |
| an agent's From + a customer token of a ticket they are not the customer of | held (a customer's address never lets an agent reply) |
| an agent's From, no token at all (a new mail to support@, a reply whose client dropped Reply-To) | held, see below |
| automatic mail (out-of-office, bounce) to an agent token or from an agent | recorded only |

**A new mail from an agent's address is held, not filed.** Zendesk and Zammad file it as a
ticket with the agent as the requester, which makes sense for agents forwarding a customer's
mail, but here it would (a) open a customer ticket in the agent's own name and send them the
customer acknowledgment and the answer articles, (b) silently swallow what was probably meant
as a reply (a client that ignored ``Reply-To``), and (c) let anyone who forges an agent's From
open tickets that look staff-made. Held mail is listed for admins at ``/admin/mail/held``,
who release it (filed as an ordinary customer mail from that address) or discard it. An agent
who is also the customer of a ticket (testing from their own address) still continues that
ticket as its customer: the token or thread proves the ticket, the From proves who they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.mail.parse import InboundEmail
from portal.mail.tokens import AgentToken, looks_like_agent_token, parse_agent_reply_address
from portal.models import User


@dataclass(frozen=True)
class Staff:
    """The staff user a From address belongs to."""

    user_id: int
    is_agent: bool  # active and holding the agent role (admins hold every role)


@dataclass(frozen=True)
class StaffDecision:
    """What to do with a staff-side mail: ``action`` is agent_reply, held or recorded."""

    action: str
    reason: str
    ticket_id: int | None = None
    agent_id: int | None = None


@dataclass(frozen=True)
class AgentAddressing:
    """The agent tokens among a mail's recipients: the verified one, and whether any
    address had an agent token's shape without verifying (forged, or an old secret's)."""

    token: AgentToken | None
    forged: bool


def agent_addressing(mail: InboundEmail, secret: str) -> AgentAddressing:
    """Read the agent-side tokens of ``mail``'s To/Cc/Delivered-To addresses."""
    forged = False
    for address in mail.to:
        token = parse_agent_reply_address(address, secret)
        if token is not None:
            return AgentAddressing(token, forged=False)
        forged = forged or looks_like_agent_token(address)
    return AgentAddressing(None, forged)


def sender_staff(address: str) -> Staff | None:
    """The staff user whose address sent the mail (case-insensitive), or None."""
    if not address:
        return None
    user = db.session.execute(
        sa.select(User).where(sa.func.lower(User.email) == address.lower())
    ).scalar_one_or_none()
    if user is None:
        return None
    return Staff(user.id, bool(user.active) and user.has_role("agent"))


def staff_decision(
    *,
    loop: str | None,
    addressing: AgentAddressing,
    sender: Staff | None,
    customer_token_ticket: int | None,
    sender_is_ticket_customer: bool,
    ticket_exists: bool,
) -> StaffDecision | None:
    """The staff-side rules (see the module's table); None: an ordinary customer mail.

    ``ticket_exists`` is whether the agent token's ticket is still there;
    ``sender_is_ticket_customer`` whether the ticket the ordinary rules matched belongs to
    the sender."""
    token = addressing.token
    if token is not None:
        if loop:
            return StaffDecision("recorded", f"automatic mail to an agent address ({loop})"[:200])
        if sender is None or not sender.is_agent:
            return StaffDecision("held", "agent reply address used by a sender who is not an agent")
        if sender.user_id != token.agent_id:
            return StaffDecision("held", "agent reply address of another agent")
        if not ticket_exists:
            return StaffDecision("recorded", "agent reply to a ticket that no longer exists")
        return StaffDecision("agent_reply", "agent token", token.ticket_id, sender.user_id)
    if addressing.forged:
        if loop:
            return StaffDecision("recorded", f"automatic mail to an agent address ({loop})"[:200])
        return StaffDecision("held", "agent reply token that does not verify")
    if sender is None or not sender.is_agent or sender_is_ticket_customer:
        return None
    if loop:
        return StaffDecision("recorded", f"automatic mail from an agent ({loop})"[:200])
    if customer_token_ticket is not None:
        return StaffDecision("held", "customer reply address used from an agent's address")
    return StaffDecision("held", "agent's address without an agent reply address")


def reply_markdown(text: str, ticket_locale: str) -> str:
    """An agent's emailed answer as the Markdown a queue reply is: a pasted help-center
    article address (``https://help.example.com/en/articles/track-order``, whatever its
    language) becomes an ``article:`` link, so the customer gets it in their locale and the
    link is recorded like one inserted in the queue; the mail's line breaks are kept (hard
    breaks) instead of being joined into one paragraph."""
    from portal.agent.links import link_for

    public = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if public:
        pattern = re.compile(
            r"<?" + re.escape(public) + r"/[A-Za-z-]{2,10}/articles/([a-z0-9-]+)(#[\w-]*)?/?>?"
        )

        def link(match: re.Match) -> str:
            target = link_for(match.group(1), ticket_locale)
            if target is None or target.internal:
                return match.group(0)  # left as written; an internal one never reaches a link
            plain = f"(article:{target.article_id})"
            anchored = f"(article:{target.article_id}{match.group(2) or ''})"
            return target.markdown.replace(plain, anchored, 1)

        text = pattern.sub(link, text)
    return re.sub(r"(?<=\S)[ \t]*\n(?=[^\n])", "  \n", text)
