"""A locked, read-only or unreachable database never costs a customer their words and never
answers 500 (issue 24.1): the form comes back filled in, the API says 503 with Retry-After."""

from __future__ import annotations

import sqlite3

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import Ticket, TicketMessage
from tests.conftest import make_app

WORDS = "my order never arrived and these are my precious words"
CONTACT = {
    "email": "kim@example.com",
    "name": "Kim",
    "subject": "Where is my parcel",
    "description": WORDS,
    "locale": "en",
    "submission_key": "a-fresh-form-key",
}
API_TICKET = {
    "email": "kim@example.com",
    "name": "Kim",
    "subject": "Where is my parcel",
    "description": WORDS,
    "locale": "en",
}
QUICK = {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.2}}, "TESTING": False}


@pytest.fixture
def shop(tmp_path, articles_dir):
    """An app on a SQLite file with one ticket filed, and that ticket's private token."""
    app = make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'shop.db'}", **QUICK)
    response = app.test_client().post("/api/v1/tickets", json=API_TICKET)
    assert response.status_code == 201
    return app, response.get_json()["url"].rsplit("/", 1)[1]


@pytest.fixture
def locked(shop, tmp_path):
    """Another process holds ``BEGIN EXCLUSIVE`` on the database file."""
    holder = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield shop
    holder.execute("ROLLBACK")
    holder.close()


@pytest.fixture
def read_only(shop, tmp_path, articles_dir):
    """The same site on the same database opened read-only."""
    app, token = shop
    config = {
        **app.config,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{tmp_path / 'shop.db'}?mode=ro&uri=true",
    }
    return create_app(config), token


def ticket_count(app) -> tuple[int, int]:
    with app.app_context():
        return db.session.query(Ticket).count(), db.session.query(TicketMessage).count()


@pytest.fixture(params=["locked", "read_only"])
def unavailable(request):
    return request.getfixturevalue(request.param)


def test_the_contact_form_comes_back_filled_in_when_the_database_is_unavailable(unavailable):
    app, _token = unavailable
    response = app.test_client().post("/en/contact", data=CONTACT)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert WORDS in response.get_data(as_text=True)


def test_the_api_answers_503_with_retry_after_when_the_database_is_unavailable(unavailable):
    app, _token = unavailable
    response = app.test_client().post("/api/v1/tickets", json=API_TICKET)
    assert response.status_code == 503
    assert response.is_json and int(response.headers["Retry-After"]) > 0


def test_a_reply_on_the_private_page_is_given_back_when_the_database_is_unavailable(
    unavailable,
):
    app, token = unavailable
    response = app.test_client().post(f"/tickets/{token}", data={"body": WORDS})
    assert response.status_code == 503
    assert WORDS in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", "/en/", None),
        ("get", "/en/articles/reset-password", None),
        ("post", "/en/articles/reset-password/vote", {"helpful": "no"}),
        ("post", "/en/contact/answered", {"article_id": "reset-password"}),
    ],
)
def test_no_page_answers_500_when_the_database_is_unavailable(unavailable, method, path, data):
    app, _token = unavailable
    client = app.test_client()
    response = client.get(path) if method == "get" else client.post(path, data=data)
    assert response.status_code in (200, 302, 503), response.status_code
    if response.status_code == 503:
        assert response.headers["Retry-After"]


def test_nothing_is_half_saved_while_the_database_is_locked(shop, tmp_path):
    app, token = shop
    before = ticket_count(app)
    holder = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    client = app.test_client()
    client.post("/en/contact", data=CONTACT)
    client.post("/api/v1/tickets", json=API_TICKET)
    client.post(f"/tickets/{token}", data={"body": WORDS})
    holder.execute("ROLLBACK")
    holder.close()
    assert ticket_count(app) == before


def test_after_the_lock_the_same_form_files_exactly_one_ticket(shop, tmp_path):
    app, _token = shop
    holder = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    assert app.test_client().post("/en/contact", data=CONTACT).status_code == 503
    holder.execute("ROLLBACK")
    holder.close()
    before = ticket_count(app)
    client = app.test_client()
    assert client.post("/en/contact", data=CONTACT).status_code == 302
    assert client.post("/en/contact", data=CONTACT).status_code == 302  # sent twice
    assert ticket_count(app) == (before[0] + 1, before[1] + 1)
