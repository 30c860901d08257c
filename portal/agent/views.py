"""The ``/agent`` blueprint: queue, ticket view, replies and notes, the article panel's search.

Every URL under ``/agent`` needs a signed-in user with the agent role (admins too): the guard
is the blueprint's ``before_request``, so a new route cannot forget it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_timedelta, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl
from flask_login import current_user
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal import limits
from portal.agent import queue as tickets
from portal.agent.bulk import BulkChange, BulkError, apply_bulk
from portal.agent.collision import latest_message_id, newer_messages
from portal.agent.forms import PRIORITY_LABELS, BulkForm, PropertiesForm
from portal.agent.groups import all_groups, get_group
from portal.agent.journey import journey
from portal.agent.macros import (
    MacroError,
    apply_actions,
    apply_macro,
    get_macro,
    usable_macros,
)
from portal.agent.panel import panel_search, suggestions
from portal.agent.replies import (
    MAX_BODY_CHARS,
    ReplyError,
    add_reply,
    change_status,
    link_for,
    render_reply,
)
from portal.agent.tags import TagError, known_tags, parse_tags, set_tags
from portal.agent.ticket_search import parse_search, search_tickets
from portal.auth import require_role
from portal.auth_views import has_endpoint, safe_next
from portal.extensions import db
from portal.guards import GuardedForm, database_id
from portal.i18n import current_locale, local_time, supported_locales
from portal.models import CHANNELS, User
from portal.rendering import render_markdown
from portal.search import MAX_QUERY_CHARS, get_store

bp = Blueprint("agent", __name__, url_prefix="/agent")

STATUS_LABELS = {
    "open": _pl("ticket status", "Open"),
    "pending": _pl("ticket status", "Pending"),
    "on_hold": _pl("ticket status", "On hold"),
    "solved": _pl("ticket status", "Solved"),
}
STATUS_CHOICES = list(STATUS_LABELS.items())


class ReplyForm(GuardedForm):
    """A public reply (then a status) or an internal note, by which button was pressed."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=MAX_BODY_CHARS)])
    status = SelectField(_l("Then set the status to"), choices=STATUS_CHOICES, default="pending")
    send = SubmitField(_l("Send reply"))
    note = SubmitField(_l("Add internal note"))
    # The newest message the writer saw: a newer one holds the reply back (see .collision).
    seen = HiddenField()
    send_anyway = SubmitField(_l("Send anyway"))
    # The macro applied to this draft: its priority and tags are saved with the message.
    macro = HiddenField()


class MacroForm(GuardedForm):
    """The macro picker inside the reply form (posted with the draft)."""

    macro_choice = SelectField(_l("Macro"), coerce=str)


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
        "priority_labels": PRIORITY_LABELS,
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
        groups=all_groups(),
        tags=known_tags(),
        assign_form=AssignForm(next=request.full_path),
        bulk_form=BulkForm(formdata=None).fill_choices(STATUS_LABELS),
    )


def _article_title(article_id: str, locale: str) -> str | None:
    """The article's title in ``locale`` (else its best other locale), None once deleted."""
    store = get_store()
    found = store.get(article_id, locale) or store.best_locale(article_id, locale)
    return found.title if found else None


def _properties_form(ticket) -> PropertiesForm:
    return PropertiesForm(
        formdata=None,
        group=str(ticket.group_id or ""),
        assignee=str(ticket.assignee_id or ""),
        priority=ticket.priority,
        tags=", ".join(ticket.tags),
    ).fill_choices()


def _render_ticket(
    ticket,
    reply_form: ReplyForm,
    status: int = 200,
    *,
    properties_form: PropertiesForm | None = None,
    collided=(),
    applied=None,
):
    if not reply_form.seen.data or collided:
        reply_form.seen.data = str(latest_message_id(ticket))
    return (
        render_template(
            "agent/ticket.html",
            locale=current_locale(),
            ticket=ticket,
            reply_form=reply_form,
            status_form=StatusForm(status=ticket.status),
            assign_form=AssignForm(next=url_for(".ticket", reference=ticket.reference)),
            properties_form=properties_form or _properties_form(ticket),
            collided=collided,
            applied=applied,
            macros=usable_macros(),
            panel=suggestions(ticket),
            journey=journey(ticket, _article_title),
            render_reply=render_reply,
        ),
        status,
    )


@bp.get("/tickets/<reference>")
def ticket(reference: str):
    """One ticket: conversation, reply box, properties, status, and the article panel.
    Opening it marks its messages seen by this agent (the queue's "new" marker)."""
    found = _ticket_or_404(reference)
    response = _render_ticket(found, ReplyForm())
    tickets.mark_seen(found, current_user)
    return response


