"""Macros: saved replies an agent applies to a ticket, with one text per locale.

A macro's text is Markdown with placeholders filled in for the ticket:
``{{customer_name}}``, ``{{ticket_reference}}``, ``{{ticket_subject}}``, ``{{agent_name}}``,
and ``{{article:<id>}}``, which becomes the article's link titled in the ticket's locale
(or its best other locale, named, like the panel's "Insert link": :mod:`portal.agent.links`).
The text in the ticket's locale is used, else the site's default locale's, and the agent is
told. Applying a macro fills the reply box; its status is preselected, and its priority and
tags are saved with the reply that is sent (nothing changes before that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from portal.agent.links import link_for, linked_article_ids
from portal.agent.queue import set_priority
from portal.agent.tags import MAX_TAGS_PER_TICKET, add_tags, parse_tags
from portal.extensions import db
from portal.models import PRIORITIES, TICKET_STATUSES, Macro, MacroText, Ticket, User, utcnow

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([^{}\s]*))?\s*\}\}")
FIELDS = ("customer_name", "ticket_reference", "ticket_subject", "agent_name")
MAX_NAME_CHARS = 120
MAX_TEXT_CHARS = 20_000
# Backslash-escaped in values a customer chose (their name, the subject), so that
# "[click](https://evil.example)" as a name stays text in the agent's reply.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~#])")


class MacroError(ValueError):
    """The macro cannot be saved or applied; the message says why."""


@dataclass(frozen=True)
class AppliedMacro:
    """A macro filled in for one ticket."""

    macro_id: int
    name: str
    text: str
    locale: str  # the locale of the text used
    fallback: bool  # True when the macro has no text in the ticket's locale
    status: str | None
    priority: str | None
    tags: tuple[str, ...]


def _escape(value: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def check_text(body: str) -> None:
    """Raise :class:`MacroError` for an unknown placeholder or article in ``body``."""
    for match in PLACEHOLDER.finditer(body):
        name, arg = match.group(1), match.group(2)
        if name == "article":
            if not arg or link_for(arg, current_app.config["DEFAULT_LOCALE"]) is None:
                raise MacroError(_("There is no published article “%(id)s”.", id=arg or ""))
        elif name not in FIELDS or arg is not None:
            raise MacroError(
                _(
                    "Unknown placeholder “%(placeholder)s”; use one of: %(known)s.",
                    placeholder=match.group(0),
                    known=", ".join(
                        [*("{{%s}}" % f for f in FIELDS), "{{article:<id>}}"]  # noqa: UP031
                    ),
                )
            )
    for article_id in linked_article_ids(body):
        if link_for(article_id, current_app.config["DEFAULT_LOCALE"]) is None:
            raise MacroError(_("There is no published article “%(id)s”.", id=article_id))


def fill(body: str, ticket: Ticket, agent: User) -> str:
    """``body`` with its placeholders replaced for ``ticket`` (article links titled in the
    ticket's locale). An article that is gone leaves its placeholder as text."""
    values = {
        "customer_name": _escape(ticket.name),
        "ticket_reference": ticket.reference,
        "ticket_subject": _escape(ticket.subject),
        "agent_name": _escape(agent.name),
    }

    def replace(match: re.Match) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "article":
            target = link_for(arg or "", ticket.locale)
            return target.markdown if target is not None else match.group(0)
        return values.get(name, match.group(0))

    return PLACEHOLDER.sub(replace, body)


def apply_macro(macro: Macro, ticket: Ticket, agent: User) -> AppliedMacro:
    """``macro`` filled in for ``ticket``, in the ticket's locale when it has that text."""
    default = current_app.config["DEFAULT_LOCALE"]
    chosen = next((t for t in macro.texts if t.locale == ticket.locale), None)
    chosen = chosen or next((t for t in macro.texts if t.locale == default), None)
    chosen = chosen or (macro.texts[0] if macro.texts else None)
    if chosen is None:
        raise MacroError(_("The macro “%(name)s” has no text.", name=macro.name))
    return AppliedMacro(
        macro_id=macro.id,
        name=macro.name,
        text=fill(chosen.body, ticket, agent),
        locale=chosen.locale,
        fallback=chosen.locale != ticket.locale,
        status=macro.set_status,
        priority=macro.set_priority,
        tags=tuple(macro.add_tags or ()),
    )


def apply_actions(macro: Macro, ticket: Ticket) -> None:
    """Set the macro's priority and add its tags to ``ticket`` (the caller commits; the
    reply that is sent with them commits both together)."""
    if macro.set_priority:
        set_priority(ticket, macro.set_priority)
    if macro.add_tags:
        add_tags(ticket, macro.add_tags)


def usable_macros() -> list[Macro]:
    """Active macros, by name, for the ticket page."""
    query = sa.select(Macro).where(Macro.active.is_(True)).order_by(Macro.name)
    return list(db.session.scalars(query))


def all_macros() -> list[Macro]:
    """Every macro, by name, for the admin page."""
    return list(db.session.scalars(sa.select(Macro).order_by(Macro.name)))


def get_macro(macro_id: int) -> Macro | None:
    """The macro with ``macro_id``, if any."""
    return db.session.get(Macro, macro_id)


def save_macro(
    name: str,
    texts: Mapping[str, str],
    *,
    status: str | None = None,
    priority: str | None = None,
    tags: str = "",
    active: bool = True,
    macro: Macro | None = None,
) -> Macro:
    """Create a macro, or update ``macro``; ``texts`` maps locale to Markdown (an empty text
    removes that locale). Raises :class:`MacroError` with nothing saved."""
    name = " ".join((name or "").split())
    if not name:
        raise MacroError(_("A macro needs a name."))
    if len(name) > MAX_NAME_CHARS:
        raise MacroError(_("A macro name has at most %(n)d characters.", n=MAX_NAME_CHARS))
    clash = db.session.scalar(sa.select(Macro).where(sa.func.lower(Macro.name) == name.lower()))
    if clash is not None and clash is not macro:
        raise MacroError(_("There is already a macro named “%(name)s”.", name=clash.name))
    if status and status not in TICKET_STATUSES:
        raise MacroError(_("Unknown status “%(status)s”.", status=status))
    if priority and priority not in PRIORITIES:
        raise MacroError(_("Unknown priority “%(priority)s”.", priority=priority))
    tag_list = parse_tags(tags)
    if len(tag_list) > MAX_TAGS_PER_TICKET:
        raise MacroError(_("A ticket takes at most %(n)d tags.", n=MAX_TAGS_PER_TICKET))
    cleaned = {}
    for locale, body in texts.items():
        body = (body or "").replace("\r\n", "\n").strip()
        if not body:
            continue
        if locale not in current_app.config["LOCALES"]:
            raise MacroError(_("Unknown language “%(locale)s”.", locale=locale))
        if len(body) > MAX_TEXT_CHARS:
            raise MacroError(_("A macro text has at most %(n)d characters.", n=MAX_TEXT_CHARS))
        check_text(body)
        cleaned[locale] = body
    if not cleaned:
        raise MacroError(_("Write the macro's text in at least one language."))
    if macro is None:
        macro = Macro(name=name, add_tags=[])
        db.session.add(macro)
    macro.name = name
    macro.active = active
    macro.set_status = status or None
    macro.set_priority = priority or None
    macro.add_tags = tag_list
    macro.updated_at = utcnow()
    kept = [t for t in macro.texts if t.locale in cleaned]
    for text in kept:
        text.body = cleaned[text.locale]
    have = {t.locale for t in kept}
    macro.texts = kept + [
        MacroText(locale=loc, body=b) for loc, b in cleaned.items() if loc not in have
    ]
    db.session.commit()
    return macro


def delete_macro(macro: Macro) -> None:
    """Delete ``macro`` and its texts."""
    db.session.delete(macro)
    db.session.commit()
