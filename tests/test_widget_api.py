"""The widget's public API: the start-up call, the answer bot and its feedback, the
widget's tickets, and the cross-origin rules (issue 27). Search runs on the fake embedder:
these tests are about the rules, not the ranking (bench/answer_bench.py measures that)."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from indexer import Hit, SearchResults
from portal.extensions import db
from portal.models import Deflection, SearchLog, Ticket
from portal.search import matched_passage, to_document
from portal.store import ArticleStore
from portal.widget.answers import AnswerConfig, answer_question, trim_passage
from tests.conftest import TEST_ARTICLES

# -- the start-up call and the script ---------------------------------------------------


def test_the_script_is_served_as_javascript_any_site_may_load(api):
    response = api.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age=" in response.headers["Cache-Control"]
    assert b"attachShadow" in response.data


def test_the_start_up_call_speaks_the_pages_language_and_lists_popular_articles(api):
    response = api.get("/api/v1/widget?locale=ko")
    assert "public" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["locale"] == "ko"
    assert body["strings"]["launcher"] == "도움말"
    assert body["strings"]["talk"] == "상담원과 이야기하기"
    assert body["listing"] == "popular"
    assert body["articles"] and all(a["locale"] == "ko" for a in body["articles"])
    assert all(a["url"].startswith("http://localhost/ko/articles/") for a in body["articles"])
    english = api.get("/api/v1/widget?locale=en").get_json()
    assert english["strings"]["launcher"] == "Help"
    assert set(english["strings"]) == set(body["strings"])


def test_a_page_in_a_language_the_site_lacks_gets_the_default_one(api):
    body = api.get("/api/v1/widget?locale=fr").get_json()
    assert body["locale"] == "en"


def test_a_category_context_lists_that_categorys_articles(api):
    body = api.get("/api/v1/widget?locale=en&context=billing-refunds").get_json()
    assert body["listing"] == "category"
    assert {a["id"] for a in body["articles"]} == {"refund-timelines", "payment-methods"}


def test_internal_articles_are_never_listed(api):
    for context in ("billing-refunds", "refund escalation playbook", ""):
        body = api.get("/api/v1/widget", query_string={"locale": "en", "context": context})
        ids = {a["id"] for a in body.get_json()["articles"]}
        assert "refund-escalation-playbook" not in ids


def test_an_overlong_context_is_refused(api):
    response = api.get("/api/v1/widget", query_string={"locale": "en", "context": "x" * 201})
    assert response.status_code == 400


# -- the answer bot ---------------------------------------------------------------------


def ask(api, question, locale="en"):
    return api.post("/api/v1/answers", json={"question": question, "locale": locale})


def test_the_answer_is_the_matched_section_quoted_with_its_heading_and_link(api, widget_app):
    response = ask(api, "account locked after 5 wrong passwords in a row")
    assert response.status_code == 200
    body = response.get_json()
    assert body["answered"] is True
    answer = body["answer"]
    assert answer["id"] == "reset-password"
    assert answer["heading"] == "Your account is locked"
    assert answer["passage"].startswith("After 5 wrong passwords in a row")
    assert answer["url"] == "http://localhost/en/articles/reset-password#your-account-is-locked"
    assert answer["locale_name"] is None
    assert len(body["more"]) <= 2
    assert answer["id"] not in {a["id"] for a in body["more"]}
    assert 0 < body["confidence"] <= 1
    with widget_app.app_context():  # logged as a widget search
        sides = db.session.execute(sa.select(SearchLog.side)).scalars().all()
    assert sides == ["widget"]


def test_the_passage_is_text_of_the_article_never_invented(api, widget_app):
    body = ask(api, "How long do card refunds take?").get_json()
    with widget_app.app_context():
        store = widget_app.extensions["article_store"]
        article = store.get(body["answer"]["id"], body["answer"]["locale"])
        from indexer.chunking import chunk_document

        texts = [chunk.text for chunk in chunk_document(to_document(article))]
    assert any(body["answer"]["passage"].rstrip(" …") in text for text in texts)


def test_below_the_confidence_line_the_bot_says_it_has_no_good_answer(api, widget_app):
    widget_app.config["ANSWER_MIN_CONFIDENCE"] = 1.01
    widget_app.config["ANSWER_MIN_CROSS_LINGUAL"] = 1.01
    body = ask(api, "account locked after 5 wrong passwords").get_json()
    assert body["answered"] is False
    assert body["answer"] is None
    assert body["more"] == []  # weak hits are noise too


class FakeSearch:
    """A search service that returns the hits it is given."""

    def __init__(self, hits):
        self.hits = tuple(hits)

    def search(self, query, **_kwargs):
        return SearchResults(query, "ko", "hybrid", None, self.hits, len(self.hits))


def hit(article_id, locale, score, anchor="", heading="", snippet="", visibility="public"):
    return Hit(article_id, locale, article_id, "c", snippet, heading, anchor, score, visibility)


def test_a_question_nothing_matches_gets_no_answer(widget_app, monkeypatch):
    monkeypatch.setattr("portal.widget.answers.get_search", lambda: FakeSearch([]))
    with widget_app.test_request_context():
        store = widget_app.extensions["article_store"]
        answer = answer_question(store, "zzqx", "en", AnswerConfig(min_confidence=0.0))
    assert (answer.answered, answer.confidence, answer.more) == (False, 0.0, ())


def test_a_borrowed_article_is_held_to_the_cross_lingual_line(widget_app, monkeypatch):
    """A cross-lingual hit's score is a cosine, not a fused score: it has its own line."""
    borrowed = Hit("payment-methods", "en", "t", "c", "", "", "", 0.8, "public", True)
    monkeypatch.setattr("portal.widget.answers.get_search", lambda: FakeSearch([borrowed]))
    with widget_app.test_request_context():
        store = widget_app.extensions["article_store"]
        strict = AnswerConfig(min_confidence=0.1, min_cross_lingual=0.85)
        assert not answer_question(store, "보관함", "ko", strict).answered
        lenient = AnswerConfig(min_confidence=0.99, min_cross_lingual=0.75)
        assert answer_question(store, "보관함", "ko", lenient).answered


