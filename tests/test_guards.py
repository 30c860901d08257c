"""Input no view can use gets a clear 400 before any view runs, never a 500."""

from __future__ import annotations

import io
import json

import pytest

from portal.extensions import db
from portal.models import Ticket

STATE_CHANGING = [
    ("/en/contact", {"subject": "s", "description": "d", "email": "a@example.com"}),
    ("/en/articles/reset-password/vote", {"helpful": "no", "reason": "r"}),
    ("/tickets/not-a-real-token", {"body": "hello"}),
    ("/login", {"email": "a@example.com", "password": "x"}),
    ("/write/new", {"body": "text"}),
    ("/agent/tickets/HM-AAAAAAA/messages", {"body": "text"}),
]


@pytest.mark.parametrize("path, fields", STATE_CHANGING)
def test_a_text_field_sent_as_a_file_is_refused_clearly(client, path, fields):
    name = next(iter(fields))
    data = dict(fields)
    data[name] = (io.BytesIO(b"uploaded instead of typed"), "x.txt")
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["subject", "description"])
def test_a_nul_character_in_the_contact_form_is_refused_with_the_text_kept(client, app, field):
    data = {
        "email": "kim@example.com",
        "name": "Kim",
        "subject": "Where is my parcel",
        "description": "It has not arrived yet, please help.",
        "locale": "en",
    }
    data[field] = data[field] + "\x00"
    response = client.post("/en/contact", data=data)
    assert response.status_code == 400
    assert "It has not arrived yet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Ticket).count() == 0


def test_json_nested_a_thousand_deep_is_a_400_not_a_500(client, app):
    body = "[" * 1000 + "]" * 1000
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json
    with app.app_context():
        assert db.session.query(Ticket).count() == 0


def test_json_with_a_nul_character_is_refused_before_it_reaches_the_database(client, app):
    body = json.dumps(
        {
            "email": "a@example.com",
            "name": "A",
            "subject": "nul \u0000 here",
            "description": "text",
            "locale": "en",
        }
    )
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Ticket).count() == 0


def test_a_nul_character_in_a_query_parameter_is_refused(client):
    assert client.get("/en/search", query_string={"q": "a\x00b"}).status_code == 400


def test_an_enormous_search_log_number_in_an_article_link_is_harmless(client):
    response = client.get("/en/articles/reset-password?sl=99999999999999999999")
    assert response.status_code == 200
