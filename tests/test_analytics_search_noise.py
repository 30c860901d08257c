"""Search analytics count what customers searched: one row per search (not per page of
results), and never control characters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import SearchLog
from tests.test_analytics import read_csv, signed_in

NOISY = "pass\x01word\x07\x1b[31m reset\x9b"
CLEAN = "pass word [31m reset"


def logged_queries(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(SearchLog.query).order_by(SearchLog.id)))


def top_searches(html: str) -> list[str]:
    """The query cells of the dashboard's "Top searches" table."""
    table = re.search(r'<table[^>]*id="top-searches".*?</table>', html, re.S).group(0)
    return re.findall(r"<tr><td lang=\"\w+\"[^>]*>(.*?)</td>", table, re.S)


def test_paging_through_api_results_logs_one_search(search_app, search_client):
    for offset in (0, 5, 10):
        response = search_client.get(
            "/api/v1/search", query_string={"q": "refund", "locale": "en", "offset": offset}
        )
        assert response.status_code == 200
    assert logged_queries(search_app) == ["refund"]

    agent = signed_in(search_app, "agent@example.com", "agent")
    html = agent.get("/agent/analytics/").get_data(as_text=True)
    assert 'id="kpi-searches">1<' in html


def test_control_characters_are_neither_searched_nor_logged(search_app, search_client):
    body = search_client.get("/api/v1/search", query_string={"q": NOISY, "locale": "en"})
    assert body.get_json()["query"] == CLEAN
    for only_controls in ("\x01", "\x07\x1b \x85\x9f"):
        body = search_client.get("/api/v1/search", query_string={"q": only_controls}).get_json()
        assert body["query"] == "" and body["results"] == []
    search_client.get("/en/search", query_string={"q": "\x1bgift\x01wrap\x7f"})
    # NUL is refused outright (PostgreSQL could not log it): 400, nothing logged.
    assert search_client.get("/en/search", query_string={"q": "a\x00b"}).status_code == 400
    assert logged_queries(search_app) == [CLEAN, "gift wrap"]

    agent = signed_in(search_app, "agent@example.com", "agent")
    html = agent.get("/agent/analytics/").get_data(as_text=True)
    assert top_searches(html) == ["gift wrap", CLEAN]
    rows = read_csv(agent.get("/agent/analytics/top-searches.csv?period=30"))
    assert sorted(row[0] for row in rows[1:]) == ["gift wrap", CLEAN]


def test_searches_logged_with_control_characters_earlier_are_shown_clean(app):
    with app.app_context():
        for query in (NOISY, CLEAN, "\x00", " \x1b\x07 "):
            db.session.add(
                SearchLog(
                    query=query,
                    locale="en",
                    side="customer",
                    result_count=0,
                    created_at=datetime.now(UTC),
                )
            )
        db.session.commit()

    agent = signed_in(app, "agent@example.com", "agent")
    html = agent.get("/agent/analytics/").get_data(as_text=True)
    assert top_searches(html) == [CLEAN]
    assert 'id="kpi-searches">2<' in html
    rows = read_csv(agent.get("/agent/analytics/top-searches.csv?period=30"))
    assert [row[:3] for row in rows[1:]] == [[CLEAN, "en", "2"]]
