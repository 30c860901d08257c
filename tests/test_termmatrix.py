"""The keyword leg's numpy scorer against Whoosh's own BM25F, and its incremental updates."""

from __future__ import annotations

from dataclasses import replace

import pytest
from whoosh import index, scoring
from whoosh.query import Or, Term

from indexer.chunking import chunk_document
from indexer.config import DEFAULT_KEYWORD
from indexer.keyword import KeywordIndex
from portal.search import indexable
from portal.store import ArticleStore
from tests.conftest import TEST_ARTICLES

QUERIES = {
    "en": ["reset password", "refund card days", "how do I change my e-mail address", "xyzzy"],
    "ko": ["비밀번호 재설정", "환불은 언제 되나요", "배송 조회"],
}


@pytest.fixture(scope="module")
def documents():
    return list(indexable(ArticleStore(TEST_ARTICLES).load()))


def write_index(directory, locale, docs, remove=()):
    keyword = KeywordIndex(directory / locale, locale)
    keyword.write([(doc, chunk_document(doc)) for doc in docs], list(remove))
    keyword.open()
    return keyword


def whoosh_scores(keyword, text, include_internal=True):
    """The reference: Whoosh's searcher with BM25F over the same clauses."""
    terms = keyword.query_terms(text)
    clauses = [
        Term(field, term, boost=DEFAULT_KEYWORD.field_boosts[field])
        for term in terms
        for field in ("content", "title")
    ] + [Term("tags", term.lower()) for term in terms]
    mask = None if include_internal else Term("visibility", "internal")
    ix = index.open_dir(str(keyword.directory))
    with ix.searcher(weighting=scoring.BM25F()) as searcher:
        hits = searcher.search(Or(clauses), limit=None, mask=mask)
        return {hit["key"]: hit.score for hit in hits}


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_scores_equal_whoosh_bm25f(tmp_path, documents, locale):
    docs = [d for d in documents if d.locale == locale]
    keyword = write_index(tmp_path, locale, docs)
    compared = 0
    for text in QUERIES[locale]:
        ours = keyword.search(text, limit=1000, include_internal=True).scores
        theirs = whoosh_scores(keyword, text)
        assert ours.keys() == theirs.keys(), text
        for key, score in theirs.items():
            assert ours[key] == pytest.approx(score, rel=1e-5), (text, key)
        compared += len(theirs)
    assert compared >= 5


def test_an_update_scores_like_a_fresh_build(tmp_path, documents):
    english = [d for d in documents if d.locale == "en"]
    first, rest = english[:3], english[3:]
    updated = write_index(tmp_path / "updated", "en", english)
    updated.close()
    # Remove three articles, then add them back edited: as publishing does, one by one.
    edited = [replace(doc, body=doc.body + "\n\nRefund policy.", content_hash="") for doc in first]
    for doc in edited:
        updated.write([(doc, chunk_document(doc))], [doc.key])
    updated.open()
    fresh = write_index(tmp_path / "fresh", "en", rest + edited)
    for text in [*QUERIES["en"], "refund policy"]:
        ours = updated.search(text, limit=1000, include_internal=True)
        theirs = fresh.search(text, limit=1000, include_internal=True)
        assert ours.ceiling == pytest.approx(theirs.ceiling, rel=1e-9)
        ours, theirs = ours.scores, theirs.scores
        assert ours.keys() == theirs.keys()
        for key, score in theirs.items():
            assert ours[key] == pytest.approx(score, rel=1e-6)


def test_filters_leave_out_internal_other_categories_and_other_tags(tmp_path, documents):
    english = [d for d in documents if d.locale == "en"]
    keyword = write_index(tmp_path, "en", english)
    internal = {d.key for d in english if d.visibility != "public"}
    assert internal, "the test articles include an internal one"

    def doc_keys(scores):
        return {key.rsplit("|", 1)[0] for key in scores}

    everything = " ".join(d.title for d in english)
    public = keyword.search(everything, limit=1000).scores
    staff = keyword.search(everything, limit=1000, include_internal=True).scores
    assert not doc_keys(public) & internal
    assert doc_keys(staff) & internal
    category = english[0].category
    in_category = keyword.search(everything, limit=1000, category=category).scores
    assert doc_keys(in_category) == {
        d.key for d in english if d.category == category and d.visibility == "public"
    }
    tag = next(t for d in english for t in d.tags)
    tagged = keyword.search(everything, limit=1000, tags=(tag.upper(),)).scores
    assert doc_keys(tagged) == {
        d.key for d in english if tag in d.tags and d.visibility == "public"
    }
    assert keyword.search(everything, limit=1000, category="no-such-category")[0] == {}


def test_limit_keeps_the_best_scores_in_order(tmp_path, documents):
    keyword = write_index(tmp_path, "en", [d for d in documents if d.locale == "en"])
    every = keyword.search("password refund account order", limit=1000).scores
    top = keyword.search("password refund account order", limit=3).scores
    assert list(top.values()) == sorted(every.values(), reverse=True)[:3]
    assert list(top.values()) == sorted(top.values(), reverse=True)


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_no_chunk_scores_above_the_query_ceiling(tmp_path, documents, locale):
    """Absolute fusion divides by the ceiling: a share above 1 would mean it is wrong."""
    keyword = write_index(tmp_path, locale, [d for d in documents if d.locale == locale])
    for text in QUERIES[locale]:
        found = keyword.search(text, limit=1000, include_internal=True)
        if found.scores:
            assert 0 < max(found.scores.values()) <= found.ceiling, text
    # An article's own title as the query comes within reach of the ceiling.
    title = next(d.title for d in documents if d.locale == locale)
    found = keyword.search(title, limit=1000, include_internal=True)
    assert max(found.scores.values()) >= 0.3 * found.ceiling
    assert keyword.search("xyzzy", limit=10).ceiling == 0.0
