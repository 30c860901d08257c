"""The hand-written Korean question sets ask about articles the site really serves, in the
language each set promises (an answer in a draft could never be found, and would count as
a miss of the engine)."""

import json

import pytest

from bench.datasets import ARTICLES, CROSSLINGUAL_SETS, sample_documents

PUBLISHED = {locale: {d.id for d in sample_documents(ARTICLES, locale)} for locale in ("en", "ko")}


@pytest.mark.parametrize("name", sorted(CROSSLINGUAL_SETS))
def test_every_sample_answer_is_published_in_the_promised_language_only(name):
    path, _, answers = CROSSLINGUAL_SETS[name]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 16
    for row in rows:
        assert row["query"].strip() and row["corpus"] in ("sample", "adobe_commerce_kb")
        if row["corpus"] != "sample":
            continue
        assert row["relevant"] in PUBLISHED[answers], row
        if answers == "en":  # the point of the set: no Korean version exists
            assert row["relevant"] not in PUBLISHED["ko"], row
