"""Revision pages of ``/write``: history, one revision, diff, restore."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.guards import database_id
from portal.i18n import current_locale
from portal.search import get_store
from portal.write import revisions
from portal.write.drafts import EditError
from portal.write.editor import Conflict
from portal.write.forms import ConfirmForm
from portal.write.views import body_of, bp, edit_url, get_editor, preview_html

# -- history ---------------------------------------------------------------------------


@bp.get("/<article_locale>/<article_id>/history")
def history(article_locale: str, article_id: str):
    """Every revision of the article, newest first, with a two-revision compare form."""
    found = revisions.history(article_id, article_locale)
    current = get_store().get(article_id, article_locale)
    if not found and current is None:
        abort(404)
    loaded = get_editor().load(article_id, article_locale) if current is not None else None
    compare_a, compare_b = revisions.default_comparison(found, loaded.text if loaded else None)
    return render_template(
        "write/history.html",
        locale=current_locale(),
        article_id=article_id,
        article_locale=article_locale,
        article=current,
        revisions=found,
        author_name=revisions.author_name,
        compare_a=compare_a,
        compare_b=compare_b,
    )


@bp.get("/revisions/<int:revision_id>")
def revision(revision_id: int):
    """One revision: its file text, how it renders, and a restore button."""
    found = revisions.get(revision_id) or abort(404)
    loaded = get_editor().load(found.article_id, found.locale)
    return render_template(
        "write/revision.html",
        locale=current_locale(),
        revision=found,
        author=revisions.author_name(found),
        rendered=preview_html(body_of(found.content), found.locale),
        article=loaded.article if loaded else None,
        form=ConfirmForm(version=loaded.version if loaded else ""),
    )


@bp.post("/revisions/<int:revision_id>/restore")
def restore(revision_id: int):
    """Save the revision again as the newest one; refuse if the file changed meanwhile."""
    found = revisions.get(revision_id) or abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    recreated = get_store().get(found.article_id, found.locale) is None
    try:
        saved = revisions.restore(
            get_editor(), found, author=current_user, base_version=form.version.data or ""
        )
    except (Conflict, EditError) as exc:
        flash(str(exc), "error")
        return redirect(url_for(".revision", revision_id=revision_id))
    if saved.note == "unchanged":
        flash(_("The article already has this revision's text: nothing was saved."), "success")
    else:
        flash(
            revisions.restored_message(revision_id, saved.article, recreated=recreated), "success"
        )
    return redirect(edit_url(saved.article))


@bp.get("/<article_locale>/<article_id>/diff")
def diff(article_locale: str, article_id: str):
    """The changes between two revisions (``a``, ``b``; ``b=current`` is the file now)."""

    def text_of(key: str) -> tuple[str, str]:
        if key == "current":
            loaded = get_editor().load(article_id, article_locale) or abort(404)
            return _("current file"), loaded.text
        number = database_id(key)
        found = revisions.get(number) if number is not None else None
        if found is None or (found.article_id, found.locale) != (article_id, article_locale):
            abort(404)
        return _("revision %(number)s", number=found.id), found.content

    (old_label, old), (new_label, new) = (
        text_of(request.args.get("a", "")),
        text_of(request.args.get("b", "current")),
    )
    return render_template(
        "write/diff.html",
        locale=current_locale(),
        article_id=article_id,
        article_locale=article_locale,
        old_label=old_label,
        new_label=new_label,
        changes=revisions.diff(old, new, old_label, new_label),
    )
