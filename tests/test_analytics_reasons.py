"""What customers wrote under "Was this helpful? → Tell us more", as staff read it on the
analytics dashboard and in its CSV export."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.test_analytics import read_csv, signed_in


def vote(app, article: str, helpful: bool, reason: str, locale: str = "en") -> None:
    """One new visitor (their own cookie) votes through the article page's form."""
    response = app.test_client().post(
        f"/{locale}/articles/{article}/vote",
        data={"helpful": "yes" if helpful else "no", "reason": reason},
    )
    assert response.status_code == 302


def least_helpful_row(html: str, article: str, locale: str = "en") -> str:
    """The least helpful table's row of ``article`` in ``locale``."""
    table = re.search(r'<table[^>]*id="least-helpful".*?</table>', html, re.S).group(0)
    row = rf'<tr data-article="{article}"><td lang="{locale}">.*?</tr>'
    return re.search(row, table, re.S).group(0)


def test_staff_read_the_latest_reasons_under_each_least_helpful_article(app):
    vote(app, "refund-timelines", False, "The oldest reason, pushed out by newer ones")
    vote(app, "refund-timelines", False, "Nothing about bank transfers")
    vote(app, "refund-timelines", True, "The table of card delays helped")
    vote(app, "refund-timelines", False, "<script>alert(1)</script> & more")
    vote(app, "refund-timelines", False, "영업일 기준이 헷갈려요", locale="ko")
    vote(app, "track-order", False, "")

    agent = signed_in(app, "agent@example.com", "agent")
    html = agent.get("/agent/analytics/").get_data(as_text=True)

    english = least_helpful_row(html, "refund-timelines")
    reasons = re.findall(r"<q[^>]*>(.*?)</q>", english)
    assert reasons == [
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more",
        "The table of card delays helped",
        "Nothing about bank transfers",
    ]
    assert "<script>alert(1)" not in html
    today = datetime.now(UTC).date().isoformat()
    assert f'<time datetime="{today}' in english
    assert "Not helpful" in english and "Helpful" in english
    assert '<q lang="en">' in english
    assert "영업일" not in english  # the Korean article has its own row

    korean = least_helpful_row(html, "refund-timelines", "ko")
    assert '<q lang="ko">영업일 기준이 헷갈려요</q>' in korean
    assert "· ko ·" in korean

    assert "<q" not in least_helpful_row(html, "track-order")  # a vote without a reason


def test_the_reasons_export_lists_every_reason_safe_for_spreadsheets(app):
    vote(app, "refund-timelines", False, '=HYPERLINK("http://evil.example","x")')
    vote(app, "reset-password", True, "Worked on the second try")
    vote(app, "track-order", True, "")

    agent = signed_in(app, "agent@example.com", "agent")
    html = agent.get("/agent/analytics/").get_data(as_text=True)
    assert "/agent/analytics/vote-reasons.csv?period=30" in html
    response = agent.get("/agent/analytics/vote-reasons.csv?period=30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = read_csv(response)
    assert rows[0] == ["Article", "Language", "Title", "Helpful", "Date", "Reason"]
    assert [row[:4] + row[5:] for row in rows[1:]] == [
        ["reset-password", "en", "Reset your password", "yes", "Worked on the second try"],
        [
            "refund-timelines",
            "en",
            "When will I get my refund?",
            "no",
            '\'=HYPERLINK("http://evil.example","x")',
        ],
    ]
    assert rows[1][4].startswith(datetime.now(UTC).date().isoformat())

    korean_only = read_csv(agent.get("/agent/analytics/vote-reasons.csv?period=30&locale=ko"))
    assert korean_only == [rows[0]]


def test_control_characters_in_a_reason_never_reach_staff(app):
    # NUL itself is refused before any view runs (see test_guards); the rest is cleaned.
    vote(app, "refund-timelines", False, "fees were\x1b[31m wrong\r\n\x85again\x07")

    agent = signed_in(app, "agent@example.com", "agent")
    html = agent.get("/agent/analytics/").get_data(as_text=True)
    assert '<q lang="en">fees were [31m wrong again</q>' in least_helpful_row(
        html, "refund-timelines"
    )
    rows = read_csv(agent.get("/agent/analytics/vote-reasons.csv?period=30"))
    assert rows[1][5] == "fees were [31m wrong again"
