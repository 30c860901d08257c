"""Shared fixtures: a fresh app, database and article folder per test (flaskr-style)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from portal.guards import is_unicode

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = Path(__file__).parent / "data"
TEST_ARTICLES = DATA / "articles"
TEST_EMBEDDER = os.environ.get("PORTAL_TEST_EMBEDDER", "auto")


def database_backends() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server."""
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(scope="session")
def built_index(tmp_path_factory) -> Path:
    """The search index of the test articles, built once per session with the real model."""
    from indexer import SearchEngine
    from portal.search import indexable
    from portal.store import ArticleStore

    index_dir = tmp_path_factory.mktemp("index")
    store = ArticleStore(TEST_ARTICLES).load()
    SearchEngine(index_dir, embedder=TEST_EMBEDDER).build(indexable(store))
    return index_dir


@pytest.fixture
def articles_dir(tmp_path) -> Path:
    """A private copy of the two-locale test articles, safe to modify."""
    dest = tmp_path / "articles"
    shutil.copytree(TEST_ARTICLES, dest)
    return dest


def make_app(tmp_path: Path, articles_dir: Path, database_url: str, **overrides):
    """Build a testing app on ``articles_dir`` with a migrated database."""
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_DIR": tmp_path / "instance",
        "ARTICLES_DIR": articles_dir,
        "INDEX_DIR": tmp_path / "index",
        "EMBEDDER": TEST_EMBEDDER,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def refuse_what_postgresql_refuses(conn, cursor, statement, parameters, context, many):
    """SQLite stores NUL characters; PostgreSQL refuses them in text (and no database takes
    a lone surrogate). Refusing both here makes the fuzzed SQLite app fail where PostgreSQL
    would, without paying for a server (a ``before_cursor_execute`` listener)."""
    pending = [parameters]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, str) and ("\x00" in value or not is_unicode(value)):
            raise AssertionError(f"a statement PostgreSQL refuses: {value[:80]!r}")


def drop_everything(app) -> None:
    """Leave a shared PostgreSQL database empty for the next test."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, articles_dir):
    """A testing app on SQLite with the test articles (no search index: see search_app)."""
    return make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def search_app(tmp_path, articles_dir, built_index):
    """A testing app whose search index (a private copy) is built from the test articles."""
    shutil.copytree(built_index, tmp_path / "index")
    return make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def search_client(search_app):
    """A test client for the app with a search index."""
    return search_app.test_client()


@pytest.fixture(params=database_backends())
def db_app(request, tmp_path, articles_dir):
    """The testing app on each configured database backend (SQLite, PostgreSQL)."""
    if request.param == "postgresql":
        from portal.config import database_url

        url = database_url(os.environ["TEST_DATABASE_URL"])
    else:
        url = f"sqlite:///{tmp_path / 'test.db'}"
    app = make_app(tmp_path, articles_dir, url)
    yield app
    if request.param == "postgresql":
        drop_everything(app)


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


# -- the widget's API (issue 27): the fake embedder, the shop's origin listed --------------

SHOP = "https://shop.example.com"


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory):
    """The test articles indexed with the fake embedder, once for the session."""
    from indexer import SearchEngine
    from portal.search import indexable
    from portal.store import ArticleStore

    index_dir = tmp_path_factory.mktemp("widget-index")
    SearchEngine(index_dir, embedder="fake").build(indexable(ArticleStore(TEST_ARTICLES).load()))
    return index_dir


@pytest.fixture
def widget_app(tmp_path, articles_dir, fake_index):
    """An app with that index, the shop's origin listed, and an answer line of 0 (every
    first hit answers) unless a test sets another."""
    shutil.copytree(fake_index, tmp_path / "index")
    return make_app(
        tmp_path,
        articles_dir,
        f"sqlite:///{tmp_path / 'test.db'}",
        EMBEDDER="fake",
        WIDGET_ORIGINS=(SHOP,),
        ANSWER_MIN_CONFIDENCE=0.0,
        ANSWER_MIN_CROSS_LINGUAL=0.0,
    )


@pytest.fixture
def api(widget_app):
    """A test client of ``widget_app``."""
    return widget_app.test_client()
