"""Locale negotiation: explicit choice (URL, then cookie) > Accept-Language > site default."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone_name
from flask import abort, current_app, g, has_request_context, request
from werkzeug.routing import BaseConverter

LOCALE_COOKIE = "locale"
LOCALE_NAMES = {
    "en": "English",
    "ko": "한국어",
    "ja": "日本語",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "zh": "中文",
}


class LocaleConverter(BaseConverter):
    """``<locale:locale>`` in routes: a language tag, so ``/login`` is never a locale."""

    regex = r"[a-z]{2}(?:-[A-Za-z]{2,4})?"


def supported_locales() -> tuple[str, ...]:
    """Locales this site serves, in configured order."""
    return current_app.config["LOCALES"]


def is_supported(locale: str | None) -> bool:
    """True when ``locale`` is one the site serves."""
    return bool(locale) and locale in supported_locales()


def negotiate_locale() -> str:
    """The locale for a request that does not name one in its URL."""
    chosen = request.cookies.get(LOCALE_COOKIE)
    if is_supported(chosen):
        return chosen
    best = request.accept_languages.best_match(supported_locales())
    return best or current_app.config["DEFAULT_LOCALE"]


def current_locale() -> str:
    """The locale of the current request (URL prefix if present, else negotiated)."""
    locale = g.get("locale")
    if is_supported(locale):
        return locale
    return negotiate_locale()


def pull_locale_from_url(_endpoint, values) -> None:
    """``url_value_preprocessor`` for ``/<locale>/`` blueprints: unknown locales are 404s."""
    if values and "locale" in values:
        locale = values.pop("locale")
        if not is_supported(locale):
            abort(404)
        g.locale = locale


def keep_locale_in_urls(endpoint, values) -> None:
    """``url_defaults`` for ``/<locale>/`` blueprints: links keep the page's locale."""
    if "locale" in values or not g.get("locale"):
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        values["locale"] = g.locale


def native_locale_name(locale: str) -> str:
    """The name of a locale in its own language ("한국어"): for lists of languages to switch
    to, where people look for their own language's name."""
    return LOCALE_NAMES.get(locale, locale)


def locale_name(locale: str, reader: str | None = None) -> str:
    """The name of a locale in the reader's language ("영어" for English on a Korean page): for
    sentences, badges and labels. ``reader`` defaults to the current page's locale."""
    if reader is None:
        if not has_request_context():
            return native_locale_name(locale)
        reader = current_locale()
    return _display_name(locale, reader) or native_locale_name(locale)


@lru_cache(maxsize=256)
def _display_name(locale: str, reader: str) -> str | None:
    try:
        return Locale.parse(locale, sep="-").get_display_name(Locale.parse(reader, sep="-"))
    except (ValueError, UnknownLocaleError):
        return None


def local_time(moment: datetime | None, width: str = "medium") -> str:
    """A stored time in the help center's zone (``PORTAL_TIMEZONE``), the zone named: a
    customer in Seoul was shown 2:56 AM for a ticket filed at 11:56 AM, with no zone."""
    from flask_babel import format_datetime, get_locale, get_timezone

    from portal.models import as_utc

    if moment is None:
        return ""
    aware = as_utc(moment)
    zone = get_timezone_name(aware.astimezone(get_timezone()), "long", locale=get_locale())
    return f"{format_datetime(aware, width)} ({zone})"


def utc_iso(moment: datetime) -> str:
    """A stored time for ``<time datetime>``: ISO 8601 with its offset."""
    from portal.models import as_utc

    return as_utc(moment).isoformat()


def init_app(app) -> None:
    """Attach Flask-Babel with our selector and expose helpers to templates."""
    from portal.extensions import babel

    app.url_map.converters["locale"] = LocaleConverter
    babel.init_app(
        app,
        locale_selector=current_locale,
        default_translation_directories=str(app.config["TRANSLATIONS_DIR"]),
    )
    # Flask-Babel caches loaded catalogs on the one Babel object, keyed by locale only: an
    # app with other translation folders (a test's) would otherwise serve the first app's.
    domain = babel.__dict__.get("domain_instance")  # a cached_property, once made
    if domain is not None:
        domain.cache.clear()
    app.jinja_env.globals.update(
        current_locale=current_locale,
        local_time=local_time,
        utc_iso=utc_iso,
        locale_name=locale_name,
        native_locale_name=native_locale_name,
        supported_locales=supported_locales,
    )
