"""How a ticket message reads on the customer's page.

Customers write plain text; agents write Markdown whose ``article:<id>`` links open the
article in the ticket's locale (see :mod:`portal.agent.links`).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from portal.agent.links import render_reply
from portal.models import TicketMessage


def render_message(message: TicketMessage, locale: str) -> Markup:
    """One public message as HTML, for the customer."""
    if message.author_type == "agent":
        return render_reply(message.body, locale)
    return Markup("<p>") + escape(message.body).replace("\n", Markup("<br>")) + Markup("</p>")
