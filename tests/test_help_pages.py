"""Customer pages: locale negotiation, articles, fallbacks, visibility, search, sitemap."""

from __future__ import annotations

import re

import pytest

from indexer.chunking import PAGE_IDS
from portal.search import get_search


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_root_sends_visitors_to_their_browser_language(client):
    assert client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).location == "/ko/"
    assert client.get("/", headers={"Accept-Language": "fr, en;q=0.5"}).location == "/en/"
    assert client.get("/", headers={"Accept-Language": "ja"}).location == "/en/"


def test_a_language_choice_is_remembered_over_accept_language(client):
    response = client.get("/locale/ko?next=/ko/articles/reset-password")
    assert response.status_code == 302
    assert response.location == "/ko/articles/reset-password"
    assert "locale=ko" in response.headers["Set-Cookie"]
    assert client.get("/", headers={"Accept-Language": "en"}).location == "/ko/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_the_language_switcher_never_redirects_off_site(client, target):
    response = client.get("/locale/en", query_string={"next": target})
    assert response.location == "/en/"


def test_the_switcher_on_an_article_links_the_same_article_in_each_language(client):
    html = text_of(client.get("/en/articles/reset-password"))
    assert "/locale/ko?next=/ko/articles/reset-password" in html


def test_home_lists_categories_and_public_articles_in_the_readers_language(client):
    html = text_of(client.get("/ko/"))
    assert '<html lang="ko">' in html
    assert "계정 및 로그인" in html and "비밀번호 재설정" in html
    assert 'hreflang="en"' in html
    assert "refund-escalation-playbook" not in html  # internal
    assert "pickup-lockers" not in html  # draft


def test_a_category_page_lists_its_articles_and_offers_other_languages(client):
    html = text_of(client.get("/ko/categories/billing-refunds"))
    assert "결제 및 환불" in html
    assert "/ko/articles/refund-timelines" in html
    # payment-methods has no Korean version yet: offered in English, labeled in Korean, on a
    # Korean page (the English text with a notice, Korean around it and a Korean contact form).
    assert re.search(r'/ko/articles/payment-methods">[^<]+</a>\s*<span class="badge">영어<', html)


def test_an_article_page_has_toc_breadcrumb_date_and_translations(client):
    html = text_of(client.get("/ko/articles/reset-password"))
    assert "<h1>비밀번호" in html
    assert 'href="#비밀번호-재설정-방법"' in html and 'id="비밀번호-재설정-방법"' in html
    assert 'class="breadcrumb"' in html and "/ko/categories/account-sign-in" in html
    assert "2026" in html  # updated date
    assert (
        '<link rel="alternate" hreflang="en" href="http://localhost/en/articles/reset-password">'
        in html
    )
    assert '<a href="/en/articles/reset-password" hreflang="en" lang="en">English</a>' in html


def test_language_names_in_korean_text_are_korean_and_the_switcher_keeps_endonyms(client):
    html = text_of(client.get("/ko/articles/payment-methods"))
    notice = re.search(r'<p class="notice fallback-notice"[^>]*>([^<]+)</p>', html)
    assert 'lang="ko"' in notice.group(0)
    assert "한국어로 제공되지 않아요" in notice.group(1) and "영어 버전이에요" in notice.group(1)
    assert "English" not in notice.group(1)
    switcher = html.split('class="language-switcher"')[1].split("</details>")[0]
    assert 'lang="en"' in switcher and ">English</a>" in switcher and ">한국어</a>" in switcher
    english = text_of(client.get("/en/articles/reset-password"))
    assert 'hreflang="ko" lang="ko">한국어</a>' in english  # "Also available in": endonyms


def test_a_missing_translation_is_served_in_another_locale_with_a_notice(client):
    response = client.get("/ko/articles/payment-methods")
    html = text_of(response)
    assert response.status_code == 200
    assert 'class="notice fallback-notice"' in html
    assert '<article class="article" lang="en">' in html
    assert 'rel="canonical" href="http://localhost/en/articles/payment-methods"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/en/articles/refund-escalation-playbook",
        "/ko/articles/refund-escalation-playbook",
        "/en/articles/pickup-lockers",
        "/en/articles/no-such-article",
        "/xx/",
        "/en/categories/no-such-category",
    ],
)
def test_internal_drafts_and_unknown_things_are_a_localized_404(client, url):
    response = client.get(url, headers={"Accept-Language": "ko"})
    assert response.status_code == 404
    assert "search-box" in text_of(response)


def test_the_404_page_speaks_the_visitors_language(client):
    html = text_of(client.get("/xx/", headers={"Accept-Language": "ko"}))
    assert '<html lang="ko">' in html
    assert "페이지를 찾을 수 없" in html


