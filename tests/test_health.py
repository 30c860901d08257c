"""Load-balancer probes: /healthz says the process answers, /readyz that it can serve."""

from __future__ import annotations

import sqlite3

from portal.search import get_search


def test_healthz_answers_without_a_cookie_or_a_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_waits_for_an_index(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert any("search index" in p for p in response.get_json()["problems"])


def test_readyz_is_ready_once_the_index_is_open_and_warm(search_app):
    client = search_app.test_client()
    assert client.get("/readyz").status_code == 503  # warming up
    with search_app.app_context():
        assert get_search().warm_up()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "ready"


def test_readyz_says_when_the_database_cannot_answer(search_app, tmp_path):
    with search_app.app_context():
        get_search().warm_up()
    search_app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 0.1}}
    holder = sqlite3.connect(tmp_path / "test.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        response = search_app.test_client().get("/readyz")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code in (200, 503)  # SQLite may still read; never a 500
