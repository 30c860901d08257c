"""The ``/write`` blueprint: article list, editor with live preview, history, translations.

Every URL needs a signed-in writer (admins too), checked in ``before_request`` so a new route
cannot forget it; agents may also use the "Turn into article" pages and the preview.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal.auth import require_role
from portal.help.service import article_url
from portal.i18n import LOCALE_NAMES, current_locale
from portal.rendering import render_markdown
from portal.search import get_store
from portal.store import MAX_ARTICLE_BYTES, ArticleError, parse_article
from portal.write import revisions, translations
from portal.write.drafts import Draft, EditError
from portal.write.editor import Conflict, Editor
from portal.write.forms import ArticleForm, ConfirmForm

bp = Blueprint("write", __name__, url_prefix="/write")

# The index is updated by each node's worker a few seconds after a save (never in the
# request), and the messages say so.
SAVED_MESSAGES = {
    "published": (
        _l("Published: customers see it now, and search finds it within a few seconds."),
        "success",
    ),
    "unpublished": (_l("Unpublished: customers no longer see it."), "success"),
    "created": (_l("Draft saved."), "success"),
    "saved": (_l("Saved."), "success"),
    "unchanged": (_l("Nothing changed, so nothing was saved."), "success"),
    "saved-published": (
        _l("Saved: search finds the new text within a few seconds."),
        "success",
    ),
}


def saved_message(saved) -> tuple:
    """What the writer is told after a save (published text: when search will show it)."""
    key = saved.note if saved.note in SAVED_MESSAGES else "saved"
    if key == "saved" and saved.article.status == "published":
        key = "saved-published"
    return SAVED_MESSAGES[key]


def allow(*roles: str):
    """Let ``roles`` use this view besides writers (read by the blueprint's guard)."""

    def mark(view):
        view.required_roles = ("writer", *roles)
        return view

    return mark


@bp.before_request
def require_writer():
    """Anonymous visitors go to the login page; signed-in users without the role get 403."""
    view = current_app.view_functions.get(request.endpoint)
    return require_role(*getattr(view, "required_roles", ("writer",)))


@bp.context_processor
def helpers() -> dict:
    """Labels shared by the writer templates."""
    return {"state_labels": translations.STATE_LABELS, "note_label": revisions.note_label}


def get_editor() -> Editor:
    """The editor over this app's store, lock folder and search service."""
    config = current_app.config  # the lock and this node's manifest live in its instance folder
    return Editor(get_store(), config["INSTANCE_DIR"], node=config.get("NODE_NAME"))


def preview_html(markdown_text: str, article_locale: str) -> Markup:
    """The body exactly as customers will see it (the one renderer and sanitizer, article
    links resolved as on their pages), under a note naming the links they could not open."""
    store = get_store()
    unreachable: list[str] = []

    def resolve(article_id: str) -> str | None:
        if "help.article" not in current_app.view_functions:
            return None
        url = article_url(store, article_id, article_locale)
        if url is None and article_id not in unreachable:
            unreachable.append(article_id)
        return url

    body = Markup(render_markdown(markdown_text, resolve).html)  # nosec B704 - sanitized
    if not unreachable:
        return body
    note = _(
        "Customers cannot open these links (a draft, an internal article, or no such "
        "article): %(links)s",
        links=", ".join(f"article:{article_id}" for article_id in unreachable),
    )
    return Markup('<p class="preview-warning" role="note">{}</p>').format(note) + body


def article_form() -> ArticleForm:
    """The editor form with the store's locales and categories to choose from."""
    store = get_store()
    form = ArticleForm()
    form.set_choices(store.locales, LOCALE_NAMES, store.categories, current_locale())
    return form


def render_editor(form: ArticleForm, *, status: int = 200, **context):
    """The editor page (new, edit, translation or from-ticket) with its preview."""
    context.setdefault("article", None)
    context.setdefault("ticket", None)
    context.setdefault("action_url", request.path)
    if context.get("preview") is None:
        context["preview"] = preview_html(form.body.data or "", form.locale.data or "")
    article = context["article"]
    context["help_url"] = (
        url_for("help.article", locale=article.locale, article_id=article.id)
        if article is not None
        and article.is_public
        and "help.article" in current_app.view_functions
        else None
    )
    return (
        render_template(
            "write/edit.html",
            locale=current_locale(),
            form=form,
            max_kb=MAX_ARTICLE_BYTES // 1024,
            **context,
        ),
        status,
    )


def body_of(text: str | None) -> str:
    """The Markdown body of a file's text (the whole text if it does not parse)."""
    try:
        return parse_article(text or "", get_store().root / "x.md", get_store().locales).body
    except ArticleError:
        return text or ""


def submit(form: ArticleForm, *, original=None, editing=None, note=None, **context):
    """Validate, preview or save the editor form; errors re-render it with the text kept."""
    if not form.validate_on_submit():
        return render_editor(form, status=400, article=original, **context)
    try:
        draft = form.to_draft(original)
        if form.action() == "preview":
            preview = preview_html(draft.body, draft.locale)
            return render_editor(form, article=original, preview=preview, **context)
        saved = get_editor().save(
            draft,
            author=current_user,
            base_version=form.version.data or "",
            editing=editing,
            minor=bool(form.minor.data),
            note=note,
        )
    except EditError as exc:
        field = getattr(form, {"id": "article_id"}.get(exc.field, exc.field or ""), None)
        errors = form.form_errors if field is None else field.errors
        errors.append(str(exc))
        return render_editor(form, status=400, article=original, **context)
    except Conflict as exc:
        form.version.data = exc.current_version
        changes = revisions.diff(body_of(exc.current_text), draft.body, "theirs", "yours")
        return render_editor(
            form, status=409, article=original, conflict=str(exc), changes=changes, **context
        )
    message, category = saved_message(saved)
    flash(str(message), category)
    return saved


def edit_url(article) -> str:
    """The editor URL of ``article``."""
    return url_for(".edit", article_locale=article.locale, article_id=article.id)


# -- list and editor -------------------------------------------------------------------


@bp.get("/")
def index():
    """Articles of one locale with status, category, updated and translation state."""
    store = get_store()
    article_locale = request.args.get("locale") or current_locale()
    if article_locale not in store.locales:
        article_locale = store.default_locale
    articles = store.list(article_locale, include_internal=True, include_drafts=True)
    return render_template(
        "write/index.html",
        locale=current_locale(),
        article_locale=article_locale,
        locales=store.locales,
        articles=articles,
        states={a.id: translations.states(store, a) for a in articles},
        own_states={a.id: translations.state_of(store, a.id, a.locale) for a in articles},
        categories={c.key: c.name(current_locale()) for c in store.categories},
        problems=store.problems,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A new article, or with ``translate=<id>&locale=<code>`` a translation of one.

    ``title=`` prefills the title (the analytics dashboard's "write an article" for a search
    that found nothing).
    """
    store = get_store()
    form = article_form()
    source = None
    if request.method == "GET":
        wanted = request.args.get("locale") or current_locale()
        wanted = wanted if wanted in store.locales else store.default_locale
        article_id = request.args.get("translate")
        draft = translations.start_translation(store, article_id, wanted) if article_id else None
        if article_id and draft is None:
            abort(404)
        if draft is None:
            first = store.categories[0].key if store.categories else ""
            title = (request.args.get("title") or "").strip()[:200]
            draft = Draft(article_id="", locale=wanted, category=first, title=title, body="")
        source = translations.source_of(store, article_id) if article_id else None
        form.fill(draft)
        return render_editor(form, source=source)
    source = translations.source_of(store, (form.article_id.data or "").strip())
    source = source if source and source.locale != form.locale.data else None
    result = submit(form, source=source)
    return result if isinstance(result, tuple) else redirect(edit_url(result.article))


@bp.route("/<article_locale>/<article_id>/edit", methods=["GET", "POST"])
def edit(article_locale: str, article_id: str):
    """Edit, save, publish or unpublish one article in one locale."""
    loaded = get_editor().load(article_id, article_locale)
    if loaded is None:
        abort(404)
    form = article_form()
    source = translations.source_of(get_store(), article_id)
    source = source if source and source.locale != article_locale else None
    outdated = get_store().is_outdated(loaded.article)
    if request.method == "GET":
        form.fill(Draft.from_article(loaded.article), loaded.version)
        return render_editor(form, article=loaded.article, source=source, outdated=outdated)
    form.article_id.data, form.locale.data = article_id, article_locale
    result = submit(
        form,
        original=loaded.article,
        editing=(article_id, article_locale),
        source=source,
        outdated=outdated,
    )
    return result if isinstance(result, tuple) else redirect(edit_url(result.article))


@bp.post("/preview")
@allow("agent")
def preview():
    """JSON ``{"html": ...}``: the posted Markdown rendered exactly as customers see it."""
    text = request.form.get("markdown", "")
    if len(text.encode("utf-8")) > MAX_ARTICLE_BYTES:
        message = _("The article is over the %(limit)s KB limit.", limit=MAX_ARTICLE_BYTES // 1024)
        return jsonify(error=message), 413
    article_locale = request.form.get("locale") or current_locale()
    if article_locale not in get_store().locales:
        return jsonify(error=_("Unknown locale.")), 400
    return jsonify(html=str(preview_html(text, article_locale)))


@bp.route("/<article_locale>/<article_id>/delete", methods=["GET", "POST"])
def delete(article_locale: str, article_id: str):
    """Ask for confirmation, then delete the file (the text stays in the history)."""
    loaded = get_editor().load(article_id, article_locale)
    if loaded is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "GET" or not form.validate_on_submit():
        form.version.data = loaded.version
        return render_template(
            "write/delete.html", locale=current_locale(), article=loaded.article, form=form
        )
    try:
        article = get_editor().delete(
            article_id, article_locale, author=current_user, base_version=form.version.data
        )
    except Conflict as exc:
        flash(str(exc), "error")
        return redirect(edit_url(loaded.article))
    flash(_("Deleted “%(title)s”. Its text stays in the history.", title=article.title), "success")
    return redirect(url_for(".index", locale=article_locale))


# Routes of the other writer pages register on ``bp`` when their modules load.
from portal.write import history_views, queue_views  # noqa: E402, F401