def test_internal_and_draft_articles_never_reach_the_sitemap_or_api(client):
    sitemap = text_of(client.get("/sitemap.xml"))
    assert "/ko/articles/reset-password" in sitemap and 'hreflang="en"' in sitemap
    assert "refund-escalation-playbook" not in sitemap and "pickup-lockers" not in sitemap
    assert client.get("/api/v1/articles/refund-escalation-playbook").status_code == 404
    assert client.get("/api/v1/articles/pickup-lockers").status_code == 404
    robots = text_of(client.get("/robots.txt"))
    assert "Disallow: /agent/" in robots and "Sitemap: http://localhost/sitemap.xml" in robots


def test_article_html_is_sanitized(client, app, articles_dir):
    (articles_dir / "en" / "account-sign-in" / "hostile.md").write_text(
        "---\nid: hostile\ntitle: Hostile <b>title</b>\nlocale: en\ncategory: account-sign-in\n"
        "---\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[click](javascript:alert(3))\n",
        encoding="utf-8",
    )
    app.extensions["article_store"].load()
    html = text_of(client.get("/en/articles/hostile"))
    assert "<script>alert" not in html and "onerror" not in html and "javascript:" not in html
    assert "Hostile &lt;b&gt;title&lt;/b&gt;" in html


def test_headings_named_like_parts_of_the_page_keep_the_page_working(client, app, articles_dir):
    (articles_dir / "en" / "account-sign-in" / "page-words.md").write_text(
        "---\nid: page-words\ntitle: Page words\nlocale: en\ncategory: account-sign-in\n---\n"
        "## Main\n\nOne.\n\n## Feedback\n\nTwo.\n\n## Search box\n\nThree.\n",
        encoding="utf-8",
    )
    app.extensions["article_store"].load()
    html = text_of(client.get("/en/articles/page-words"))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert '<main id="main"' in html and '<section id="feedback"' in html
    assert 'href="#main_1"' in html and '<h2 id="main_1">Main</h2>' in html
    headings = set(re.findall(r'<h[1-6] id="([^"]+)">', html)) - {"toc-heading", "related-heading"}
    assert set(ids) - headings <= PAGE_IDS  # a part added to the page needs its id reserved


def test_article_links_point_to_the_readers_locale_when_translated(client):
    html = text_of(client.get("/ko/articles/track-order"))
    body = html.split('<div class="article-body">')[1].split("</article>")[0]
    assert re.findall(r'href="(/\w\w/articles/[a-z-]+)', body) == ["/ko/articles/refund-timelines"]


def test_a_fresh_site_does_not_repeat_the_recent_articles_as_popular_ones(client):
    html = client.get("/en/").get_data(as_text=True)
    assert 'id="recent-heading"' in html
    assert 'id="popular-heading"' not in html


def test_views_are_counted_and_make_an_article_popular(client):
    for _ in range(3):
        client.get("/en/articles/track-order")
    html = text_of(client.get("/en/"))
    popular = html.split('id="popular-heading"')[1].split("</section>")[0]
    assert popular.index("track-order") < popular.index("</ul>")
    first_link = re.search(r'href="/en/articles/([a-z-]+)"', popular).group(1)
    assert first_link == "track-order"


# -- search pages (real index, real model) -------------------------------------------


def test_search_page_shows_highlighted_results_from_the_search_service(search_client, search_app):
    html = text_of(search_client.get("/en/search?q=reset+password"))
    assert "<mark>" in html
    with search_app.test_request_context():
        expected = [
            h.id for h in get_search().search("reset password", locale="en", record=False).hits
        ]
    shown = re.findall(r'<h2><a href="/\w\w/articles/([a-z-]+)', html)
    assert shown == expected[: len(shown)] and shown[0] == "reset-password"


def test_the_same_query_gives_the_same_order_on_the_page_and_in_the_api(search_client):
    for locale, query in [("en", "refund"), ("ko", "환불 언제")]:
        html = text_of(search_client.get(f"/{locale}/search", query_string={"q": query}))
        page_ids = re.findall(r'<h2><a href="/\w\w/articles/([a-z-]+)', html)
        api = search_client.get("/api/v1/search", query_string={"q": query, "locale": locale})
        assert page_ids == [r["id"] for r in api.get_json()["results"]]


def test_a_korean_search_finds_inflected_forms(search_client):
    html = text_of(search_client.get("/ko/search", query_string={"q": "비밀번호 재설정"}))
    assert re.search(r'<h2><a href="/ko/articles/reset-password', html)


def test_a_typo_still_finds_the_article(search_client):
    html = text_of(search_client.get("/en/search", query_string={"q": "pasword reset"}))
    assert "/en/articles/reset-password" in html


