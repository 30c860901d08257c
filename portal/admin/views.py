"""``/admin`` pages. Every URL needs a signed-in admin: the guard is the blueprint's
``before_request``, so a new route cannot forget it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin import background
from portal.auth import require_role
from portal.guards import GuardedForm
from portal.i18n import local_time
from portal.mail import held
from portal.mail.inbound import IngestError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    """Anonymous visitors go to the login page; staff without the admin role get 403."""
    return require_role("admin")


class ActionForm(GuardedForm):
    """A button that changes something (CSRF-protected, no fields)."""


@bp.get("/jobs")
def jobs():
    """Background work: what is waiting, what failed and why, mail needing a decision."""
    return render_template(
        "admin/jobs.html",
        backlog=background.backlog(),
        failed=background.failed_jobs(),
        mail=background.mail_needing_attention(),
        held_count=held.held_count(),
        form=ActionForm(),
        local_time=local_time,
    )


@bp.post("/jobs/<int:job_id>/retry")
def retry_job(job_id: int):
    """Queue a failed job again with fresh attempts."""
    if ActionForm().validate_on_submit() and background.retry_job(job_id):
        flash(_("Job %(id)s is queued again.", id=job_id), "success")
    else:
        flash(_("That job is not waiting for a retry."), "error")
    return redirect(url_for("admin.jobs"))


@bp.post("/mail/<int:outbox_id>/resend")
def resend_mail(outbox_id: int):
    """Send an email again after an admin checked it did not arrive."""
    if ActionForm().validate_on_submit() and background.requeue_mail(outbox_id):
        flash(_("The email is queued again."), "success")
    else:
        flash(_("That email is not waiting for a decision."), "error")
    return redirect(url_for("admin.jobs"))


@bp.get("/mail/held")
def held_mail():
    """Incoming mail kept without filing (a flooding sender, staff-side checks that failed)."""
    return render_template(
        "admin/held_mail.html", held=held.held_mail(), form=ActionForm(), local_time=local_time
    )


@bp.post("/mail/held/<int:email_id>/release")
def release_held(email_id: int):
    """File a held mail as a customer's mail (see :mod:`portal.mail.held`)."""
    if not ActionForm().validate_on_submit():
        flash(_("That mail is no longer held."), "error")
        return redirect(url_for("admin.held_mail"))
    try:
        result = held.release(email_id, current_user.email)
    except IngestError:
        flash(_("The mail could not be filed; it is still held. Try again later."), "error")
        return redirect(url_for("admin.held_mail"))
    if result is None:
        flash(_("That mail is no longer held."), "error")
    elif result.reference:
        flash(_("The mail was filed on %(reference)s.", reference=result.reference), "success")
    else:
        flash(_("The mail was released; it files nothing."), "success")
    return redirect(url_for("admin.held_mail"))


@bp.post("/mail/held/<int:email_id>/discard")
def discard_held(email_id: int):
    """Keep a held mail as a record only."""
    if ActionForm().validate_on_submit() and held.discard(email_id, current_user.email):
        flash(_("The mail was discarded."), "success")
    else:
        flash(_("That mail is no longer held."), "error")
    return redirect(url_for("admin.held_mail"))


# The other admin pages add their routes to ``bp`` (imported last: they import it).
from portal.admin import macro_views, staff_views  # noqa: E402,F401
