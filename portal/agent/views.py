"""The ``/agent`` blueprint: queue, ticket view, replies and notes, the article panel's search.

Every URL under ``/agent`` needs a signed-in user with the agent role (admins too): the guard
is the blueprint's ``before_request``, so a new route cannot forget it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl
from flask_login import current_user
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal import limits
from portal.agent import queue as tickets
from portal.agent.journey import journey
from portal.agent.panel import panel_search, suggestions
from portal.agent.replies import (
    MAX_BODY_CHARS,
    ReplyError,
    add_reply,
    change_status,
    link_for,
    render_reply,
)
from portal.auth import require_role
from portal.auth_views import has_endpoint, safe_next
from portal.extensions import db
from portal.guards import GuardedForm
from portal.i18n import current_locale, local_time, supported_locales
from portal.rendering import render_markdown
from portal.search import MAX_QUERY_CHARS, get_store

bp = Blueprint("agent", __name__, url_prefix="/agent")

STATUS_LABELS = {
    "open": _pl("ticket status", "Open"),
    "pending": _pl("ticket status", "Pending"),
    "solved": _pl("ticket status", "Solved"),
}
STATUS_CHOICES = list(STATUS_LABELS.items())


class ReplyForm(GuardedForm):
    """A public reply (then a status) or an internal note, by which button was pressed."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=MAX_BODY_CHARS)])
    status = SelectField(_l("Then set the status to"), choices=STATUS_CHOICES, default="pending")
    send = SubmitField(_l("Send reply"))
    note = SubmitField(_l("Add internal note"))


class StatusForm(GuardedForm):
    """Change a ticket's status without writing."""

    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    submit = SubmitField(_l("Change status"))


class AssignForm(GuardedForm):
    """The "Assign to me" button; ``next`` brings the agent back where they were."""

    next = HiddenField()


@bp.before_request
def require_agent():
    """Anonymous visitors go to the login page; signed-in users without the role get 403."""
    return require_role("agent")


def ticket_age(ticket) -> str:
    """'3 hours' since the ticket was filed, in the reader's language."""
    return format_timedelta(tickets.age(ticket), threshold=0.9)


def when(moment) -> str:
    """A stored UTC time, formatted for the reader in the help center's zone."""
    return local_time(moment, "short")


@bp.context_processor
def helpers() -> dict:
    """Formatting helpers for the agent templates."""
    return {
        "ticket_age": ticket_age,
        "when": when,
        "status_labels": STATUS_LABELS,
        "has_endpoint": has_endpoint,
    }


def _ticket_or_404(reference: str):
    ticket = tickets.get_ticket(reference)
    if ticket is None:
        abort(404)
    return ticket


class NotificationForm(GuardedForm):
    """Which ticket events email this agent."""

    notify_new_tickets = BooleanField(_l("Email me about every new request"))
    notify_replies = BooleanField(
        _l("Email me when a customer replies on a request assigned to me")
    )
    submit = SubmitField(_l("Save"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """The agent's own notification settings."""
    form = NotificationForm(obj=current_user)
    if form.validate_on_submit():
        current_user.notify_new_tickets = form.notify_new_tickets.data
        current_user.notify_replies = form.notify_replies.data
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for(".settings"))
    return render_template("agent/settings.html", form=form)


@bp.get("/")
def queue():
    """The ticket queue, filtered and sorted by the query string."""
    flt = tickets.parse_filter(request.args, supported_locales())
    page = tickets.list_tickets(flt, current_user)
    return render_template(
        "agent/queue.html",
        locale=current_locale(),
        page=page,
        flt=flt,
        agents=tickets.staff(),
        assign_form=AssignForm(next=request.full_path),
    )


def _article_title(article_id: str, locale: str) -> str | None:
    """The article's title in ``locale`` (else its best other locale), None once deleted."""
    store = get_store()
    found = store.get(article_id, locale) or store.best_locale(article_id, locale)
    return found.title if found else None


def _render_ticket(ticket, reply_form: ReplyForm, status: int = 200):
    return (
        render_template(
            "agent/ticket.html",
            locale=current_locale(),
            ticket=ticket,
            reply_form=reply_form,
            status_form=StatusForm(status=ticket.status),
            assign_form=AssignForm(next=url_for(".ticket", reference=ticket.reference)),
            panel=suggestions(ticket),
            journey=journey(ticket, _article_title),
            render_reply=render_reply,
        ),
        status,
    )


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    """One ticket: conversation, reply box, status, and the article panel."""
    return _render_ticket(_ticket_or_404(reference), ReplyForm())


@bp.post("/tickets/<reference>/messages")
def reply(reference: str):
    """Send a public reply or add an internal note; errors keep the draft and say why."""
    ticket = _ticket_or_404(reference)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_ticket(ticket, form, 400)
    internal = bool(form.note.data)
    try:
        add_reply(
            ticket,
            current_user,
            form.body.data,
            internal=internal,
            status=None if internal else form.status.data,
        )
    except ReplyError as exc:
        form.body.errors = [*form.body.errors, str(exc)]
        return _render_ticket(ticket, form, 400)
    flash(_("Internal note added.") if internal else _("Reply sent to the customer."), "success")
    return redirect(url_for(".ticket", reference=reference, _anchor="conversation"))


@bp.post("/tickets/<reference>/status")
def status(reference: str):
    """Change the ticket's status."""
    ticket = _ticket_or_404(reference)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_ticket(ticket, ReplyForm(), 400)
    change_status(ticket, form.status.data)
    flash(_("Status changed to %(status)s.", status=STATUS_LABELS[form.status.data]), "success")
    return redirect(url_for(".ticket", reference=reference))


@bp.post("/tickets/<reference>/assign")
def assign(reference: str):
    """Assign the ticket to the signed-in agent."""
    ticket = _ticket_or_404(reference)
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    tickets.assign(ticket, current_user)
    flash(_("%(reference)s is assigned to you.", reference=ticket.reference), "success")
    return redirect(safe_next(form.next.data) or url_for(".ticket", reference=reference))


@bp.get("/articles/<article_locale>/<article_id>")
def article(article_locale: str, article_id: str):
    """A published article as agents read it, internal ones included."""
    found = get_store().get(article_id, article_locale)
    if found is None or found.status != "published":
        abort(404)
    body = render_markdown(found.body, lambda other: _agent_article_url(other, article_locale))
    return render_template(
        "agent/article.html",
        locale=current_locale(),
        article=found,
        body=Markup(body.html),  # nosec B704 - render_markdown sanitizes
        translations=sorted(get_store().translations(article_id)),
    )


def _agent_article_url(article_id: str, locale: str) -> str | None:
    target = link_for(article_id, locale)
    if target is None:
        return None
    return url_for(".article", article_locale=target.locale, article_id=target.article_id)


@bp.get("/search")
@limits.limit("agent_search")
def search_articles():
    """JSON for the panel's search box: ``q``, ``locale`` (searched), ``for`` (link locale)."""
    query = request.args.get("q", "")
    locale = request.args.get("locale") or current_locale()
    link_locale = request.args.get("for") or locale
    if len(query) > MAX_QUERY_CHARS:
        return jsonify(error=f"q must be at most {MAX_QUERY_CHARS} characters"), 400
    for value in (locale, link_locale):
        if value not in supported_locales():
            known = ", ".join(supported_locales())
            return jsonify(error=f"unknown locale {value!r}; use one of: {known}"), 400
    results = panel_search(query, locale=locale, link_locale=link_locale)
    return jsonify(
        query=results.query,
        locale=results.locale,
        mode=results.mode,
        degraded=results.degraded,
        results=[hit.to_json() for hit in results.hits],
    )
