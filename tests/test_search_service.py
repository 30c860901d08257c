"""The one search service over the app's article store: logging, freshness, recovery."""

from __future__ import annotations

import re
import shutil

from portal.extensions import db
from portal.models import SearchLog, TranslationRequest
from portal.search import get_search, get_store
from tests.workers import run_worker


def test_every_search_is_logged_with_its_side_and_result_count(search_app):
    with search_app.test_request_context():
        results = get_search().search("refund", locale="en", side="agent")
        log = db.session.scalars(db.select(SearchLog)).all()
    assert [(row.query, row.locale, row.side) for row in log] == [("refund", "en", "agent")]
    assert log[0].result_count == results.total > 0


def test_a_korean_search_answered_in_english_requests_a_translation(search_app):
    store = search_app.extensions["article_store"]
    english_only = [a for a in store.list("en") if not store.get(a.id, "ko")]
    with search_app.test_request_context():
        results = get_search().search(english_only[0].title, locale="ko")
        foreign = [hit for hit in results.hits if hit.cross_lingual]
        requests = db.session.scalars(db.select(TranslationRequest)).all()
    assert foreign and results.hits[0] is foreign[0], "its own title finds it first"
    assert [(r.article_id, r.source_locale, r.wanted_locale) for r in requests] == [
        (foreign[0].id, "en", "ko")
    ]


def test_borrowed_articles_after_a_native_answer_ask_for_no_translation(search_app):
    # The English payment article is about cancelling a card payment: it follows the Korean
    # refund answer (it reads as close; "카드 환불 언제 돼요" no longer borrows it).
    with search_app.test_request_context():
        results = get_search().search("카드 결제 취소하면 환불 언제 들어와요", locale="ko")
        requests = db.session.scalars(db.select(TranslationRequest)).all()
    assert not results.hits[0].cross_lingual
    assert any(hit.cross_lingual for hit in results.hits)
    assert requests == []


def test_an_unrelated_english_article_does_not_follow_a_korean_answer(search_app):
    # The English-only payment article used to trail the Korean password answer.
    with search_app.test_request_context():
        results = get_search().search("비밀번호를 잊어버렸어요", locale="ko", record=False)
    assert results.hits[0].id == "reset-password"
    assert not any(hit.cross_lingual for hit in results.hits)


def test_opening_a_borrowed_article_from_a_search_asks_for_its_translation(search_client):
    page = search_client.get(
        "/ko/search", query_string={"q": "카드 결제 취소하면 환불 언제 들어와요"}
    )
    link = re.search(r'href="(/ko/articles/payment-methods\?sl=[\w.-]+)[#"]', page.get_data(True))
    assert link, "the borrowed article is linked with the search it came from"
    assert search_client.get(link.group(1)).status_code == 200
    search_client.get(link.group(1))  # a second visit asks nothing more
    with search_client.application.app_context():
        requests = db.session.scalars(db.select(TranslationRequest)).all()
    assert [(r.article_id, r.source_locale, r.wanted_locale, r.query) for r in requests] == [
        ("payment-methods", "en", "ko", "카드 결제 취소하면 환불 언제 들어와요")
    ]


def test_korean_chat_noise_finds_nothing(search_app):
    with search_app.test_request_context():
        for noise in ("ㅋㅋㅋㅋ", "ㅎㅇ", "ㅠㅠ"):
            assert get_search().search(noise, locale="ko", record=False).hits == (), noise


def test_a_search_answered_only_in_another_language_is_logged_as_a_content_gap(search_app):
    store = search_app.extensions["article_store"]
    english_only = [a for a in store.list("en") if not store.get(a.id, "ko")]
    with search_app.test_request_context():
        results = get_search().search(english_only[0].title, locale="ko", k=100)
        logged = db.session.scalars(db.select(SearchLog)).one()
    native = [hit for hit in results.hits if not hit.cross_lingual]
    assert results.borrowed == len(results.hits) - len(native) > 0
    assert logged.result_count == len(native)


def test_internal_articles_are_searchable_by_agents_only(search_app):
    store = search_app.extensions["article_store"]
    internal = next(a for a in store.all() if a.visibility == "internal")
    with search_app.test_request_context():
        service = get_search()
        customer = service.search(internal.title, locale=internal.locale, record=False)
        agent = service.search(
            internal.title, locale=internal.locale, include_internal=True, record=False
        )
    assert internal.id not in [h.id for h in customer.hits]
    assert internal.id in [h.id for h in agent.hits]


def test_drafts_are_never_indexed(search_app):
    store = search_app.extensions["article_store"]
    draft = next(a for a in store.all() if a.status == "draft")
    with search_app.test_request_context():
        results = get_search().search(
            draft.title, locale=draft.locale, include_internal=True, record=False
        )
    assert draft.id not in [h.id for h in results.hits]


def test_a_missing_index_is_rebuilt_by_the_worker_while_searches_say_so(search_app):
    shutil.rmtree(search_app.config["INDEX_DIR"])
    with search_app.test_request_context():
        service = get_search()
        first = service.search("refund", locale="en", record=False)
        assert first.hits == () and first.degraded
        assert not (search_app.config["INDEX_DIR"] / "CURRENT").exists()  # not in the web
        run_worker(search_app)
        assert service.search("refund", locale="en", record=False).hits


def test_an_article_edited_on_disk_is_found_after_sync(search_app):
    store = search_app.extensions["article_store"]
    article = store.get("reset-password", "en")
    text = article.path.read_text(encoding="utf-8")
    article.path.write_text(text + "\n\n## Quokka corner\n\nA quokka hides here.\n", "utf-8")
    with search_app.test_request_context():
        service = get_search()
        store.load()
        report = service.build(only_if_stale=True)
        hits = service.search("quokka", locale="en", record=False).hits
    assert (report.updated, report.chunks_embedded > 0) == (1, True)
    assert [h.id for h in hits][:1] == ["reset-password"]
    assert hits[0].anchor == "quokka-corner"


def test_the_store_reloads_files_changed_on_disk(search_app):
    store = search_app.extensions["article_store"]
    path = store.get("reset-password", "en").path
    path.unlink()
    with search_app.test_request_context():
        store._checked_at = 0
        assert get_store().get("reset-password", "en") is None
