"""The JSON API: validation, visibility and parity with the search service."""

from __future__ import annotations

import pytest

from portal.search import get_search


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "password", "locale": "xx"}, "unknown locale"),
        ({"q": "password", "limit": "101"}, "limit must be between 1 and 100"),
        ({"q": "password", "limit": "ten"}, "limit must be a whole number"),
        ({"q": "password", "offset": "-1"}, "offset must be between"),
        ({"q": "x" * 10_000}, "q must be at most"),
        ({"q": "password", "category": "no-such-category"}, "unknown category"),
    ],
)
def test_invalid_search_parameters_get_a_clear_400(search_client, params, message):
    response = search_client.get("/api/v1/search", query_string=params)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


@pytest.mark.parametrize(
    "query", ["", "   ", 'AND OR * ~ ( "', "password~2 AND (", "?*", "☃" * 400]
)
def test_hostile_or_empty_queries_never_fail(search_client, query):
    response = search_client.get("/api/v1/search", query_string={"q": query, "locale": "en"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"query", "locale", "mode", "degraded", "results"}


def test_snippets_keep_the_articles_ranges(search_client):
    body = search_client.get(
        "/api/v1/search", query_string={"q": "카드 환불 기간 영업일", "locale": "ko"}
    ).get_json()
    snippets = " ".join(hit["snippet"] for hit in body["results"])
    assert "3~5일" in snippets
    assert "35일" not in snippets


def test_search_answers_with_the_documented_shape(search_client):
    body = search_client.get("/api/v1/search?q=reset+password&locale=en&limit=3").get_json()
    assert body["locale"] == "en"
    assert body["mode"] in {"hybrid", "keyword"}
    assert 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    assert set(first) >= {"id", "locale", "title", "url", "snippet", "category", "score"}
    assert first["url"].startswith("/en/articles/")


def test_api_ranking_equals_the_search_service_ranking(search_app, search_client):
    body = search_client.get("/api/v1/search?q=refund&locale=en&limit=10").get_json()
    with search_app.test_request_context():
        service = get_search().search("refund", locale="en", k=10, record=False)
    assert [r["id"] for r in body["results"]] == [h.id for h in service.hits]


def test_internal_articles_never_reach_the_api(search_app, search_client):
    store = search_app.extensions["article_store"]
    internal = [a for a in store.all() if a.visibility == "internal"]
    assert internal, "the test articles must include an internal one"
    for article in internal:
        body = search_client.get(
            "/api/v1/search", query_string={"q": article.title, "locale": article.locale}
        ).get_json()
        assert article.id not in {r["id"] for r in body["results"]}
        response = search_client.get(f"/api/v1/articles/{article.id}?locale={article.locale}")
        assert response.status_code == 404


def test_article_endpoint_returns_rendered_sanitized_html(search_app, search_client):
    store = search_app.extensions["article_store"]
    article = store.list("en")[0]
    body = search_client.get(f"/api/v1/articles/{article.id}?locale=en").get_json()
    assert body["title"] == article.title
    assert body["fallback"] is False
    assert "<script" not in body["html"]


def test_article_endpoint_falls_back_to_another_locale(search_app, search_client):
    store = search_app.extensions["article_store"]
    english_only = [a for a in store.list("en") if not store.get(a.id, "ko")]
    assert english_only, "the test articles must include an English-only one"
    body = search_client.get(f"/api/v1/articles/{english_only[0].id}?locale=ko").get_json()
    assert body["locale"] == "en"
    assert body["requested_locale"] == "ko"
    assert body["fallback"] is True


def test_a_borrowed_article_links_to_the_readers_locale_like_search_hits_do(
    search_app, search_client
):
    store = search_app.extensions["article_store"]
    english_only = next(a for a in store.list("en") if not store.get(a.id, "ko"))
    body = search_client.get(f"/api/v1/articles/{english_only.id}?locale=ko").get_json()
    assert body["locale"] == "en"
    assert body["url"] == f"/ko/articles/{english_only.id}"


def test_each_hit_names_its_language_in_the_readers_language_as_result_pages_do(search_client):
    body = search_client.get("/api/v1/search?q=refund&locale=ko").get_json()
    names = {hit["locale"]: hit["locale_name"] for hit in body["results"]}
    assert names and all(names[code] == {"ko": "한국어", "en": "영어"}[code] for code in names)


def test_ticket_errors_speak_the_language_the_ticket_declares(client):
    response = client.post("/api/v1/tickets", json={"locale": "ko"})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert all(not message.isascii() for message in errors.values()), errors


def test_ticket_errors_fall_back_to_accept_language_without_a_valid_locale(client):
    response = client.post(
        "/api/v1/tickets", json={"locale": "xx"}, headers={"Accept-Language": "ko"}
    )
    assert response.status_code == 400
    assert "locale" in response.get_json()["errors"]
