"""Several nodes share one record of the article files: the rules of the record and of each
node's mirror (fresh node, stale node, a file a writer changed on disk, deletions, two
writers at once), on SQLite and PostgreSQL. Two apps over one database are two nodes."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import pytest
import sqlalchemy as sa

from portal.cli import cli
from portal.extensions import db
from portal.jobs.worker import Worker
from portal.models import ArticleFile, Revision
from portal.replication import mirror_articles, replica_for
from portal.replication_record import (
    MANIFEST_NAME,
    Manifest,
    StaleRecord,
    disk_paths,
    text_hash,
    write,
)
from portal.search import INDEX_UNAVAILABLE, get_search
from portal.store import parse_article
from portal.write.drafts import Draft
from portal.write.editor import Conflict, Editor
from tests.conftest import TEST_ARTICLES, database_backends, drop_everything, make_app
from tests.workers import run_worker

RESET = "en/account-sign-in/reset-password.md"
EMAIL = "en/account-sign-in/change-email.md"


def node(tmp_path, name: str, url: str):
    """One node: its own articles folder, instance folder and index; the shared database."""
    root = tmp_path / f"node-{name}"
    shutil.copytree(TEST_ARTICLES, root / "articles")
    return make_app(root, root / "articles", url, EMBEDDER="fake", NODE_NAME=name)


@pytest.fixture(params=database_backends())
def nodes(request, tmp_path):
    """Nodes a and b over one database (SQLite file or PostgreSQL)."""
    if request.param == "postgresql":
        from portal.config import database_url

        url = database_url(os.environ["TEST_DATABASE_URL"])
    else:
        url = f"sqlite:///{tmp_path / 'shared.db'}"
    a = node(tmp_path, "a", url)
    b = node(tmp_path, "b", url)
    yield a, b
    if request.param == "postgresql":
        drop_everything(a)


def disk(app, rel: str) -> str | None:
    path = app.config["ARTICLES_DIR"] / rel
    return path.read_text(encoding="utf-8") if path.exists() else None


def record(app, rel: str) -> ArticleFile | None:
    with app.app_context():
        row = db.session.scalars(sa.select(ArticleFile).filter_by(path=rel)).first()
        if row is not None:
            db.session.expunge(row)
        return row


def mirror(app):
    with app.app_context():
        return mirror_articles(app)


def edit(app, rel: str, body_suffix: str, base_version: str | None = None):
    """A writer's save on ``app`` of the article at ``rel`` (a body with ``body_suffix``)."""
    with app.test_request_context():
        store = app.extensions["article_store"].load()
        article = parse_article(disk(app, rel), store.root / rel, store.locales)
        editor = Editor(store, app.config["INSTANCE_DIR"], node=app.config["NODE_NAME"])
        loaded = editor.load(article.id, article.locale)
        draft = replace(Draft.from_article(loaded.article), body=loaded.article.body + body_suffix)
        return editor.save(
            draft,
            author=None,
            base_version=loaded.version if base_version is None else base_version,
            editing=(article.id, article.locale),
        )


def delete(app, article_id: str, locale: str = "en"):
    with app.test_request_context():
        store = app.extensions["article_store"].load()
        editor = Editor(store, app.config["INSTANCE_DIR"], node=app.config["NODE_NAME"])
        loaded = editor.load(article_id, locale)
        return editor.delete(article_id, locale, author=None, base_version=loaded.version)


def search_ids(app, query: str) -> list[str]:
    with app.test_request_context():
        results = get_search().search(query, locale="en", record=False)
    return [hit.id for hit in results.hits if hit.locale == "en"]


def keyword_ids(app, query: str) -> list[str]:
    """What the keyword index alone finds (the fake embedder's vectors match anything)."""
    with app.test_request_context():
        results = get_search().engine.search(query, locale="en", mode="keyword")
    return [hit.id for hit in results.hits if hit.locale == "en"]


# -- seeding and fresh nodes -------------------------------------------------------------


