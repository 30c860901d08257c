"""Customer pages: home, categories, articles, search, language choice, sitemap.

Every page lives under ``/<locale>/``; the locale in the URL wins over the cookie and
``Accept-Language`` (see :mod:`portal.i18n`).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from portal import limits
from portal.auth_views import has_endpoint, safe_next
from portal.customers.personal import personal_home, remember_viewed
from portal.guards import GuardedForm
from portal.help import feedback, service
from portal.help.feedback import VISITOR_COOKIE
from portal.i18n import (
    LOCALE_COOKIE,
    current_locale,
    is_supported,
    keep_locale_in_urls,
    negotiate_locale,
    pull_locale_from_url,
)
from portal.rendering import render_markdown
from portal.search import (
    MAX_QUERY_CHARS,
    get_search,
    get_store,
    normalize_query,
    record_search,
)

bp = Blueprint("help", __name__)

RESULTS_PER_PAGE = 10
MAX_PAGE = 50
LOCALE_COOKIE_AGE = 365 * 24 * 3600


bp.url_value_preprocessor(pull_locale_from_url)
bp.url_defaults(keep_locale_in_urls)


@bp.get("/")
def root():
    """Send visitors to their language: cookie, then Accept-Language, then the default."""
    return redirect(url_for("help.home", locale=negotiate_locale()))


@bp.get("/locale/<code>")
def set_locale(code: str):
    """Remember a visitor's language choice, then go back where they were."""
    if not is_supported(code):
        abort(404)
    target = safe_next(request.args.get("next")) or url_for("help.home", locale=code)
    response = redirect(target)
    response.set_cookie(
        LOCALE_COOKIE, code, max_age=LOCALE_COOKIE_AGE, samesite="Lax", httponly=True
    )
    return response


@bp.get("/<locale:locale>/")
def home():
    """Categories with their articles, popular and recent articles, the search box."""
    store = get_store()
    locale = g.locale
    sections = [
        (category, store.list(locale, category=category.key)) for category in store.categories
    ]
    mine = personal_home(store, locale, service.resolve_public)
    response = make_response(
        render_template(
            "help/home.html",
            sections=[(c, articles) for c, articles in sections if articles],
            popular=service.popular_articles(store, locale, top_up=False),
            recent=service.recent_articles(store, locale),
            mine=mine,
        )
    )
    if mine is not None:  # the customer's own requests: never in a shared cache
        response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


@bp.get("/<locale:locale>/categories/<key>")
def category(key: str):
    """All public articles of one category in the reader's locale."""
    store = get_store()
    found = store.category(key)
    if found is None:
        abort(404)
    articles = store.list(g.locale, category=key)
    untranslated = _untranslated(store, key, g.locale)
    return render_template(
        "help/category.html", category=found, articles=articles, untranslated=untranslated
    )


def _untranslated(store, category_key: str, locale: str) -> list:
    """Public articles of the category that exist only in other locales."""
    present = {a.id for a in store.list(locale, category=category_key)}
    others = {}
    for article in store.list(None, category=category_key):
        if article.id not in present and article.id not in others:
            others[article.id] = service.resolve_public(store, article.id, locale)
    return [a for a in others.values() if a is not None]


@bp.get("/<locale:locale>/articles/<article_id>")
def article(article_id: str):
    """An article in the reader's locale, or the best other locale with a notice."""
    store = get_store()
    page = service.article_page(store, article_id, g.locale)
    if page is None:
        abort(404)
    current = page.article
    rendered = render_markdown(
        current.body,
        resolve_article=lambda target: service.article_url(store, target, g.locale),
    )
    service.record_view(current)
    remember_viewed(current.id)
    if (search_log_id := feedback.opened_search_id(request.args.get("sl"))) is not None:
        feedback.record_opened(search_log_id, current, g.locale)
    vote = feedback.current_vote(current.id, current.locale, request.cookies.get(VISITOR_COOKIE))
    return render_template(
        "help/article.html",
        vote=vote,
        vote_form=VoteForm(),
        page=page,
        article=current,
        rendered=rendered,
        toc=[entry for entry in rendered.toc if entry.level in (2, 3)],
        category=store.category(current.category),
        related=service.related_articles(store, get_search().related(current), g.locale),
    )


class VoteForm(GuardedForm):
    """ "Was this helpful?": yes or no, and an optional short reason."""

    helpful = StringField(validators=[AnyOf(["yes", "no"])])
    reason = TextAreaField(
        _l("What were you looking for? (optional)"),
        validators=[Optional(), Length(max=feedback.MAX_REASON_CHARS)],
    )


