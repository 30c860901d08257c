"""The rating page a solved ticket's email and private page lead to."""

from __future__ import annotations

from flask import Blueprint, abort, g, make_response, render_template, request
from flask_babel import gettext as _
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal import limits
from portal.guards import GuardedForm
from portal.satisfaction import service

bp = Blueprint("satisfaction", __name__)


class RatingForm(GuardedForm):
    """Good or bad, and an optional comment."""

    score = RadioField(choices=[(s, s) for s in service.SCORES], validators=[DataRequired()])
    comment = TextAreaField(validators=[Optional(), Length(max=service.MAX_COMMENT_CHARS)])


@bp.route("/tickets/rate/<token>", methods=["GET", "POST"])
@limits.limit("rating")
def rate(token: str):
    """GET shows the choice (the email's link preselects it); only the POST stores it, so
    mail scanners that fetch links rate nothing."""
    ticket = service.read_rating_token(token)
    if ticket is None:
        abort(404)
    g.locale = ticket.locale
    rating = service.rating_of(ticket)
    form = RatingForm()
    outcome, status = None, 200
    if request.method == "GET":
        chosen = request.args.get("score")
        form.score.data = chosen if chosen in service.SCORES else (rating and rating.score)
        if rating is not None and not form.comment.data:
            form.comment.data = rating.comment
    elif form.validate_on_submit():
        outcome = service.rate(ticket, form.score.data, form.comment.data)
        rating = service.rating_of(ticket)
        status = 200 if outcome in (service.Outcome.RATED, service.Outcome.CHANGED) else 409
    else:
        status = 400
    response = make_response(
        render_template(
            "tickets/rate.html",
            ticket=ticket,
            form=form,
            rating=rating,
            outcome=outcome.value if outcome else None,
            can_change=service.can_change(rating) and ticket.status == "solved",
            labels={"good": _("Good, I'm satisfied"), "bad": _("Bad, I'm not satisfied")},
        ),
        status,
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