def test_the_first_start_on_an_empty_record_seeds_it_from_this_nodes_folder(nodes):
    a, _b = nodes
    outcome = mirror(a)

    expected = disk_paths(a.config["ARTICLES_DIR"])
    assert sorted(outcome.imported) == expected and "categories.yml" in expected
    row = record(a, RESET)
    assert row.content == disk(a, RESET) and row.version == 1 and row.changed_by == "a"
    manifest = Manifest.load(a.config["INSTANCE_DIR"])
    assert manifest.exists and manifest.get(RESET) == text_hash(disk(a, RESET))
    assert mirror(a).imported == []  # seeded once


def test_a_fresh_node_takes_the_record_for_every_path_and_records_the_files_it_lacks(nodes):
    a, b = nodes
    mirror(a)
    edit(a, RESET, "\nA glimmerquartz token also works.\n")
    delete(a, "change-email")
    extra = b.config["ARTICLES_DIR"] / "en" / "orders-delivery" / "only-on-b.md"
    extra.write_text(
        "---\nid: only-on-b\ntitle: Only on b\nlocale: en\ncategory: orders-delivery\n---\nB.\n",
        encoding="utf-8",
    )
    stale_copy = disk(b, RESET)
    assert not (b.config["INSTANCE_DIR"] / MANIFEST_NAME).exists()  # b never ran: a fresh node

    outcome = mirror(b)

    assert disk(b, RESET) == disk(a, RESET) != stale_copy
    assert disk(b, EMAIL) is None and record(b, EMAIL).content is None
    assert outcome.imported == ["en/orders-delivery/only-on-b.md"]
    assert record(a, "en/orders-delivery/only-on-b.md").changed_by == "b"
    mirror(a)
    assert disk(a, "en/orders-delivery/only-on-b.md") == extra.read_text(encoding="utf-8")


# -- stale nodes, deletions and the index ------------------------------------------------


def test_a_stale_node_takes_newer_texts_and_deletions_and_indexes_them(nodes):
    a, b = nodes
    mirror(a)
    mirror(b)
    run_worker(b)
    assert "change-email" in keyword_ids(b, "change your email address")

    edit(a, RESET, "\nA zorblefrost code also works.\n")
    delete(a, "change-email")
    outcome = mirror(b)

    assert outcome.pulled == [RESET] and outcome.deleted == [EMAIL]
    assert "zorblefrost" in disk(b, RESET) and disk(b, EMAIL) is None
    assert Manifest.load(b.config["INSTANCE_DIR"]).get(EMAIL) is None
    assert search_ids(b, "zorblefrost")[:1] == ["reset-password"]
    assert "change-email" not in keyword_ids(b, "change your email address")
    assert mirror(b).disk_changed is False  # applying is idempotent


def test_an_article_moved_to_another_category_moves_on_every_node(nodes):
    a, b = nodes
    mirror(a)
    mirror(b)
    with a.test_request_context():
        store = a.extensions["article_store"].load()
        editor = Editor(store, a.config["INSTANCE_DIR"])
        loaded = editor.load("reset-password", "en")
        draft = replace(Draft.from_article(loaded.article), category="orders-delivery")
        editor.save(
            draft, author=None, base_version=loaded.version, editing=("reset-password", "en")
        )
    moved = "en/orders-delivery/reset-password.md"
    assert record(a, RESET).content is None and record(a, moved).content == disk(a, moved)

    outcome = mirror(b)

    assert (outcome.pulled, outcome.deleted) == ([moved], [RESET])
    assert disk(b, RESET) is None and disk(b, moved) == disk(a, moved)


def test_a_node_that_was_down_catches_up_on_its_first_full_pull(nodes):
    a, b = nodes
    mirror(a)
    mirror(b)
    b.extensions.pop("replication")  # b stops: its worker forgets when it last pulled
    edit(a, RESET, "\nA quintarvel code also works.\n")
    delete(a, "change-email")

    outcome = mirror(b)

    assert (outcome.pulled, outcome.deleted) == ([RESET], [EMAIL])
    assert search_ids(b, "quintarvel")[:1] == ["reset-password"]


