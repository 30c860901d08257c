"""The article panel: suggestions for a ticket and the agent's search, on the one service.

Parity with customers is by construction: the panel's public hits are exactly the customer
search's hits, in the same order, and internal articles sit where the internal-inclusive
ranking puts them. Two calls are needed because each leg fuses only its best candidates:
internal chunks admitted among them can push public ones out (and min-max fusion, still
selectable, scales each leg over the candidates it sees), reordering the public results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import nh3
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from indexer import Hit
from portal.agent.links import LinkTarget, article_url, link_for
from portal.i18n import locale_name
from portal.models import Ticket
from portal.search import get_search

SUGGESTIONS = 8


@dataclass(frozen=True)
class PanelHit:
    """A search hit with the link "Insert link" puts into a reply for the ticket's locale."""

    hit: Hit
    link: LinkTarget | None

    @property
    def internal(self) -> bool:
        """True for agent-only articles."""
        return self.hit.visibility != "public"

    @property
    def url(self) -> str | None:
        """The customer article page at the matching section; None for internal articles."""
        if self.internal:
            return None
        anchor = f"#{self.hit.anchor}" if self.hit.anchor else ""
        return article_url(self.hit.id, self.hit.locale) + anchor

    @property
    def snippet_html(self) -> Markup:
        """The snippet with its ``<mark>`` highlights and nothing else."""
        return Markup(nh3.clean(self.hit.snippet, tags={"mark"}, attributes={}))  # nosec B704

    @property
    def note(self) -> str:
        """Say so when the link falls back to another locale."""
        if self.link is None or not self.link.fallback:
            return ""
        return _(
            "No %(wanted)s translation: the link opens the %(found)s article.",
            wanted=locale_name(self.link.wanted_locale),
            found=locale_name(self.link.locale),
        )

    def to_json(self) -> dict:
        """The JSON the panel's search box renders."""
        hit = self.hit
        return {
            "id": hit.id,
            "locale": hit.locale,
            "title": hit.title,
            "snippet_html": str(self.snippet_html),
            "heading": hit.heading,
            "visibility": hit.visibility,
            "cross_lingual": hit.cross_lingual,
            "url": self.url,
            "agent_url": url_for("agent.article", article_locale=hit.locale, article_id=hit.id),
            "link": None
            if self.link is None
            else {
                "markdown": self.link.markdown,
                "locale": self.link.locale,
                "fallback": self.link.fallback,
                "note": self.note,
            },
        }


@dataclass(frozen=True)
class PanelResults:
    """What the panel shows for one query."""

    query: str
    locale: str
    mode: str
    degraded: str | None
    hits: tuple[PanelHit, ...]


def merge_public_order(everything: Iterable[Hit], public: Iterable[Hit]) -> list[Hit]:
    """Internal hits where ``everything`` ranks them; public slots filled from ``public``."""
    customer = iter(public)
    merged = []
    for hit in everything:
        if hit.visibility != "public":
            merged.append(hit)
            continue
        nxt = next(customer, None)
        if nxt is not None:
            merged.append(nxt)
    return merged


def panel_search(
    query: str, *, locale: str, link_locale: str | None = None, k: int = SUGGESTIONS, record=True
) -> PanelResults:
    """Search for agents (internal articles included) with links for ``link_locale``."""
    service = get_search()
    everything = service.search(
        query, locale=locale, side="agent", k=k, include_internal=True, record=record
    )
    public = service.search(query, locale=locale, side="agent", k=k, record=False)
    link_locale = link_locale or locale
    hits = tuple(
        PanelHit(hit=hit, link=link_for(hit.id, link_locale))
        for hit in merge_public_order(everything.hits, public.hits)
    )
    return PanelResults(
        query=everything.query,
        locale=locale,
        mode=everything.mode,
        degraded=everything.degraded or public.degraded,
        hits=hits,
    )


def ticket_query(ticket: Ticket) -> str:
    """The ticket's subject and the customer's first message: what suggestions search for."""
    first = next((m.body for m in ticket.messages if m.author_type == "customer"), "")
    return f"{ticket.subject}\n{first}"


def suggestions(ticket: Ticket, k: int = SUGGESTIONS) -> PanelResults:
    """Articles for this ticket in its locale; not logged as a search (nobody typed it)."""
    return panel_search(ticket_query(ticket), locale=ticket.locale, k=k, record=False)
