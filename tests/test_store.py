"""The article store: loading, validation, translations, outdated detection, atomic writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.store import (
    MAX_ARTICLE_BYTES,
    ArticleError,
    ArticleStore,
    atomic_write,
    parse_article,
    serialize_article,
)

DATA = Path(__file__).parent / "data"


def test_the_store_lists_articles_by_audience():
    store = ArticleStore(DATA / "articles").load()
    assert store.problems == []
    customer = {a.id for a in store.list("en")}
    assert "reset-password" in customer
    assert "refund-escalation-playbook" not in customer  # internal
    assert "pickup-lockers" not in customer  # draft
    agent = {a.id for a in store.list("en", include_internal=True)}
    assert "refund-escalation-playbook" in agent and "pickup-lockers" not in agent
    assert [c.key for c in store.categories][:2] == ["account-sign-in", "billing-refunds"]
    assert store.category("account-sign-in").name("ko") == "계정 및 로그인"


def test_translations_share_an_id_and_fall_back_to_the_best_locale():
    store = ArticleStore(DATA / "articles").load()
    assert set(store.translations("reset-password")) == {"en", "ko"}
    assert store.best_locale("reset-password", "ko").locale == "ko"
    assert store.best_locale("payment-methods", "ko").locale == "en"
    assert store.best_locale("no-such-article", "ko") is None


def test_a_translation_older_than_its_source_is_outdated():
    store = ArticleStore(DATA / "articles").load()
    assert store.is_outdated(store.get("change-email", "ko"))
    assert not store.is_outdated(store.get("reset-password", "ko"))
    assert not store.is_outdated(store.get("change-email", "en"))


def test_broken_files_are_reported_with_path_and_reason_and_the_rest_is_served():
    store = ArticleStore(DATA / "broken").load()
    reasons = {p.path.name: p.reason for p in store.problems}
    assert "not valid YAML" in reasons["bad-yaml.md"]
    assert "missing title" in reasons["no-title.md"]
    assert "unknown locale" in reasons["unknown-locale.md"]
    duplicate = reasons.get("dup-two.md") or reasons.get("dup-one.md")
    assert "duplicate id" in duplicate
    assert [a.slug for a in store.all()] in (["dup-one", "fine"], ["dup-two", "fine"])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no front matter at all", "no YAML front matter"),
        ("---\n- a\n- list\n---\nbody", "must be a mapping"),
        ("---\nid: Bad Id\ntitle: t\nlocale: en\ncategory: c\n---\n", "lowercase letters"),
        ("---\nid: a\ntitle: t\nlocale: en\ncategory: c\nstatus: live\n---\n", "status must be"),
        ("---\nid: a\ntitle: t\nlocale: en\ncategory: c\nupdated: soon\n---\n", "not a date"),
        ("---\nid: a\ntitle: t\nlocale: en\ncategory: c\ntags: 5\n---\n", "tags must be a list"),
        (
            "---\nid: a\ntitle: t\nlocale: en\ncategory: c\n---\n" + "x" * MAX_ARTICLE_BYTES,
            "larger",
        ),
    ],
)
def test_malformed_articles_are_refused_with_a_reason(text, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(text, Path("en/c/a.md"), ("en", "ko"))


def test_unknown_front_matter_keys_survive_a_round_trip():
    text = (
        "---\nid: a\ntitle: T\nlocale: en\ncategory: c\nupdated: 2026-01-02\n"
        "source_ticket: HM-ABC\n---\nBody **text**.\n"
    )
    article = parse_article(text, Path("en/c/a.md"), ("en",))
    again = parse_article(serialize_article(article), Path("en/c/a.md"), ("en",))
    assert again.extra == {"source_ticket": "HM-ABC"}
    assert (again.title, again.body.strip(), again.updated) == (
        "T",
        "Body **text**.",
        date(2026, 1, 2),
    )


def test_atomic_write_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "en" / "c" / "a.md"
    atomic_write(target, "first")
    atomic_write(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert [p.name for p in target.parent.iterdir()] == ["a.md"]


def test_a_file_changed_on_disk_is_picked_up(tmp_path):
    import shutil

    root = tmp_path / "articles"
    shutil.copytree(DATA / "articles", root)
    store = ArticleStore(root).load()
    path = root / "en" / "account-sign-in" / "reset-password.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Reset your password", "New title", 1))
    assert store.reload_if_changed(min_interval=0)
    assert store.get("reset-password", "en").title == "New title"


def copy_articles(tmp_path) -> Path:
    import shutil

    root = tmp_path / "articles"
    shutil.copytree(DATA / "articles", root)
    return root


def write_copy_of_reset_password(root: Path, name: str) -> Path:
    """A copy/paste mistake: another Korean file with the id reset-password."""
    path = root / "ko" / "account-sign-in" / name
    path.write_text(
        "---\nid: reset-password\ntitle: 중복 비밀번호 글\nlocale: ko\ncategory: account-sign-in\n"
        "---\n복사한 글입니다.\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("name", ["aaa-dup.md", "dup-reset.md", "zzz-dup.md"])
def test_a_stray_copy_never_replaces_the_file_named_after_the_id(tmp_path, name):
    root = copy_articles(tmp_path)
    stray = write_copy_of_reset_password(root, name)

    store = ArticleStore(root).load()

    assert store.get("reset-password", "ko").title == "비밀번호 재설정하기"
    assert [(p.path, "duplicate id" in p.reason) for p in store.problems] == [(stray, True)]


def test_a_stray_copy_added_later_never_replaces_the_article_already_served(tmp_path):
    root = copy_articles(tmp_path)
    real = root / "ko" / "account-sign-in" / "reset-password.md"
    renamed = real.rename(real.with_name("password-help.md"))  # not named after its id
    store = ArticleStore(root).load()
    stray = write_copy_of_reset_password(root, "aaa-copy.md")

    assert store.reload_if_changed(min_interval=0)

    assert store.get("reset-password", "ko").path == renamed
    assert [p.path for p in store.problems] == [stray]
    assert str(renamed) in store.problems[0].reason


def write(root: Path, locale: str, text: str) -> None:
    path = root / locale / "orders-delivery" / "chuseok-delivery.md"
    path.write_text(
        f"---\nid: chuseok-delivery\nlocale: {locale}\ncategory: orders-delivery\n{text}",
        encoding="utf-8",
    )


def test_a_translation_that_names_its_source_locale_is_compared_with_that_source(tmp_path):
    root = copy_articles(tmp_path)
    write(root, "ko", "title: 추석 배송\nupdated: 2026-11-25\n---\n원문.\n")
    write(root, "en", "title: Chuseok\nsource_locale: ko\nupdated: 2026-11-20\n---\nText.\n")

    store = ArticleStore(root).load()

    assert store.source_of("chuseok-delivery").locale == "ko"
    assert store.is_outdated(store.get("chuseok-delivery", "en"))
    assert not store.is_outdated(store.get("chuseok-delivery", "ko"))


def test_a_translation_made_from_an_older_source_text_is_outdated_whatever_the_dates(tmp_path):
    root = copy_articles(tmp_path)
    write(root, "en", "title: Chuseok\nupdated: 2026-11-20\n---\nDeliveries are late.\n")
    store = ArticleStore(root).load()
    made_from = store.get("chuseok-delivery", "en").text_version
    write(root, "ko", f"title: 추석\nsource_version: {made_from}\nupdated: 2026-11-20\n---\n늦음\n")
    store.load()
    assert not store.is_outdated(store.get("chuseok-delivery", "ko"))

    write(root, "en", "title: Chuseok\nupdated: 2026-11-20\n---\nDeliveries are 2 days late.\n")
    store.load()

    assert store.is_outdated(store.get("chuseok-delivery", "ko"))