def test_a_nodes_web_processes_see_what_its_worker_mirrored_without_a_restart(nodes, tmp_path):
    a, b = nodes
    run_worker(a)
    run_worker(b)
    url = b.config["SQLALCHEMY_DATABASE_URI"]
    web = make_app(tmp_path / "node-b", b.config["ARTICLES_DIR"], url, EMBEDDER="fake")
    assert keyword_ids(web, "plumfeather") == []
    with a.test_request_context():
        store = a.extensions["article_store"]
        draft = Draft(
            article_id="gift-wrapping",
            locale="en",
            category="orders-delivery",
            title="Gift wrapping",
            body="Choose the plumfeather paper.\n",
            status="published",
        )
        Editor(store, a.config["INSTANCE_DIR"]).save(draft, author=None, base_version="")

    run_worker(b)  # b's worker: another process than b's web processes

    assert keyword_ids(web, "plumfeather") == ["gift-wrapping"]  # the new generation
    web.extensions["article_store"]._checked_at = 0  # its next look at the folder
    assert web.test_client().get("/en/articles/gift-wrapping").status_code == 200


# -- files a writer changed on a node's disk ---------------------------------------------


def test_a_file_changed_on_this_nodes_disk_is_left_by_the_mirror_and_recorded_by_sync(nodes):
    a, b = nodes
    mirror(a)
    mirror(b)
    path = b.config["ARTICLES_DIR"] / RESET
    path.write_text(path.read_text(encoding="utf-8") + "\nEdited in git.\n", encoding="utf-8")
    (b.config["ARTICLES_DIR"] / EMAIL).unlink()

    assert sorted(mirror(b).kept_local) == [EMAIL, RESET]
    assert "Edited in git." not in record(b, RESET).content

    result = b.test_cli_runner().invoke(cli, ["articles", "sync"])

    assert result.exit_code == 0, result.output
    assert "2 recorded from this node" in result.output
    assert "Edited in git." in record(a, RESET).content and record(a, EMAIL).content is None
    mirror(a)
    assert "Edited in git." in disk(a, RESET) and disk(a, EMAIL) is None
    with a.app_context():
        notes = [r.note for r in db.session.scalars(sa.select(Revision).order_by(Revision.id))]
    assert sorted(notes) == ["deleted", "on-disk"]


def test_a_file_changed_here_and_on_another_node_keeps_the_record_and_the_local_text(nodes):
    a, b = nodes
    mirror(a)
    mirror(b)
    edit(a, RESET, "\nSaved in the browser on a.\n")
    path = b.config["ARTICLES_DIR"] / RESET
    local = path.read_text(encoding="utf-8") + "\nEdited in git on b.\n"
    path.write_text(local, encoding="utf-8")

    result = b.test_cli_runner().invoke(cli, ["articles", "sync"])

    assert "CONFLICT " + RESET in result.output
    assert disk(b, RESET) == record(b, RESET).content and "on a." in disk(b, RESET)
    with b.app_context():
        kept = db.session.scalars(sa.select(Revision).filter_by(note="on-disk")).all()
        assert local in [revision.content for revision in kept]


# -- two writers at once -----------------------------------------------------------------


def test_a_save_on_a_stale_copy_is_refused_with_the_other_nodes_text(nodes):
    a, b = nodes
    mirror(a)
    mirror(b)
    with b.test_request_context():
        store = b.extensions["article_store"]
        opened = Editor(store, b.config["INSTANCE_DIR"]).load("reset-password", "en").version
    edit(a, RESET, "\nSaved first, on a.\n")

    with pytest.raises(Conflict) as refused:
        edit(b, RESET, "\nSaved second, on b.\n", base_version=opened)

    assert "Saved first, on a." in refused.value.current_text
    assert disk(b, RESET) == disk(a, RESET)  # b's copy was brought up to date
    assert "on b." not in record(a, RESET).content and record(a, RESET).version == 2
    edit(b, RESET, "\nSaved again, on b.\n", base_version=refused.value.current_version)
    assert "Saved again, on b." in record(a, RESET).content