def test_an_english_only_answer_is_labeled_with_its_language(search_client):
    html = text_of(
        search_client.get("/ko/search", query_string={"q": "Payment methods you can use"})
    )
    assert re.search(
        r'/ko/articles/payment-methods[^"]*">[^<]+</a>\s*<span class="badge locale-badge">영어<',
        html,
    )
    assert "English</span>" not in html


def test_an_english_only_article_keeps_a_korean_reader_on_korean_pages(search_client):
    html = text_of(search_client.get("/ko/articles/payment-methods"))
    assert '<html lang="ko">' in html
    related = html.split('id="related-heading"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'href="(/[a-z]+)/articles/([^"#?]+)"', related)
    assert links and {locale for locale, _ in links} == {"/ko"}
    korean_titles = {
        "이메일 주소 변경하기",
        "비밀번호 재설정하기",
        "환불 예정일 확인하기",
        "배송 조회하기",
    }
    assert any(title in related for title in korean_titles)
    assert "When will I get my refund?" not in related


def test_no_results_offers_popular_articles_and_the_contact_form(search_client):
    html = text_of(search_client.get("/en/search", query_string={"q": "zzqx qqzx"}))
    assert 'class="empty-state"' in html
    assert "/en/contact" in html and "Popular articles" in html


@pytest.mark.parametrize("query", ['AND OR * ~ ( "', "x" * 10_000, "<script>alert(1)</script>"])
def test_hostile_queries_render_a_page_never_an_error(search_client, query):
    response = search_client.get("/en/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)" not in text_of(response)


def test_search_results_are_paginated(search_client, monkeypatch):
    monkeypatch.setattr("portal.help.views.RESULTS_PER_PAGE", 2)
    query = {"q": "order refund password email payment"}
    first = text_of(search_client.get("/en/search", query_string=query))
    second = text_of(search_client.get("/en/search", query_string={**query, "page": 2}))
    titles = re.compile(r'<h2><a href="([^"]+)"')
    assert 'class="pagination"' in first and 'rel="next"' in first
    assert len(titles.findall(first)) == 2
    assert titles.findall(second) and not set(titles.findall(first)) & set(titles.findall(second))
    past_the_end = search_client.get("/en/search?q=order&page=999", follow_redirects=True)
    assert past_the_end.status_code == 200
    assert search_client.get("/en/search?q=order&page=abc").status_code == 200


def test_a_page_past_the_last_goes_to_the_last_page_keeping_query_and_filters(
    search_client, monkeypatch
):
    monkeypatch.setattr("portal.help.views.RESULTS_PER_PAGE", 2)
    query = "order refund password email payment"
    first = text_of(search_client.get("/en/search", query_string={"q": query}))
    total = int(re.search(r"(\d+) results? for", first).group(1))
    last = -(-total // 2)
    assert last >= 2
    past = search_client.get("/en/search", query_string={"q": query, "page": last + 1})
    assert past.status_code == 302
    assert past.location == f"/en/search?q={query.replace(' ', '+')}&page={last}"
    landed = text_of(search_client.get(past.location))
    assert "<h2><a href" in landed and 'class="empty-state"' not in landed

    filtered = {"q": "refund", "category": "billing-refunds", "page": 40}
    response = search_client.get("/en/search", query_string=filtered)
    assert response.status_code == 302
    assert "category=billing-refunds" in response.location and "q=refund" in response.location
    assert 'class="empty-state"' not in text_of(search_client.get(response.location))
    # Nothing matches at all: no redirect, the empty state.
    nothing = search_client.get("/en/search", query_string={"q": "zzqx qqzx", "page": 3})
    assert nothing.status_code == 200 and 'class="empty-state"' in text_of(nothing)


def test_language_links_on_a_huge_search_carry_the_query_as_searched(search_client):
    huge = "password " * 3_500  # 31,500 characters
    html = text_of(search_client.get("/en/search", query_string={"q": huge}))
    switcher = html.split('class="language-switcher"')[1].split("</details>")[0]
    links = re.findall(r'href="([^"]+)"', switcher)
    assert len(links) == 2 and all(len(link) < 2_000 for link in links)
    target = search_client.get(links[1].replace("&amp;", "&"))  # remembers the choice
    assert target.status_code == 302 and target.location.startswith("/ko/search?q=password")
    assert search_client.get(target.location).status_code == 200


def test_article_pages_show_related_articles_in_the_same_locale(search_client):
    html = text_of(search_client.get("/ko/articles/reset-password"))
    related = html.split('id="related-heading"')[1].split("</section>")[0]
    links = re.findall(r'href="(/\w\w)/articles/([a-z-]+)"', related)
    assert links and all(prefix == "/ko" for prefix, _ in links)
    assert "reset-password" not in [article for _, article in links]


# -- signals ------------------------------------------------------------------------


def test_one_vote_per_visitor_per_article_and_it_can_change(client, app):
    from portal.extensions import db
    from portal.models import ArticleVote

    url = "/ko/articles/reset-password/vote"
    assert client.post(url, data={"helpful": "yes"}).status_code == 302
    response = client.post(url, data={"helpful": "no", "reason": "메일이 안 와요"})
    assert response.location.endswith("/ko/articles/reset-password#feedback")
    html = text_of(client.get("/ko/articles/reset-password"))
    assert 'value="no" class="button primary" aria-pressed="true"' in html
    other_visitor = app.test_client()
    other_visitor.post(url, data={"helpful": "yes"})
    with app.app_context():
        votes = db.session.scalars(db.select(ArticleVote).order_by(ArticleVote.id)).all()
    assert [(v.helpful, v.reason) for v in votes] == [(False, "메일이 안 와요"), (True, None)]


@pytest.mark.parametrize(
    "data", [{"helpful": "maybe"}, {"helpful": "yes", "reason": "x" * 301}, {}]
)
def test_bad_votes_are_refused_and_change_nothing(client, app, data):
    from portal.extensions import db
    from portal.models import ArticleVote

    client.post("/en/articles/reset-password/vote", data=data)
    assert (
        client.post("/en/articles/pickup-lockers/vote", data={"helpful": "yes"}).status_code == 404
    )
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ArticleVote)) == 0


def test_a_search_is_logged_once_and_knows_which_result_was_opened(search_client, search_app):
    from portal.extensions import db
    from portal.models import SearchLog

    html = text_of(search_client.get("/en/search?q=reset+password"))
    link = re.search(r'<h2><a href="(/en/articles/reset-password[^"]*)"', html).group(1)
    assert "sl=" in link
    search_client.get(link.replace("&amp;", "&"))
    search_client.get("/en/search?q=reset+password&page=2")
    with search_app.app_context():
        rows = db.session.scalars(db.select(SearchLog)).all()
    assert len(rows) == 1
    assert (rows[0].query, rows[0].side, rows[0].opened_article_id) == (
        "reset password",
        "customer",
        "reset-password",
    )


def test_a_forbidden_staff_page_explains_itself_in_the_visitors_language(app, client):
    from portal.users import save_user

    with app.app_context():
        save_user("writer-only@example.com", "a-long-password", roles=("writer",))
    client.post("/login", data={"email": "writer-only@example.com", "password": "a-long-password"})
    response = client.get("/agent/", headers={"Accept-Language": "ko"})
    assert response.status_code == 403
    html = text_of(response)
    assert '<html lang="ko">' in html and 'class="not-found"' in html


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("/ko-KR/", "/ko/"),
        ("/EN/articles/reset-password", "/en/articles/reset-password"),
        ("/ko_kr/categories/billing-refunds", "/ko/categories/billing-refunds"),
        ("/en/articles/reset-password/", "/en/articles/reset-password"),
        ("/en/search/?q=refund", "/en/search?q=refund"),
    ],
)
def test_a_recognisable_but_mistyped_address_leads_to_its_page(client, path, meant):
    response = client.get(path)
    assert (response.status_code, response.location) == (301, meant)
    assert client.get(meant).status_code == 200


