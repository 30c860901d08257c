"""The ``/agent/analytics`` blueprint: "Is self-service working?" for agents and admins.

The guard is the blueprint's ``before_request`` (like ``/agent``), so every route, the CSV
exports included, needs a signed-in agent or admin.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_decimal, format_percent, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.analytics import service, support
from portal.analytics.service import MAX_PERIOD_DAYS, Dashboard, Period
from portal.auth import require_role
from portal.i18n import locale_name, supported_locales
from portal.search import get_store

bp = Blueprint("analytics", __name__, url_prefix="/agent/analytics")

PRESETS = {"7": _l("Last 7 days"), "30": _l("Last 30 days"), "90": _l("Last 90 days")}
DEFAULT_PRESET = "30"
CSV_TABLES = (
    "top-searches",
    "content-gaps",
    "least-helpful",
    "vote-reasons",
    "most-linked",
    "missing-translations",
    "volume",
    "satisfaction",
    "channels",
)
#: Spreadsheet apps run cells that start with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Exports list more rows than the page shows.
CSV_LIMIT = 1000


@bp.before_request
def require_agent():
    """Anonymous visitors go to the login page; signed-in users without the role get 403."""
    return require_role("agent", "manager")


# -- the filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The period and locale the page (or export) was asked for."""

    period: Period
    preset: str  # "7" | "30" | "90" | "custom"
    locale: str | None
    error: str | None = None

    def args(self) -> dict:
        """Query arguments that reproduce these filters (for links and exports)."""
        args: dict = {"locale": self.locale} if self.locale else {}
        args["period"] = self.preset
        if self.preset == "custom":
            args["from"] = self.period.first_day.isoformat()
            args["to"] = self.period.last_day.isoformat()
        return args


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def read_filters(args, today: date | None = None) -> Filters:
    """Period and locale from ``args``: ``period`` is 7, 30, 90 (days, today included) or
    ``custom`` with ``from``/``to`` dates (both included; ``from`` alone implies custom).
    An unusable custom range falls back to the default preset with a message."""
    today = today or datetime.now(UTC).date()
    locale = args.get("locale") or None
    if locale not in supported_locales():
        locale = None
    preset = args.get("period") or ("custom" if args.get("from") else DEFAULT_PRESET)
    if preset == "custom":
        raw_from, raw_to = args.get("from"), args.get("to")
        first = _parse_day(raw_from)
        last = _parse_day(raw_to) if raw_to else today
        error = None
        if first is None or last is None:
            error = _("Enter the dates as YYYY-MM-DD.")
        elif last < first:
            error = _("The end date must not be before the start date.")
        elif (last - first).days + 1 > MAX_PERIOD_DAYS:
            error = _("Choose a period of at most %(days)d days.", days=MAX_PERIOD_DAYS)
        if error is None:
            return Filters(Period.days(first, last), "custom", locale)
        return Filters(Period.last_days(int(DEFAULT_PRESET), today), DEFAULT_PRESET, locale, error)
    preset = preset if preset in PRESETS else DEFAULT_PRESET
    return Filters(Period.last_days(int(preset), today), preset, locale)


# -- articles and links ------------------------------------------------------------------


def translation_exists(article_id: str, locale: str) -> bool:
    """True when the store now holds ``article_id`` in ``locale`` (written since)."""
    return get_store().get(article_id, locale) is not None


def article_title(article_id: str, locale: str) -> str:
    """The article's title in ``locale`` (else any locale's), else its id."""
    store = get_store()
    found = store.get(article_id, locale) or store.best_locale(article_id, locale)
    return found.title if found else article_id


def article_link(article_id: str, locale: str) -> str | None:
    """The agent workspace's view of the article, when it still exists."""
    if "agent.article" not in current_app.view_functions:
        return None
    found = get_store().get(article_id, locale)
    if found is None or found.status != "published":
        return None
    return url_for("agent.article", article_locale=locale, article_id=article_id)


def can_write() -> bool:
    """True when the writer tools exist and the signed-in user may use them."""
    return "write.new" in current_app.view_functions and current_user.has_role("writer")


def write_article_url(query: str, locale: str) -> str | None:
    """ "Write an article" for a content gap, the query as the title hint."""
    return url_for("write.new", title=query, locale=locale) if can_write() else None


def translate_url(article_id: str, locale: str) -> str | None:
    """ "Translate" for a missing translation."""
    return url_for("write.new", translate=article_id, locale=locale) if can_write() else None


# -- formatting --------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.#%")


def duration(value) -> str:
    return "—" if value is None else format_timedelta(value, threshold=1.1)


def number(value: float) -> str:
    return format_decimal(value, "#,##0.#")


def seconds(value) -> str:
    """A duration for CSV: whole seconds, empty when unknown."""
    return "" if value is None else str(round(value.total_seconds()))


# -- CSV tables --------------------------------------------------------------------------


