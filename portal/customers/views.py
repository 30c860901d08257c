"""The customer's own pages: "find my requests", the emailed link, the list of requests."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _

from portal import limits
from portal.customers import access
from portal.guards import GuardedForm
from portal.i18n import keep_locale_in_urls, pull_locale_from_url
from portal.tickets import service
from portal.tickets.forms import email_field
from portal.tickets.views import reply_page

bp = Blueprint("customers", __name__)
bp.url_value_preprocessor(pull_locale_from_url)
bp.url_defaults(keep_locale_in_urls)


def _email_key() -> str:
    """Limit by the address asked about too, so one inbox is not flooded from many hosts."""
    from flask import request

    return "find-requests:" + access.normalize_email(request.form.get("email", ""))[:254]


class FindForm(GuardedForm):
    """The address to send the link to."""

    email = email_field()


class ContinueForm(GuardedForm):
    """The button that spends an emailed link (a POST, so link scanners cannot)."""


def private_response(response):
    """Pages about one customer: never cached, never indexed, no referrer."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/<locale:locale>/requests", methods=["GET", "POST"])
@limits.limit("find_requests", methods=["POST"])
@limits.limit("find_requests_email", methods=["POST"], key_func=_email_key)
def find():
    """Type an address, get a link listing its requests (the same answer for any address)."""
    if access.signed_in_email():
        return redirect(url_for("customers.mine"))
    form = FindForm()
    if form.validate_on_submit():
        try:
            access.request_link(form.email.data, g.locale)
        except service.FilingError:
            pass  # the answer is the same; the customer can ask again
        return render_template("customers/sent.html", email=form.email.data.strip())
    return render_template("customers/find.html", form=form), (400 if form.errors else 200)


@bp.route("/requests/link/<token>", methods=["GET", "POST"])
@limits.limit("request_link")
def open_link(token: str):
    """The emailed link: a button to continue (GET), the session started (POST)."""
    from flask import request

    from portal.i18n import is_supported

    if is_supported(lang := request.args.get("lang")):
        g.locale = lang
    form = ContinueForm()
    link = access.valid_link(token)
    if link is None:
        page = render_template("customers/link_invalid.html")
        return private_response(make_response(page, 410))
    if form.validate_on_submit():
        if access.use_link(token) is None:
            return private_response(
                make_response(render_template("customers/link_invalid.html"), 410)
            )
        return redirect(url_for("customers.mine", locale=g.get("locale") or "en"))
    return private_response(make_response(render_template("customers/continue.html", form=form)))


@bp.get("/<locale:locale>/requests/mine")
def mine():
    """Every request of the signed-in customer, from every channel."""
    email = access.signed_in_email()
    if email is None:
        flash(_("Enter your email address and we will send you a link to your requests."), "info")
        return redirect(url_for("customers.find"))
    tickets = [(t, access.last_reply(t)) for t in access.tickets_of(email)]
    page = render_template("customers/mine.html", email=email, tickets=tickets, form=ContinueForm())
    return private_response(make_response(page))


@bp.route("/<locale:locale>/requests/mine/<reference>", methods=["GET", "POST"])
@limits.limit("reply", methods=["POST"])
def ticket(reference: str):
    """One of the customer's requests: the conversation and a reply box."""
    email = access.signed_in_email()
    if email is None:
        return redirect(url_for("customers.find"))
    found = access.ticket_of(email, reference)
    if found is None:
        abort(404)
    return reply_page(found, None, url_for("customers.ticket", reference=reference))


@bp.get("/<locale:locale>/requests/mine/data.json")
@limits.limit("reply")
def download_data():
    """Everything kept about the signed-in customer, as a JSON download."""
    import json

    from portal.customers.privacy import customer_data

    email = access.signed_in_email()
    if email is None:
        return redirect(url_for("customers.find"))
    body = json.dumps(customer_data(email), ensure_ascii=False, indent=1)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="my-help-center-data.json"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return private_response(response)


class EraseForm(GuardedForm):
    """Erasure is confirmed by typing the address it is about."""

    email = email_field()


@bp.route("/<locale:locale>/requests/mine/erase", methods=["GET", "POST"])
@limits.limit("reply", methods=["POST"])
def erase():
    """Ask for the erasure of everything kept about the signed-in customer (confirmed by
    typing their address), then sign them out."""
    from portal.customers.privacy import erase_customer

    email = access.signed_in_email()
    if email is None:
        return redirect(url_for("customers.find"))
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        if access.normalize_email(form.email.data) != access.normalize_email(email):
            form.email.errors.append(
                _("Type the address you are signed in with: %(email)s.", email=email)
            )
            status = 400
        else:
            try:
                erase_customer(email)
            except Exception:  # noqa: BLE001 - nothing half-done: the transaction rolled back
                flash(_("We could not erase your data just now. Please try again later."), "error")
                status = 503
            else:
                access.sign_out()
                return private_response(make_response(render_template("customers/erased.html")))
    elif form.errors:
        status = 400
    page = render_template("customers/erase.html", form=form, email=email)
    return private_response(make_response(page, status))


@bp.post("/requests/sign-out")
def sign_out():
    """End the customer session on this device."""
    if ContinueForm().validate_on_submit():
        access.sign_out()
    return redirect(url_for("help.home", locale=g.get("locale") or "en"))