@bp.post("/tickets/<reference>/messages")
def reply(reference: str):
    """Send a public reply or add an internal note; errors keep the draft and say why."""
    ticket = _ticket_or_404(reference)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_ticket(ticket, form, 400)
    internal = bool(form.note.data)
    # The page's form always carries ``seen``; a post without it (a script) is not checked.
    seen = database_id(form.seen.data)
    if not internal and not form.send_anyway.data and seen is not None:
        collided = newer_messages(ticket, seen, current_user)
        if collided:
            return _render_ticket(ticket, form, 409, collided=collided)
    try:
        macro_id = database_id(form.macro.data)
        macro = get_macro(macro_id) if macro_id is not None else None
        if macro is not None:
            apply_actions(macro, ticket)  # committed by add_reply, with the message
        add_reply(
            ticket,
            current_user,
            form.body.data,
            internal=internal,
            status=None if internal else form.status.data,
        )
    except (ReplyError, TagError, tickets.AssignError) as exc:
        db.session.rollback()
        form.body.errors = [*form.body.errors, str(exc)]
        return _render_ticket(ticket, form, 400)
    tickets.mark_seen(ticket, current_user)
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


@bp.post("/tickets/<reference>/macro")
def macro(reference: str):
    """Apply a macro to the draft: its text (for the ticket's locale) is added to the reply
    box and its status preselected; nothing is saved or sent yet."""
    ticket = _ticket_or_404(reference)
    picker = MacroForm()
    picker.macro_choice.choices = [(str(m.id), m.name) for m in usable_macros()]
    form = ReplyForm()
    form.body.errors = []
    if not picker.validate_on_submit():
        form.body.errors = [_("Choose a macro to apply.")]
        return _render_ticket(ticket, form, 400)
    found = get_macro(int(picker.macro_choice.data))
    try:
        applied = apply_macro(found, ticket, current_user)
    except MacroError as exc:
        form.body.errors = [str(exc)]
        return _render_ticket(ticket, form, 400)
    draft = (form.body.data or "").rstrip()
    form.body.data = f"{draft}\n\n{applied.text}" if draft else applied.text
    if applied.status:
        form.status.data = applied.status
    form.macro.data = str(applied.macro_id)
    return _render_ticket(ticket, form, applied=applied)


@bp.post("/tickets/<reference>/properties")
def properties(reference: str):
    """Save the ticket's group, assignee, priority and tags."""
    ticket = _ticket_or_404(reference)
    form = PropertiesForm().fill_choices()
    if not form.validate_on_submit():
        return _render_ticket(ticket, ReplyForm(), 400, properties_form=form)
    try:
        tickets.apply_assignment(
            ticket,
            assignee=db.session.get(User, int(form.assignee.data)) if form.assignee.data else None,
            group=get_group(int(form.group.data)) if form.group.data else None,
        )
        tickets.set_priority(ticket, form.priority.data)
        set_tags(ticket, parse_tags(form.tags.data or ""))
        db.session.commit()
    except (tickets.AssignError, TagError) as exc:
        db.session.rollback()
        form.tags.errors = [*form.tags.errors, str(exc)]
        return _render_ticket(ticket, ReplyForm(), 400, properties_form=form)
    flash(_("The ticket is saved."), "success")
    return redirect(url_for(".ticket", reference=reference))


def _bulk_target(value: str, load):
    """'' no change (False), 'none' clear (None), else the loaded row (404 if unknown)."""
    if not value:
        return False
    if value == "none":
        return None
    row_id = database_id(value)
    found = load(row_id) if row_id is not None else None
    if found is None:
        abort(400)
    return found


@bp.post("/tickets/bulk")
def bulk():
    """Apply one change to every ticket ticked in the queue; ``next`` returns to the queue."""
    form = BulkForm().fill_choices(STATUS_LABELS)
    back = safe_next(request.form.get("next", "")) or url_for(".queue")
    if not form.validate_on_submit():
        flash(_("The bulk change was not applied: check the fields."), "error")
        return redirect(back)
    try:
        change = BulkChange(
            assignee=_bulk_target(form.assignee.data, lambda i: db.session.get(User, i)),
            group=_bulk_target(form.group.data, get_group),
            status=form.status.data,
            priority=form.priority.data,
            add_tags=tuple(parse_tags(form.add_tags.data or "")),
            remove_tags=tuple(parse_tags(form.remove_tags.data or "")),
        )
        changed = apply_bulk(request.form.getlist("ticket"), change)
    except (BulkError, TagError) as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(ngettext("%(num)d ticket changed.", "%(num)d tickets changed.", len(changed)), "success")
    return redirect(back)


@bp.get("/find")
@limits.limit("ticket_search")
def find():
    """Ticket search: words in subject, messages and customer, with filters."""
    flt, ignored = parse_search(request.args)
    return render_template(
        "agent/find.html",
        locale=current_locale(),
        flt=flt,
        ignored=ignored,
        results=search_tickets(flt),
        agents=tickets.staff(),
        groups=all_groups(),
        tags=known_tags(),
        channels=CHANNELS,
    )


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