def test_an_english_only_article_is_labelled_for_a_korean_reader(widget_app, monkeypatch):
    fake = FakeSearch(
        [
            hit("payment-methods", "en", 0.8, "why-was-my-payment-declined", "Why"),
            hit("refund-escalation-playbook", "en", 0.7, visibility="internal"),
            hit("change-email", "en", 0.6),
            hit("track-order", "ko", 0.5),
            hit("refund-timelines", "ko", 0.4),
        ]
    )
    monkeypatch.setattr("portal.widget.answers.get_search", lambda: fake)
    with widget_app.test_request_context():
        store = widget_app.extensions["article_store"]
        answer = answer_question(store, "보관함", "ko", AnswerConfig(min_confidence=0.5))
    assert answer.answered
    assert answer.best.article.locale_name == "영어"
    assert answer.best.heading == "Why was my payment declined?"
    assert answer.best.article.url.startswith("http://localhost/ko/articles/payment-methods")
    assert [a.id for a in answer.more] == ["change-email", "track-order"]  # not internal
    assert [a.locale_name for a in answer.more] == ["영어", None]


def test_the_confidence_line_is_inclusive_and_typed_config(widget_app, monkeypatch):
    monkeypatch.setattr(
        "portal.widget.answers.get_search", lambda: FakeSearch([hit("track-order", "en", 0.5)])
    )
    with widget_app.test_request_context():
        store = widget_app.extensions["article_store"]
        assert answer_question(store, "q", "en", AnswerConfig(min_confidence=0.5)).answered
        assert not answer_question(store, "q", "en", AnswerConfig(min_confidence=0.51)).answered
    assert AnswerConfig.from_settings({"ANSWER_MIN_CONFIDENCE": "0.4"}).min_confidence == 0.4
    read = AnswerConfig.from_settings({"ANSWER_MIN_CROSS_LINGUAL": "0.9"})
    assert (read.min_confidence, read.min_cross_lingual) == (AnswerConfig().min_confidence, 0.9)
    assert AnswerConfig.from_settings({}).min_confidence == AnswerConfig().min_confidence


def test_a_long_section_answers_with_the_piece_the_snippet_came_from(tmp_path):
    articles = tmp_path / "articles"
    shutil.copytree(TEST_ARTICLES, articles)
    first = " ".join(f"Alpha sentence number {n} about lockers." for n in range(60))
    second = " ".join(f"Omega sentence number {n} about parcels." for n in range(60))
    path = articles / "en" / "orders-delivery" / "pickup-lockers.md"
    head, _, _ = path.read_text().partition("\n---\n")
    path.write_text(f"{head}\n---\nIntro.\n\n## Long part\n\n{first}\n\n{second}\n")
    store = ArticleStore(articles).load()
    found = matched_passage(
        hit("pickup-lockers", "en", 1, "long-part", "Long part", "…Omega sentence number 7…"),
        store,
    )
    assert found.heading == "Long part"
    assert "Omega sentence number 7 about" in found.text
    assert "Alpha sentence number 0 " not in found.text
    assert matched_passage(hit("pickup-lockers", "en", 1, "gone"), store) is None


