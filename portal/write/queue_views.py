"""What to write next: the translations dashboard and solved tickets to turn into articles."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.i18n import current_locale
from portal.search import get_store
from portal.write import from_ticket, translations
from portal.write.views import allow, article_form, bp, edit_url, render_editor, submit

# -- translations and tickets ----------------------------------------------------------


@bp.get("/translations")
def translations_dashboard():
    """Per locale: missing, outdated and current translations, most requested first."""
    store = get_store()
    others = [loc for loc in store.locales if loc != store.default_locale] or list(store.locales)
    article_locale = request.args.get("locale") or others[0]
    if article_locale not in store.locales:
        abort(404)
    rows = translations.dashboard(
        store, article_locale, translations.request_counts(article_locale)
    )
    return render_template(
        "write/translations.html",
        locale=current_locale(),
        article_locale=article_locale,
        locales=store.locales,
        rows=rows,
    )


@bp.get("/tickets")
@allow("agent")
def tickets():
    """Recently solved tickets that could become articles."""
    store = get_store()
    found = from_ticket.solved_tickets()
    return render_template(
        "write/tickets.html",
        locale=current_locale(),
        tickets=found,
        written={t.reference: from_ticket.articles_from(store, t.reference) for t in found},
    )


@bp.route("/from-ticket/<reference>", methods=["GET", "POST"], endpoint="from_ticket")
@allow("agent")
def from_ticket_draft(reference: str):
    """A draft prefilled from a solved ticket (agents and writers); saving keeps it a draft."""
    ticket = from_ticket.get_ticket(reference) or abort(404)
    try:
        draft = from_ticket.draft_from_ticket(get_store(), ticket)
    except from_ticket.TicketNotReady as exc:
        flash(str(exc), "error")
        return redirect(url_for(".tickets"))
    form = article_form()
    if request.method == "GET":
        form.fill(draft)
        return render_editor(form, ticket=ticket)
    form.publish.data = form.unpublish.data = False  # a writer publishes after review
    result = submit(form, ticket=ticket)
    if isinstance(result, tuple):
        return result
    if current_user.has_role("writer"):
        return redirect(edit_url(result.article))
    flash(_("A writer will review and publish it."), "info")
    if "agent.ticket" in current_app.view_functions:
        return redirect(url_for("agent.ticket", reference=reference))
    return redirect(url_for(".tickets"))