def csv_table(name: str, filters: Filters) -> tuple[list[str], list[list]]:
    """Header and rows of the export ``name`` (machine-friendly: ids, codes, ratios); only
    that table's aggregate is computed."""
    period, locale, limit = filters.period, filters.locale, CSV_LIMIT
    if name in ("top-searches", "content-gaps"):
        searches = service.search_summary(period, locale)
    if name == "top-searches":
        return (
            [_("Query"), _("Language"), _("Searches"), _("Average results"), _("Open rate")],
            [
                [q.query, q.locale, q.searches, round(q.avg_results, 2), round(q.open_rate, 4)]
                for q in searches.top(limit)
            ],
        )
    if name == "content-gaps":
        return (
            [
                _("Query"),
                _("Language"),
                _("Searches without results"),
                _("Searches with results never opened"),
                _("Searches"),
            ],
            [
                [q.query, q.locale, q.no_results, q.never_opened, q.searches]
                for q in searches.gaps(limit)
            ],
        )
    if name == "least-helpful":
        return (
            [_("Article"), _("Language"), _("Title"), _("Yes"), _("No"), _("Helpful share")],
            [
                [
                    r.article_id,
                    r.locale,
                    article_title(r.article_id, r.locale),
                    r.yes,
                    r.no,
                    round(r.helpful_share, 4),
                ]
                for r in service.least_helpful(period, locale, limit=limit)
            ],
        )
    if name == "vote-reasons":
        return (
            [_("Article"), _("Language"), _("Title"), _("Helpful"), _("Date"), _("Reason")],
            [
                [
                    r.article_id,
                    r.locale,
                    article_title(r.article_id, r.locale),
                    "yes" if r.helpful else "no",
                    r.written_at.isoformat(timespec="seconds"),
                    r.reason,
                ]
                for r in service.vote_reasons(period, locale, limit=limit)
            ],
        )
    if name == "most-linked":
        return (
            [_("Article"), _("Language"), _("Title"), _("Links"), _("Tickets")],
            [
                [r.article_id, r.locale, article_title(r.article_id, r.locale), r.links, r.tickets]
                for r in service.most_linked(period, locale, limit=limit)
            ],
        )
    if name == "missing-translations":
        return (
            [_("Article"), _("Wanted language"), _("Title"), _("Requests"), _("Read in")],
            [
                [
                    r.article_id,
                    r.wanted_locale,
                    article_title(r.article_id, r.source_locales[0]),
                    r.requests,
                    " ".join(r.source_locales),
                ]
                for r in service.missing_translations(
                    period, locale, exists=translation_exists, limit=limit
                )
            ],
        )
    if name == "satisfaction":
        csat, breakdown = support.satisfaction(period, locale)
        rows = [["all", "", csat.good, csat.bad, _ratio(csat.score)]]
        rows += [
            [r.dimension, r.value, r.csat.good, r.csat.bad, _ratio(r.csat.score)] for r in breakdown
        ]
        return ([_("By"), _("Group"), _("Good"), _("Bad"), _("CSAT")], rows)
    if name == "channels":
        return (
            [_("Channel"), _("Tickets")],
            [[c, n] for c, n in support.channel_mix(period, locale)],
        )
    if name == "volume":
        per_day = service.ticket_times(period, locale).per_day
        return ([_("Date"), _("Tickets")], [[d.isoformat(), n] for d, n in per_day])
    raise KeyError(name)


def _ratio(value: float | None):
    return "" if value is None else round(value, 4)


def dimension_names() -> dict[str, str]:
    return {
        "agent": _("Agent"),
        "channel": _("Channel"),
        "locale": _("Language"),
        "category": _("Category"),
    }


def safe_cell(value):
    """Neutralize spreadsheet formulas: text starting with = + - @ (or a tab/CR) gets a
    leading single quote, so it is shown as text instead of being evaluated."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


# -- pages -------------------------------------------------------------------------------


def load_dashboard(filters: Filters) -> Dashboard:
    return service.dashboard(filters.period, filters.locale, translation_exists=translation_exists)


def chart_data(data: Dashboard) -> dict:
    """What static/js/analytics.js draws; embedded as JSON (never string-built JS)."""
    ratio = data.self_service
    return {
        "volume": {
            "labels": [d.isoformat() for d, _n in data.tickets.per_day],
            "values": [n for _d, n in data.tickets.per_day],
            "label": _("Tickets filed"),
        },
        "selfService": {
            "labels": [_("Self-served (deflections)"), _("Helpful votes"), _("Tickets filed")],
            "values": [ratio.deflections, ratio.helpful_votes, ratio.tickets],
        },
    }


@bp.get("/")
def dashboard():
    """The dashboard: figures, two charts and the tables, for one period and locale."""
    filters = read_filters(request.args)
    data = load_dashboard(filters)
    return render_template(
        "analytics/dashboard.html",
        data=data,
        filters=filters,
        presets=PRESETS,
        locales=[(code, locale_name(code)) for code in supported_locales()],
        chart_data=chart_data(data),
        export_args=filters.args(),
        csv_tables=CSV_TABLES,
        dimension_names=dimension_names(),
        percent=percent,
        duration=duration,
        number=number,
        article_title=article_title,
        article_link=article_link,
        write_article_url=write_article_url,
        translate_url=translate_url,
    )


@bp.get("/<table>.csv")
def export(table: str):
    """One table of the dashboard as CSV, for the same period and locale."""
    if table not in CSV_TABLES:
        abort(404)
    filters = read_filters(request.args)
    header, rows = csv_table(table, filters)
    period = filters.period
    filename = f"{table}-{period.first_day.isoformat()}-{period.last_day.isoformat()}"
    if filters.locale:
        filename += f"-{filters.locale}"
    return Response(
        # A byte-order mark lets spreadsheet apps read the UTF-8 (Korean queries) correctly.
        "\ufeff" + to_csv(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