def test_a_long_passage_is_cut_at_a_sentence_end():
    text = "First sentence here. " * 80
    cut = trim_passage(text, 100)
    assert len(cut) <= 102
    assert cut.endswith("here. …")
    assert trim_passage("short.", 100) == "short."


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, "send a JSON object"),
        ({"locale": "en"}, "question is required"),
        ({"question": "   ", "locale": "en"}, "question is required"),
        ({"question": 5, "locale": "en"}, "question must be a string"),
        ({"question": "x" * 501, "locale": "en"}, "at most 500"),
        ({"question": "refund", "locale": "xx"}, "unknown locale"),
    ],
)
def test_bad_questions_get_a_clear_400(api, payload, message):
    if payload is None:
        response = api.post("/api/v1/answers", data="nope", content_type="text/plain")
    else:
        response = api.post("/api/v1/answers", json=payload)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


# -- "Did this answer your question?" -----------------------------------------------------


def feedback(api, **fields):
    payload = {"question": "locked out", "locale": "en", "article_id": "reset-password"}
    return api.post("/api/v1/answers/feedback", json={**payload, **fields})


def deflections(app):
    with app.app_context():
        return db.session.execute(sa.select(Deflection)).scalars().all()


def test_yes_records_a_deflection(api, widget_app):
    response = feedback(api, helpful=True, article_locale="en")
    assert response.get_json() == {"recorded": "deflection"}
    [row] = deflections(widget_app)
    assert (row.article_id, row.locale, row.query) == ("reset-password", "en", "locked out")


def test_no_records_nothing_and_points_to_a_person(api, widget_app):
    response = feedback(api, helpful=False)
    assert response.status_code == 200
    assert "tickets" in response.get_json()["next"]
    assert deflections(widget_app) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"helpful": "yes"},
        {"helpful": True, "article_id": "refund-escalation-playbook"},  # internal
        {"helpful": True, "article_id": "no-such-article"},
        {"helpful": True, "article_locale": "xx"},
    ],
)
def test_feedback_on_anything_but_a_public_article_is_refused(api, widget_app, fields):
    assert feedback(api, **fields).status_code == 400
    assert deflections(widget_app) == []


# -- talking to a person: a widget ticket ----------------------------------------------


def widget_ticket(**fields):
    return {
        "email": "minji@example.com",
        "name": "민지",
        "subject": "환불이 안 들어와요",
        "description": "환불이 안 들어와요. 일주일 지났어요.",
        "locale": "ko",
        "channel": "widget",
        "articles_shown": ["refund-timelines", "payment-methods"],
        **fields,
    }


def test_talk_to_a_person_files_a_widget_ticket_with_the_question_and_the_articles_shown(
    api, widget_app
):
    response = api.post("/api/v1/tickets", json=widget_ticket())
    assert response.status_code == 201
    with widget_app.app_context():
        ticket = db.session.execute(sa.select(Ticket)).scalar_one()
        assert ticket.channel == "widget"
        assert ticket.suggested_articles == ["refund-timelines", "payment-methods"]
        assert ticket.messages[0].body == "환불이 안 들어와요. 일주일 지났어요."
        assert ticket.messages[0].channel == "widget"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"channel": "email"}, "channel"),
        ({"articles_shown": "refund-timelines"}, "articles_shown"),
        ({"articles_shown": [1, 2]}, "articles_shown"),
    ],
)
def test_a_ticket_naming_another_channel_or_odd_articles_is_refused(api, fields, error):
    response = api.post("/api/v1/tickets", json=widget_ticket(**fields))
    assert response.status_code == 400
    assert error in response.get_json()["errors"]


def test_an_api_ticket_stays_an_api_ticket(api, widget_app):
    fields = widget_ticket()
    del fields["channel"], fields["articles_shown"]
    assert api.post("/api/v1/tickets", json=fields).status_code == 201
    with widget_app.app_context():
        assert db.session.execute(sa.select(Ticket.channel)).scalar_one() == "api"


def test_an_article_read_in_another_language_names_it(api):
    borrowed = api.get("/api/v1/articles/payment-methods?locale=ko").get_json()
    assert (borrowed["fallback"], borrowed["locale_name"]) == (True, "영어")
    native = api.get("/api/v1/articles/reset-password?locale=ko").get_json()
    assert (native["fallback"], native["locale_name"]) == (False, None)
