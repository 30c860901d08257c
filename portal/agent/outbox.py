"""The customer's emails about their ticket after the confirmation: an agent's public reply
and a status change, localized, queued through :func:`portal.mail.outbox.queue_email`.

The private ticket link carries a token we only keep as a hash, so it cannot be put in
these emails. Nothing secret is stored to make that possible: the email carries the reply
itself (article links as absolute URLs, in the ticket's language) and points the customer
to the private link in the confirmation email the worker sent when they filed the ticket.
A reply is written by a person, so it is not marked ``Auto-Submitted``; a status change is.
"""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.agent.links import link_for
from portal.mail.compose import render_html
from portal.mail.outbox import queue_email
from portal.models import OutboxMessage, Ticket, TicketMessage, User
from portal.rendering import render_markdown
from portal.satisfaction.service import rating_urls
from portal.tickets.service import header_text

KIND = "ticket_reply"
SOLVED_KIND = "ticket_solved"
MARKDOWN_ARTICLE_LINK = re.compile(r"\[((?:\\.|[^\]\\])+)\]\(article:([a-z0-9-]+)(#[^)\s]*)?\)")


def plain_reply(body: str, locale: str) -> str:
    """The reply as email text: ``[Title](article:id)`` becomes ``Title (https://...)``."""

    def replace(match: re.Match) -> str:
        title = re.sub(r"\\(.)", r"\1", match.group(1))
        target = link_for(match.group(2), locale)
        url = target.customer_url(external=True) if target is not None else None
        if url is None:
            return title
        return f"{title} ({url}{match.group(3) or ''})"

    return MARKDOWN_ARTICLE_LINK.sub(replace, body)


def html_reply(body: str, locale: str) -> Markup:
    """The reply as email HTML: the site's sanitized Markdown, ``article:`` links as absolute
    links to the customer's page in ``locale`` (internal articles lead nowhere)."""

    def resolve(article_id: str) -> str | None:
        target = link_for(article_id, locale)
        return target.customer_url(external=True) if target is not None else None

    return Markup(render_markdown(body, resolve, heading_ids=False).html)  # nosec B704 - sanitized


def _private_link_note(reference: str) -> str:
    return _(
        "To read the whole conversation or to answer, open the private link in the "
        "confirmation email we sent to this address when you contacted us (reference "
        "%(reference)s). For your security, the link is only in that email.",
        reference=reference,
    )


def reply_email(ticket: Ticket, message: TicketMessage, agent: User) -> tuple[str, str, str]:
    """Subject, text and HTML of the reply email, in the ticket's locale."""
    with force_locale(ticket.locale):
        subject = _(
            "[%(reference)s] New reply to your request: %(subject)s",
            reference=ticket.reference,
            subject=header_text(ticket.subject),
        )
        note = _private_link_note(ticket.reference)
        lines = [
            _("Hello %(name)s,", name=ticket.name),
            "",
            _(
                "%(agent)s replied to your request %(reference)s:",
                agent=agent.name,
                reference=ticket.reference,
            ),
            "",
            plain_reply(message.body, ticket.locale),
            "",
            "—",
            note,
        ]
    html = render_html(
        "ticket_reply.html",
        ticket.locale,
        subject=subject,
        name=ticket.name,
        agent=agent.name,
        reference=ticket.reference,
        reply_html=html_reply(message.body, ticket.locale),
        footer_text=note,
    )
    return subject, "\n".join(lines), html


def queue_reply_email(ticket: Ticket, message: TicketMessage, agent: User) -> OutboxMessage:
    """Queue the reply email and its send job (the caller commits). A person wrote it: no
    ``Auto-Submitted`` header (RFC 3834 5)."""
    subject, text, html = reply_email(ticket, message, agent)
    return queue_email(
        to=ticket.email,
        subject=subject,
        text=text,
        html=html,
        locale=ticket.locale,
        kind=KIND,
        ticket=ticket,
        automatic=False,
    )


def queue_solved_email(ticket: Ticket) -> OutboxMessage:
    """Queue 'your request was solved' (automatic mail; the caller commits). The customer's
    answer on the private page opens the ticket again, and the email says so."""
    with force_locale(ticket.locale):
        subject = _(
            "[%(reference)s] Your request was solved: %(subject)s",
            reference=ticket.reference,
            subject=header_text(ticket.subject),
        )
        paragraphs = [
            _("We marked your request %(reference)s as solved.", reference=ticket.reference),
            _(
                "If something is still not right, answer on your private page (the link is "
                "in our confirmation email) and the request opens again."
            ),
        ]
        greeting = _("Hello %(name)s,", name=ticket.name)
        ask = _("How did we do? One click tells us:")
        labels = {"good": _("Good, I'm satisfied"), "bad": _("Bad, I'm not satisfied")}
    rating = rating_urls(ticket)
    html = render_html(
        "ticket_solved.html",
        ticket.locale,
        subject=subject,
        name=ticket.name,
        reference=ticket.reference,
        paragraphs=paragraphs,
        ask=ask,
        rating=[(labels[score], url) for score, url in rating.items()],
    )
    rating_lines = [f"{labels[score]}: {url}" for score, url in rating.items()]
    return queue_email(
        to=ticket.email,
        subject=subject,
        text="\n".join([greeting, "", *paragraphs, "", ask, *rating_lines]),
        html=html,
        locale=ticket.locale,
        kind=SOLVED_KIND,
        ticket=ticket,
        automatic=True,
    )
