"""The contact form, deflections, and the customer's private ticket page."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal import errors, limits
from portal.guards import GuardedForm
from portal.i18n import keep_locale_in_urls, pull_locale_from_url
from portal.search import MAX_QUERY_CHARS, get_store
from portal.tickets import service
from portal.tickets.forms import LIMITS, TicketForm
from portal.tickets.messages import render_message

bp = Blueprint("tickets", __name__)
bp.url_value_preprocessor(pull_locale_from_url)
bp.url_defaults(keep_locale_in_urls)


class ReplyForm(GuardedForm):
    """The customer's answer on their private page."""

    body = TextAreaField(
        "",
        validators=[
            DataRequired(),
            Length(max=LIMITS["description"]),
        ],
    )


def contact_form() -> TicketForm:
    """The contact form for the page's locale, with the store's categories."""
    store = get_store()
    form = TicketForm(
        categories=[(c.key, c.name(g.locale)) for c in store.categories],
        locales=store.locales,
    )
    if not form.locale.data:
        form.locale.data = g.locale
    return form


def render_contact(form: TicketForm, status: int = 200):
    """The contact page with ``form`` (empty, or as the customer filled it in)."""
    page = render_template("tickets/new.html", form=form, max_query_chars=MAX_QUERY_CHARS)
    return page, status


def counts_as_filing(_response) -> bool:
    """Only a newly created ticket counts against the filing limit.

    Not the status code: a refresh or double submit gets the same redirect as the first
    submission (the ticket it filed) and files nothing, so the view marks a new ticket in ``g``.
    """
    return g.get("ticket_created", False)


def ticket_input(form: TicketForm, channel: str = "web") -> service.TicketInput:
    """The validated form as the service's input."""
    return service.TicketInput(
        email=form.email.data.strip(),
        name=form.name.data.strip(),
        subject=form.subject.data.strip(),
        description=form.description.data.strip(),
        locale=form.locale.data,
        category=form.category.data or None,
        channel=channel,
        submission_key=form.submission_key.data or None,
        suggested=service.clean_ids(form.ids("suggested")),
        opened=service.clean_ids(form.ids("opened")),
        searches=searched_before(form.sl.data),
    )


def searched_before(token: str | None) -> tuple[int, ...]:
    """The search the customer came from, when the contact link carried its signed id."""
    from portal.help.feedback import opened_search_id

    search_id = opened_search_id(token)
    return () if search_id is None else (search_id,)


@bp.route("/<locale:locale>/contact", methods=["GET", "POST"])
@limits.limit("tickets", methods=["POST"], deduct_when=counts_as_filing)
def new():
    """The contact form: suggestions while typing, then a ticket if still needed."""
    form = contact_form()
    if request.method == "GET" and not form.sl.data:
        form.sl.data = (request.args.get("sl") or "")[:100]
    if form.validate_on_submit():
        data = ticket_input(form)
        try:
            filed = service.file_ticket(data)
        except service.FilingError:
            flash(
                _(
                    "We could not send your request just now. Nothing was lost: your text is "
                    "still below. Please try again in a moment."
                ),
                "error",
            )
            page, status = render_contact(form, 503)
            return page, status, {"Retry-After": str(errors.RETRY_AFTER_SECONDS)}
        g.ticket_created = filed.created
        if filed.created:
            service.log_form_search(data, deflected_to=None)
        return redirect(url_for("tickets.private", token=filed.token, filed=1))
    return render_contact(form, 400 if request.method == "POST" else 200)


def flash_form_expired() -> None:
    """Say that nothing was sent and the text is kept (the page shows it again)."""
    flash(
        _(
            "This form had expired, so nothing was sent yet. Your text is still below: "
            "please send it again."
        ),
        "error",
    )


@bp.errorhandler(CSRFError)
def form_expired(exc):
    """An expired contact form or ticket reply comes back filled in, with a fresh token:
    nothing typed is lost. Other forms get the site's "form expired" page."""
    if request.endpoint == "tickets.new":
        flash_form_expired()
        return render_contact(contact_form(), 400)
    if request.endpoint == "tickets.private":
        token = (request.view_args or {}).get("token", "")
        try:
            ticket = service.find_by_token(token)
        except service.FilingError:
            return render_unavailable_reply()
        if ticket is not None:
            g.locale = ticket.locale
            flash_form_expired()
            return render_private(ticket, token, ReplyForm(), 400)
    return errors.form_expired(exc)


@bp.errorhandler(429)
def too_many_requests(exc):
    """A rate-limited contact form or ticket reply comes back filled in, saying when to try
    again. Other pages get the site's "too many requests" page."""
    ticket, token = None, ""
    if request.endpoint == "tickets.private":
        token = (request.view_args or {}).get("token", "")
        try:
            ticket = service.find_by_token(token)
        except service.FilingError:
            return render_unavailable_reply()
        if ticket is None:
            return errors.error_page(exc)
        g.locale = ticket.locale
    elif request.endpoint != "tickets.new":
        return errors.error_page(exc)
    flash(
        _(
            "You have sent several requests in a short time. Please wait a few minutes, "
            "then send this one again: your text is still below."
        ),
        "error",
    )
    if ticket is not None:
        return render_private(ticket, token, ReplyForm(), 429)
    return render_contact(contact_form(), 429)