def test_an_unknown_address_is_still_a_404(client):
    assert client.get("/xx/").status_code == 404
    assert client.get("/en/articles/no-such-article").status_code == 404


def test_an_empty_search_in_another_languages_script_links_to_that_help_center(client):
    html = client.get("/en/search", query_string={"q": "가나다라마바사"}).get_data(as_text=True)
    assert "No articles match" in html
    assert (
        'href="/ko/search?q=%EA%B0%80%EB%82%98%EB%8B%A4%EB%9D%BC%EB%A7%88%EB%B0%94%EC%82%AC"'
        in html
    )


def test_only_a_query_in_another_sites_script_is_sent_there():
    from portal.help.service import locale_of_query

    assert locale_of_query("배송조회", "en", ("en", "ko")) == "ko"
    assert locale_of_query("refund", "ko", ("en", "ko")) == "en"
    assert locale_of_query("refund", "en", ("en", "ko")) is None
    assert locale_of_query("ㅋㅋㅋ", "en", ("en", "ko")) is None


@pytest.mark.parametrize("sl", ["1", "99999999999999999999", "-5", "abc", "x" * 500])
def test_a_result_link_with_a_forged_or_odd_search_id_opens_the_article_and_marks_nothing(
    search_client, search_app, sl
):
    from portal.extensions import db
    from portal.models import SearchLog

    search_client.get("/en/search?q=reset+password")  # the row a forger would aim at
    response = search_client.get("/en/articles/reset-password", query_string={"sl": sl})
    assert response.status_code == 200
    with search_app.app_context():
        rows = db.session.scalars(db.select(SearchLog)).all()
    assert [row.opened_article_id for row in rows] == [None]
