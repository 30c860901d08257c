"""Every word the widget shows, translated here (Flask-Babel) and sent with its start-up
call, so the script carries no language of its own."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _


def widget_strings(locale: str) -> dict[str, str]:
    """The widget's strings in ``locale``; ``{reference}`` is filled in by the script."""
    with force_locale(locale):
        return {
            "launcher": _("Help"),
            "title": _("How can we help?"),
            "close": _("Close help"),
            "search_label": _("Search articles"),
            "search_placeholder": _("Search the help center"),
            "popular": _("Popular articles"),
            "results": _("Search results"),
            "no_results": _("No articles found. Try other words, or ask your question below."),
            "loading": _("Loading…"),
            "back": _("Back to the list"),
            "full_article": _("Open the full article"),
            "opens_new_tab": _("(opens in a new tab)"),
            "ask_label": _("Ask a question"),
            "ask_placeholder": _("Describe your question in your own words"),
            "ask_button": _("Ask"),
            "answer_heading": _("Best answer"),
            "more_articles": _("More articles"),
            "no_answer": _(
                "We could not find a good answer to that in our articles. "
                "Try other words, or talk to a person."
            ),
            "helpful_question": _("Did this answer your question?"),
            "yes": _("Yes"),
            "no": _("No"),
            "thanks": _("Glad we could help! Nothing was sent to support."),
            "talk": _("Talk to a person"),
            "contact_intro": _(
                "Leave your name and email and we will answer you by email. "
                "Your question and the articles shown are sent with it."
            ),
            "name": _("Name"),
            "email": _("Email"),
            "message": _("Your question"),
            "send": _("Send to support"),
            "sent": _("Your request was sent. Reference: %(reference)s", reference="{reference}"),
            "follow": _("Follow your request"),
            "conversation": _("Your conversation with support"),
            "support": _("Support team"),
            "you": _("You"),
            "write_more": _("Write more"),
            "send_more": _("Send"),
            "live_note": _("Replies appear here as soon as support answers; we email you too."),
            "error": _("Something went wrong. Please try again in a moment."),
            "too_many": _("Too many requests. Please wait a minute and try again."),
        }