def test_two_saves_racing_on_two_nodes_cannot_both_win(nodes, monkeypatch):
    a, b = nodes
    mirror(a)
    mirror(b)
    # a's save commits between b's look at the record and b's write of it.
    monkeypatch.setattr(type(replica_for(b)), "pull", lambda self, rel: False)
    edit(a, RESET, "\nSaved on a.\n")

    with pytest.raises(Conflict) as refused:
        edit(b, RESET, "\nSaved on b.\n")

    assert "Saved on a." in refused.value.current_text
    assert "on b." not in record(a, RESET).content and "on b." not in disk(b, RESET)
    with b.app_context():
        texts = db.session.scalars(sa.select(Revision.content)).all()
    assert not [text for text in texts if "Saved on b." in text]


def test_the_record_changes_only_from_the_version_its_writer_read(nodes):
    a, _b = nodes
    with a.app_context():
        write("en/x/y.md", "one", base={None}, node="a")
        db.session.commit()
        write("en/x/y.md", "two", base={text_hash("one")}, node="a")
        db.session.commit()
        with pytest.raises(StaleRecord):
            write("en/x/y.md", "three", base={text_hash("one")}, node="b")
        db.session.rollback()
        with pytest.raises(ValueError):
            write("../outside.md", "x", base={None}, node="a")
    row = record(a, "en/x/y.md")
    assert (row.content, row.version) == ("two", 2)


def test_a_record_naming_a_path_outside_the_articles_folder_is_never_written(nodes, tmp_path):
    a, b = nodes
    mirror(a)
    with a.app_context():
        db.session.add(ArticleFile(path="../../escape.md", content="x", content_hash="h"))
        db.session.commit()

    mirror(b)

    assert not list(tmp_path.rglob("escape.md"))


# -- the index catches up ----------------------------------------------------------------


def test_an_index_left_behind_by_a_crash_catches_up_when_the_worker_starts(nodes):
    a, _b = nodes
    run_worker(a)
    edit(a, RESET, "\nA plumfeather code also works.\n")  # saved; the worker never ran
    assert "reset-password" not in keyword_ids(a, "plumfeather")

    Worker(a).run_duties(force=True)

    assert keyword_ids(a, "plumfeather") == ["reset-password"]


def test_a_damaged_index_serves_its_keyword_part_until_the_worker_rebuilds_it(nodes):
    a, _b = nodes
    run_worker(a)
    index = a.config["INDEX_DIR"]
    current = index / (index / "CURRENT").read_text().strip()
    victim = next((current / "vectors").rglob("*.npy"))
    victim.write_bytes(b"\0" * 64 + victim.read_bytes()[64:])
    with a.test_request_context():
        search = get_search()
        search._engine = None  # a web process started after the damage
        damaged = search.search("reset your password", locale="en", record=False)
    # The keyword part is intact: it is served, and the answer says what is missing.
    assert [hit.id for hit in damaged.hits][:1] == ["reset-password"]
    assert damaged.mode == "keyword" and "damaged" in damaged.degraded
    assert (index / "CURRENT").read_text().strip() == current.name  # not rebuilt by a search

    run_worker(a)

    with a.test_request_context():
        repaired = get_search().search("reset your password", locale="en", record=False)
    assert repaired.mode == "hybrid" and repaired.degraded is None
    assert (index / "CURRENT").read_text().strip() != current.name
    fresh = a.extensions["search"].engine.__class__(index, embedder="fake")
    assert fresh.status()["damage"] is None  # the damaged vectors were not copied forward


def test_a_missing_index_answers_nothing_and_says_so_until_the_worker_builds_it(nodes):
    a, _b = nodes
    with a.test_request_context():
        missing = get_search().search("reset your password", locale="en", record=False)
    assert missing.hits == () and missing.degraded == INDEX_UNAVAILABLE
    run_worker(a)
    assert search_ids(a, "reset your password")[:1] == ["reset-password"]


def test_duty_intervals_come_from_the_apps_settings(nodes):
    a, _b = nodes
    a.config.update(MIRROR_SECONDS=7.0, INDEX_CATCH_UP_SECONDS=90.0)
    every = {duty.name: duty.every for duty in Worker(a).duties}
    assert (every["mirror_articles"], every["index_catch_up"]) == (7.0, 90.0)