@bp.post("/<locale:locale>/articles/<article_id>/vote")
@limits.limit("vote")
def vote(article_id: str):
    """Record or change the visitor's vote on the article they are reading."""
    page = service.article_page(get_store(), article_id, g.locale)
    if page is None:
        abort(404)
    form = VoteForm()
    if not form.validate_on_submit():
        flash(_("We could not record your feedback. Please try again."), "error")
        return redirect(url_for("help.article", article_id=article_id))
    visitor_id = request.cookies.get(VISITOR_COOKIE)
    if not feedback.valid_visitor_id(visitor_id):
        visitor_id = feedback.new_visitor_id()
    feedback.cast_vote(
        page.article.id,
        page.article.locale,
        visitor_id,
        form.helpful.data == "yes",
        form.reason.data,
    )
    flash(_("Thank you for your feedback!"), "success")
    response = redirect(url_for("help.article", article_id=article_id, _anchor="feedback"))
    response.set_cookie(
        VISITOR_COOKIE, visitor_id, max_age=LOCALE_COOKIE_AGE, samesite="Lax", httponly=True
    )
    return response


@bp.get("/<locale:locale>/search")
@limits.limit("search_page")
def search():
    """Search results with snippets, locale badges, pagination and a helpful empty state."""
    store = get_store()
    query = searched_query()
    page_number = _page_number()
    category = category_filter()
    results = get_search().search(
        query,
        locale=g.locale,
        side="customer",
        k=RESULTS_PER_PAGE,
        offset=(page_number - 1) * RESULTS_PER_PAGE,
        category=category,
        record=False,
    )
    # One log row per search, not per page of results.
    search_log_id = feedback.search_link_token(
        record_search(results.query, g.locale, "customer", results)
        if results.query and page_number == 1
        else None
    )
    last_page = min(max(1, -(-results.total // RESULTS_PER_PAGE)), MAX_PAGE)
    if not results.hits and results.total and page_number > last_page:
        # Past the end (an old link, a changed index): the last page, not "No articles match".
        return redirect(search_url(last_page))
    return render_template(
        "help/search.html",
        query=results.query,
        results=results,
        page_number=page_number,
        first_rank=(page_number - 1) * RESULTS_PER_PAGE + 1,
        last_page=last_page,
        category=category,
        search_log_id=search_log_id,
        popular=service.popular_articles(store, g.locale) if not results.hits else [],
        other_locale=(
            service.locale_of_query(results.query, g.locale, store.locales)
            if not results.hits
            else None
        ),
    )


def searched_query() -> str:
    """The request's ``q`` as it is searched: cut to the search limit, whitespace collapsed."""
    return normalize_query(request.args.get("q", "")[:MAX_QUERY_CHARS])


def category_filter() -> str | None:
    """The request's ``category`` filter when it names a category."""
    key = request.args.get("category") or None
    return key if key and get_store().category(key) is not None else None


def search_url(page: int = 1, locale: str | None = None) -> str:
    """This search (query and filters) on ``page``, in ``locale`` (default: the page's)."""
    return url_for(
        "help.search",
        locale=locale or g.locale,
        q=searched_query() or None,
        category=category_filter(),
        page=page if page > 1 else None,
    )


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), MAX_PAGE))
    except ValueError:
        return 1


@bp.get("/sitemap.xml")
def sitemap():
    """Every public article in every locale, with its translations as alternates."""
    store = get_store()
    articles = [a for a in store.all() if a.is_public]
    xml = render_template(
        "help/sitemap.xml",
        articles=articles,
        translations={a.id: service.public_translations(store, a.id) for a in articles},
        categories=store.categories,
        locales=store.locales,
    )
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    """Keep crawlers out of staff pages and the API; point them at the sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /agent/",
        "Disallow: /write/",
        "Disallow: /api/",
        "Disallow: /login",
        "Disallow: /tickets/",
        f"Sitemap: {url_for('help.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def same_page_in(code: str) -> str:
    """The current page in locale ``code`` (customer pages), else the current page."""
    if request.endpoint == "help.search" and g.get("locale"):
        # The query as searched (cut to its limit), never the raw one: the link stays short.
        return search_url(locale=code)
    if request.endpoint and request.endpoint.startswith("help.") and g.get("locale"):
        args = {**request.view_args, **request.args.to_dict(), "locale": code}
        args.pop("page", None)
        return url_for(request.endpoint, **args)
    return request.full_path.rstrip("?")


@bp.app_template_global()
def switch_language_url(code: str) -> str:
    """A link that shows the current page in ``code`` and remembers the choice."""
    return url_for("help.set_locale", code=code, next=same_page_in(code))


@bp.app_template_global()
def category_name(key: str) -> str:
    """A category's name in the reader's language."""
    found = get_store().category(key)
    return found.name(current_locale()) if found else key


@bp.record_once
def add_template_helpers(state) -> None:
    """Helpers that already exist elsewhere, made available to every template."""
    state.app.jinja_env.globals.update(
        has_endpoint=has_endpoint, format_date=format_date, format_datetime=format_datetime
    )