@bp.post("/<locale:locale>/contact/answered")
@limits.limit("deflection")
def answered():
    """'This answered my question': count a deflection and file nothing."""
    article_id = (request.form.get("article_id") or "").strip()
    store = get_store()
    article = store.get(article_id, request.form.get("article_locale") or g.locale)
    if article is None or not article.is_public:
        abort(400)
    typed = service.TicketInput(
        email="",
        name="",
        subject=(request.form.get("subject") or "").strip()[:200],
        description=(request.form.get("description") or "").strip()[:500],
        locale=g.locale,
    )
    service.record_deflection(article.id, article.locale, typed.subject or typed.description)
    service.log_form_search(typed, deflected_to=article.id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True, message=_("Glad we could help! Nothing was sent to support."))
    return redirect(url_for("tickets.answered_thanks"))


class ConfirmForm(GuardedForm):
    """One button (CSRF-protected): the POST that changes something."""


@bp.route("/tickets/solved/<token>", methods=["GET", "POST"])
@limits.limit("deflection")
def solved_by_article(token: str):
    """ "This solved my problem" from an acknowledgment email: a button (GET), then the
    ticket solved and a deflection counted (POST), so link scanners change nothing."""
    from portal.extensions import db
    from portal.models import Ticket
    from portal.tickets.answers import read_solved_token, solve_by_article

    found = read_solved_token(token)
    ticket = db.session.get(Ticket, found[0]) if found else None
    if ticket is None or ticket.reference != found[1]:
        abort(404)
    g.locale = ticket.locale
    article = get_store().get(found[2], found[3])
    form = ConfirmForm()
    if form.validate_on_submit():
        solve_by_article(ticket, found[2], found[3])
        return render_template("tickets/solved.html", ticket=ticket, done=True, article=article)
    page = render_template(
        "tickets/solved.html",
        ticket=ticket,
        done=ticket.status == "solved",
        article=article,
        form=form,
    )
    response = make_response(page)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<locale:locale>/contact/thanks")
def answered_thanks():
    """The polite end of a deflected contact."""
    return render_template("tickets/thanks.html")


@bp.route("/tickets/<token>", methods=["GET", "POST"])
@limits.limit("reply", methods=["POST"])
def private(token: str):
    """The customer's private page: the conversation (no internal notes) and a reply box."""
    try:
        ticket = service.find_by_token(token)
    except service.FilingError:
        return render_unavailable_reply()
    if ticket is None:
        abort(404)
    return reply_page(ticket, token, url_for("tickets.private", token=token))


def reply_page(ticket, token: str | None, sent_url: str):
    """The customer's view of ``ticket`` and its reply box: a sent reply goes to
    ``sent_url``; a reply that could not be stored comes back as typed. Shared by the private
    link and the signed-in customer's pages (see :mod:`portal.customers`)."""
    g.locale = ticket.locale
    form = ReplyForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.add_customer_reply(ticket, form.body.data.strip())
        except service.FilingError:
            flash(_("We could not save your reply. Your text is still below."), "error")
            status = 503
        else:
            flash(_("Your reply was sent."), "success")
            return redirect(sent_url)
    elif request.method == "POST":
        status = 400
    return render_private(ticket, token, form, status)


def render_unavailable_reply():
    """The database cannot open the ticket: say so, and give back the reply the customer was
    sending (in a form that sends it again) so nothing typed is lost."""
    response = make_response(
        render_template(
            "tickets/unavailable.html", form=ReplyForm(), typed=request.form.get("body")
        ),
        503,
    )
    response.headers["Retry-After"] = str(errors.RETRY_AFTER_SECONDS)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def rating_context(ticket) -> dict:
    """What the page needs to ask a solved ticket's customer for their rating."""
    from portal.satisfaction import service as satisfaction

    if ticket.status != "solved":
        return {"rating": None, "rating_token": None, "rating_open": False}
    rating = satisfaction.rating_of(ticket)
    return {
        "rating": rating,
        "rating_token": satisfaction.rating_token(ticket),
        "rating_open": satisfaction.can_change(rating),
    }


def render_private(ticket, token: str | None, form: ReplyForm, status: int = 200):
    """The private page of ``ticket`` with the reply ``form`` (empty, or as typed); without
    ``token`` it is the signed-in customer's view (see :mod:`portal.customers`)."""
    messages = [
        (message, render_message(message, ticket.locale))
        for message in service.public_messages(ticket)
    ]
    response = make_response(
        render_template(
            "tickets/private.html",
            ticket=ticket,
            messages=messages,
            form=form,
            just_filed=request.args.get("filed") == "1",
            private_link=service.private_url(token) if token else None,
            **rating_context(ticket),
        ),
        status,
    )
    # The token is in the URL: keep it out of Referer headers, caches and search engines.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
