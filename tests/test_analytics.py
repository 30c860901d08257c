"""Self-service analytics: hand-computed aggregates over a seeded data set (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set), filters, CSV exports and role checks."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.analytics import service
from portal.analytics.service import Period
from portal.analytics.views import read_filters, safe_cell
from portal.extensions import db
from portal.models import (
    ArticleLink,
    ArticleVote,
    Deflection,
    SearchLog,
    Ticket,
    TranslationRequest,
)
from portal.users import save_user

PASSWORD = "correct-horse-battery"
MARCH = Period.days(date(2026, 3, 1), date(2026, 3, 31))
MARCH_ARGS = "period=custom&from=2026-03-01&to=2026-03-31"
INJECTION = '=HYPERLINK("http://evil.example","x")'


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _ticket(locale: str, created: datetime, response_h=None, solved_h=None) -> Ticket:
    ticket = Ticket(
        reference=f"T-{secrets.token_hex(4).upper()}",
        token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        email="customer@example.com",
        name="Customer",
        subject="Where is my refund?",
        locale=locale,
        status="solved" if solved_h is not None else "open",
        created_at=created,
        updated_at=created,
        first_response_at=created + timedelta(hours=response_h) if response_h else None,
        solved_at=created + timedelta(hours=solved_h) if solved_h else None,
    )
    db.session.add(ticket)
    return ticket


def seed() -> None:
    """The data set; every figure the tests expect is worked out in the comments."""
    # Tickets: in March en t1, t2, t4 and ko t3; t5 (February) and t6 (1 April) are outside.
    # First responses 1h, 3h (en) and 8h (ko): median 3h (en 2h, ko 8h).
    # Resolutions 5h and 25h (en): median 15h.  Per day: 2 (2 March), 1 (5th), 1 (10th).
    t1 = _ticket("en", at(2, 10), response_h=1, solved_h=5)
    t2 = _ticket("en", at(2, 12), response_h=3, solved_h=25)
    t3 = _ticket("ko", at(5, 9), response_h=8)
    _ticket("en", at(10, 8))
    _ticket("ko", at(20, 9, month=2), response_h=10)
    _ticket("en", datetime(2026, 4, 1, 0, 0, tzinfo=UTC), response_h=1)
    db.session.flush()

    # Deflections: 2 en + 1 ko in March; one in February.
    for locale, when in [("en", at(3)), ("en", at(3, 15)), ("ko", at(4)), ("en", at(28, 9, 2))]:
        db.session.add(
            Deflection(article_id="refund-timelines", locale=locale, query="", created_at=when)
        )

    # Votes in March (article, locale, yes, no): refund-timelines/ko 0-1 (0%),
    # refund-timelines/en 1-3 (25%), reset-password/en 1-1 (50%), track-order/en 2-0 (100%).
    # Helpful votes: 4 (all, en 4, ko 0).  One April "no" for track-order is outside.
    votes = [
        ("refund-timelines", "ko", [False]),
        ("refund-timelines", "en", [True, False, False, False]),
        ("reset-password", "en", [True, False]),
        ("track-order", "en", [True, True]),
    ]
    for article_id, locale, helpful in votes:
        for i, value in enumerate(helpful):
            db.session.add(
                ArticleVote(
                    article_id=article_id,
                    locale=locale,
                    visitor_id=f"v{i}",
                    helpful=value,
                    created_at=at(6 + i),
                    updated_at=at(6 + i),
                )
            )
    db.session.add(
        ArticleVote(
            article_id="track-order",
            locale="en",
            visitor_id="late",
            helpful=False,
            created_at=at(2, 9, month=4),
            updated_at=at(2, 9, month=4),
        )
    )

    # Customer searches in March (query, locale, result_count, opened, n):
    # "refund" en: 4 searches (3 x 5 results + 1 x 3 under other spelling), 1 opened:
    #   avg 4.5, open rate 25%.  "track order" en: 2, both opened.  "gift wrap" en: 2 with no
    #   results.  "pickup locker" en: 1 with 4 results, never opened.  "환불" ko: 3, 1 opened.
    #   "배송 조회" ko: 1 with no results.  INJECTION en: 1 with no results.
    searches = [
        ("Refund", "en", 5, "refund-timelines", 1),
        ("refund", "en", 5, None, 2),
        ("  REFUND ", "en", 3, None, 1),
        ("track order", "en", 2, "track-order", 1),
        ("Track   Order", "en", 2, "track-order", 1),
        ("gift wrap", "en", 0, None, 2),
        ("pickup locker", "en", 4, None, 1),
        ("환불", "ko", 2, "refund-timelines", 1),
        ("환불", "ko", 2, None, 2),
        ("배송 조회", "ko", 0, None, 1),
        (INJECTION, "en", 0, None, 1),
    ]
    for query, locale, results, opened, n in searches:
        for i in range(n):
            db.session.add(
                SearchLog(
                    query=query,
                    locale=locale,
                    side="form" if opened == "track-order" else "customer",
                    result_count=results,
                    opened_article_id=opened,
                    created_at=at(7 + i, 11),
                )
            )
    # Not counted: the agents' own searches, and searches outside March.
    for _i in range(5):
        db.session.add(
            SearchLog(query="refund", locale="en", side="agent", result_count=0, created_at=at(8))
        )
    for _i in range(10):
        db.session.add(
            SearchLog(
                query="gift wrap",
                locale="en",
                side="customer",
                result_count=0,
                created_at=datetime(2026, 4, 1, 0, 0, tzinfo=UTC),
            )
        )

    # Agent links in March: refund-timelines/en 3 links over 2 tickets; track-order/en 1;
    # refund-timelines/ko 1.  One February link is outside.
    links = [
        ("refund-timelines", "en", t1),
        ("refund-timelines", "en", t1),
        ("refund-timelines", "en", t2),
        ("track-order", "en", t2),
        ("refund-timelines", "ko", t3),
    ]
    for article_id, locale, ticket in links:
        db.session.add(
            ArticleLink(ticket_id=ticket.id, article_id=article_id, locale=locale, created_at=at(9))
        )
    db.session.add(
        ArticleLink(ticket_id=t1.id, article_id="track-order", locale="en", created_at=at(27, 9, 2))
    )

    # Translation requests in March: payment-methods en->ko 3 (ko missing), refund-timelines
    # en->ko 2 (ko exists), gift-wrapping en->ko 1 (no such article), track-order ko->en 1
    # (exists).  One February request is outside.
    requests = [
        ("payment-methods", "en", "ko", 3),
        ("refund-timelines", "en", "ko", 2),
        ("gift-wrapping", "en", "ko", 1),
        ("track-order", "ko", "en", 1),
    ]
    for article_id, source, wanted, n in requests:
        for i in range(n):
            db.session.add(
                TranslationRequest(
                    article_id=article_id,
                    source_locale=source,
                    wanted_locale=wanted,
                    query="q",
                    created_at=at(11 + i),
                )
            )
    db.session.add(
        TranslationRequest(
            article_id="payment-methods",
            source_locale="en",
            wanted_locale="ko",
            query="q",
            created_at=at(1, 1, month=2),
        )
    )
    db.session.commit()


@pytest.fixture
def seeded(db_app):
    """The seeded data set on each database backend, inside an app context."""
    with db_app.app_context():
        seed()
        yield db_app


# -- aggregates ----------------------------------------------------------------------


def test_self_service_ratio(seeded):
    ratio = service.self_service(MARCH)
    assert (ratio.deflections, ratio.helpful_votes, ratio.tickets) == (3, 4, 4)
    assert ratio.ratio == pytest.approx(7 / 11)


def test_self_service_ratio_per_locale(seeded):
    en = service.self_service(MARCH, "en")
    ko = service.self_service(MARCH, "ko")
    assert (en.deflections, en.helpful_votes, en.tickets) == (2, 4, 3)
    assert en.ratio == pytest.approx(6 / 9)
    assert (ko.deflections, ko.helpful_votes, ko.tickets) == (1, 0, 1)
    assert ko.ratio == pytest.approx(0.5)
    assert service.self_service(MARCH, "ja").ratio is None


def test_ticket_volume_and_medians(seeded):
    times = service.ticket_times(MARCH)
    per_day = dict(times.per_day)
    assert len(per_day) == 31 and sum(per_day.values()) == 4 == times.total
    assert per_day[date(2026, 3, 2)] == 2
    assert per_day[date(2026, 3, 5)] == 1
    assert per_day[date(2026, 3, 10)] == 1
    assert per_day[date(2026, 3, 1)] == 0
    assert times.median_first_response == timedelta(hours=3)
    assert times.median_resolution == timedelta(hours=15)
    assert (times.responded, times.solved) == (3, 2)

    en = service.ticket_times(MARCH, "en")
    assert en.median_first_response == timedelta(hours=2)
    ko = service.ticket_times(MARCH, "ko")
    assert ko.median_first_response == timedelta(hours=8)
    assert ko.median_resolution is None


def test_period_is_half_open(seeded):
    april_first = Period.days(date(2026, 4, 1), date(2026, 4, 1))
    assert service.self_service(april_first).tickets == 1
    february = Period.days(date(2026, 2, 1), date(2026, 2, 28))
    ratio = service.self_service(february)
    assert (ratio.deflections, ratio.helpful_votes, ratio.tickets) == (1, 0, 1)
    # 1 March 00:00 to 2 March 11:00 holds t1 (10:00) but not t2 (12:00).
    part = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, 11, tzinfo=UTC))
    assert service.self_service(part).tickets == 1


def test_top_searches(seeded):
    top = service.search_summary(MARCH).top()
    assert [(q.query, q.locale, q.searches) for q in top] == [
        ("refund", "en", 4),
        ("환불", "ko", 3),
        ("gift wrap", "en", 2),
        ("track order", "en", 2),
        (INJECTION.casefold(), "en", 1),
        ("pickup locker", "en", 1),
        ("배송 조회", "ko", 1),
    ]
    refund = top[0]
    assert refund.avg_results == pytest.approx(4.5)
    assert refund.open_rate == pytest.approx(0.25)
    assert top[3].open_rate == 1.0 and top[3].avg_results == 2.0
    assert top[1].open_rate == pytest.approx(1 / 3)
    summary = service.search_summary(MARCH)
    assert (summary.searches, summary.no_results) == (14, 4)


def test_content_gaps(seeded):
    gaps = service.search_summary(MARCH).gaps()
    assert [(q.query, q.locale, q.no_results, q.never_opened) for q in gaps] == [
        ("gift wrap", "en", 2, 0),
        (INJECTION.casefold(), "en", 1, 0),
        ("배송 조회", "ko", 1, 0),
        ("pickup locker", "en", 0, 1),
    ]


def test_searches_locale_filter(seeded):
    top = service.search_summary(MARCH, "ko").top()
    assert [(q.query, q.searches) for q in top] == [("환불", 3), ("배송 조회", 1)]
    assert [q.query for q in service.search_summary(MARCH, "ko").gaps()] == ["배송 조회"]


def test_least_helpful(seeded):
    rows = service.least_helpful(MARCH)
    assert [(r.article_id, r.locale, r.yes, r.no) for r in rows] == [
        ("refund-timelines", "ko", 0, 1),
        ("refund-timelines", "en", 1, 3),
        ("reset-password", "en", 1, 1),
        ("track-order", "en", 2, 0),
    ]
    assert [r.helpful_share for r in rows] == [0.0, 0.25, 0.5, 1.0]
    assert [r.article_id for r in service.least_helpful(MARCH, min_votes=3)] == ["refund-timelines"]
    assert [r.locale for r in service.least_helpful(MARCH, "ko")] == ["ko"]


def test_most_linked(seeded):
    rows = service.most_linked(MARCH)
    assert [(r.article_id, r.locale, r.links, r.tickets) for r in rows] == [
        ("refund-timelines", "en", 3, 2),
        ("refund-timelines", "ko", 1, 1),
        ("track-order", "en", 1, 1),
    ]
    assert [r.locale for r in service.most_linked(MARCH, "ko")] == ["ko"]


def test_missing_translations(seeded):
    rows = service.missing_translations(MARCH)
    assert [(r.article_id, r.wanted_locale, r.requests) for r in rows] == [
        ("payment-methods", "ko", 3),
        ("refund-timelines", "ko", 2),
        ("gift-wrapping", "ko", 1),
        ("track-order", "en", 1),
    ]
    written = {("refund-timelines", "ko"), ("track-order", "en")}
    rows = service.missing_translations(MARCH, exists=lambda a, loc: (a, loc) in written)
    assert [(r.article_id, r.requests, r.source_locales) for r in rows] == [
        ("payment-methods", 3, ("en",)),
        ("gift-wrapping", 1, ("en",)),
    ]
    assert [r.article_id for r in service.missing_translations(MARCH, "en")] == ["track-order"]


def test_the_dashboard_service_puts_it_together(seeded):
    data = service.dashboard(MARCH, "en", limit=2)
    assert data.self_service.tickets == 3
    assert [q.query for q in data.top_searches] == ["refund", "gift wrap"]
    assert len(data.content_gaps) == 2


# -- filters -------------------------------------------------------------------------


def test_read_filters(app):
    today = date(2026, 3, 31)
    with app.test_request_context():
        default = read_filters({}, today)
        assert default.preset == "30" and default.locale is None
        assert default.period == Period.days(date(2026, 3, 2), today)
        week = read_filters({"period": "7", "locale": "ko"}, today)
        assert week.period.first_day == date(2026, 3, 25) and week.locale == "ko"
        assert read_filters({"period": "90"}, today).period.first_day == date(2026, 1, 1)
        custom = read_filters({"period": "custom", "from": "2026-03-01", "to": "2026-03-31"})
        assert custom.period == MARCH and custom.args()["from"] == "2026-03-01"
        assert read_filters({"from": "2026-03-01", "to": "2026-03-31"}).period == MARCH
        assert read_filters({"locale": "xx"}, today).locale is None
        for bad in (
            {"period": "custom", "from": "March"},
            {"period": "custom", "from": "2026-03-31", "to": "2026-03-01"},
            {"period": "custom", "from": "2020-01-01", "to": "2026-03-01"},
        ):
            fallback = read_filters(bad, today)
            assert fallback.error and fallback.preset == "30"


# -- pages, exports and roles --------------------------------------------------------


def signed_in(app, email: str, *roles: str):
    with app.app_context():
        save_user(email, PASSWORD, roles=roles)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_dashboard_page_shows_the_figures(seeded):
    client = signed_in(seeded, "agent@example.com", "agent")
    response = client.get(f"/agent/analytics/?{MARCH_ARGS}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="volume-chart"' in html and 'id="self-service-chart"' in html
    assert '<script type="application/json" id="chart-data">' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert 'id="kpi-ratio">63.6%<' in html
    assert 'id="kpi-tickets">4<' in html
    assert "When will I get my refund?" in html  # least helpful, with its title
    assert "환불 예정일 확인하기" in html
    assert "Payment methods you can use" in html  # missing ko translation
    # the agent is no writer: no "Write an article" links to a page they may not open
    assert "Write an article" not in html
    assert "&#34;http://evil.example&#34;" in html or "&quot;http://evil.example" in html


def test_the_chart_data_is_json_in_the_page(seeded):
    import json
    import re

    client = signed_in(seeded, "agent@example.com", "agent")
    html = client.get(f"/agent/analytics/?{MARCH_ARGS}&locale=en").get_data(as_text=True)
    raw = re.search(r'id="chart-data">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert len(data["volume"]["labels"]) == 31
    assert data["volume"]["labels"][1] == "2026-03-02" and data["volume"]["values"][1] == 2
    assert data["selfService"]["values"] == [2, 4, 3]


def test_content_gaps_link_writers_to_a_new_article(seeded):
    client = signed_in(seeded, "lead@example.com", "agent", "writer")
    html = client.get(f"/agent/analytics/?{MARCH_ARGS}").get_data(as_text=True)
    assert "Write an article" in html
    assert "/write/new?title=gift+wrap&amp;locale=en" in html
    assert "/write/new?translate=payment-methods&amp;locale=ko" in html


def test_a_pasted_question_is_shortened_in_the_tables_and_whole_in_the_csv(seeded):
    import re

    pasted = "배송이 너무 늦어요 " * 40  # 440 characters
    with seeded.app_context():
        db.session.add(
            SearchLog(query=pasted, locale="ko", side="customer", result_count=0, created_at=at(9))
        )
        db.session.commit()
    client = signed_in(seeded, "agent@example.com", "agent")
    html = client.get(f"/agent/analytics/?{MARCH_ARGS}").get_data(as_text=True)
    shown = re.findall(r'<td lang="ko" title="[^"]*">([^<]*)</td>', html)
    long_cells = [cell for cell in shown if cell.startswith("배송이 너무 늦어요")]
    assert len(long_cells) == 2  # top searches and content gaps
    assert all(len(cell) <= 120 and cell.endswith("…") for cell in long_cells)
    rows = read_csv(client.get(f"/agent/analytics/top-searches.csv?{MARCH_ARGS}"))
    assert pasted.strip() in [row[0] for row in rows]


def test_the_korean_dashboard(seeded):
    client = signed_in(seeded, "agent@example.com", "agent")
    client.set_cookie("locale", "ko")
    html = client.get(f"/agent/analytics/?{MARCH_ARGS}").get_data(as_text=True)
    assert "셀프 해결" in html


def test_csv_exports(seeded):
    client = signed_in(seeded, "agent@example.com", "agent")
    response = client.get(f"/agent/analytics/top-searches.csv?{MARCH_ARGS}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="top-searches-2026-03-01-2026-03-31.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == ["Query", "Language", "Searches", "Average results", "Open rate"]
    assert rows[1] == ["refund", "en", "4", "4.5", "0.25"]
    assert rows[2][:3] == ["환불", "ko", "3"]

    gaps = read_csv(client.get(f"/agent/analytics/content-gaps.csv?{MARCH_ARGS}"))
    assert gaps[1] == ["gift wrap", "en", "2", "0", "2"]
    # formula injection: the query is kept, but as text
    assert gaps[2][0] == "'" + INJECTION.casefold()

    helpful = read_csv(client.get(f"/agent/analytics/least-helpful.csv?{MARCH_ARGS}"))
    assert helpful[1] == ["refund-timelines", "ko", "환불 예정일 확인하기", "0", "1", "0.0"]
    linked = read_csv(client.get(f"/agent/analytics/most-linked.csv?{MARCH_ARGS}"))
    assert linked[1] == ["refund-timelines", "en", "When will I get my refund?", "3", "2"]
    missing = read_csv(client.get(f"/agent/analytics/missing-translations.csv?{MARCH_ARGS}"))
    assert [r[0] for r in missing[1:]] == ["payment-methods", "gift-wrapping"]
    assert missing[1][3] == "3"

    response = client.get(f"/agent/analytics/volume.csv?{MARCH_ARGS}&locale=ko")
    assert (
        'filename="volume-2026-03-01-2026-03-31-ko.csv"' in response.headers["Content-Disposition"]
    )
    volume = read_csv(response)
    assert len(volume) == 32 and ["2026-03-05", "1"] in volume and ["2026-03-02", "0"] in volume

    assert client.get("/agent/analytics/passwords.csv").status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("refund", "refund"),
        ("", ""),
        (-3, -3),
        (0.5, 0.5),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_roles(app):
    anonymous = app.test_client()
    for url in ("/agent/analytics/", "/agent/analytics/volume.csv"):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    writer = signed_in(app, "writer@example.com", "writer")
    assert writer.get("/agent/analytics/").status_code == 403
    assert writer.get("/agent/analytics/volume.csv").status_code == 403
    nobody = signed_in(app, "nobody@example.com")
    assert nobody.get("/agent/analytics/").status_code == 403
    agent = signed_in(app, "agent@example.com", "agent")
    assert agent.get("/agent/analytics/").status_code == 200
    assert agent.get("/agent/analytics/volume.csv").status_code == 200
    admin = signed_in(app, "admin@example.com", "admin")
    assert admin.get("/agent/analytics/").status_code == 200
