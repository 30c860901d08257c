"""Input no view can use gets a clear 400 before any view runs, never a 500."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

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


# -- found by tests/test_fuzz_routes.py ----------------------------------------------

STAFF_PASSWORD = "correct-horse-battery"


def signed_in(app, *roles: str):
    """A client signed in as a new staff member with ``roles``."""
    from portal.users import save_user

    email = f"{'-'.join(roles)}@example.com"
    with app.app_context():
        save_user(email, STAFF_PASSWORD, roles=roles)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("body", ["5", "[1, 2]", '"text"', '{"email": 5}', '{"email": {"a": 1}}'])
@pytest.mark.parametrize("path", ["/login", "/en/contact", "/en/requests", "/tickets/not-a-token"])
def test_json_a_form_cannot_read_is_a_400_not_a_500(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400


def test_a_form_sent_as_a_json_object_of_text_is_still_read(app):
    from portal.users import save_user

    with app.app_context():
        save_user("kim@example.com", STAFF_PASSWORD, roles=("agent",))
    body = json.dumps({"email": "kim@example.com", "password": STAFF_PASSWORD})
    response = app.test_client().post("/login", data=body, content_type="application/json")
    assert response.status_code == 302  # signed in


@pytest.mark.parametrize("field", ["subject", "description", "name"])
def test_json_with_a_lone_surrogate_is_refused_before_it_reaches_the_database(client, app, field):
    fields = {
        "email": "a@example.com",
        "name": "A",
        "subject": "Where is my parcel",
        "description": "It has not arrived yet, please help.",
        "locale": "en",
    }
    body = json.dumps(fields)[:-1] + f', "{field}": "x\\ud800"}}'
    response = client.post("/api/v1/tickets", data=body, content_type="application/json")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Ticket).count() == 0


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "role, method, path",
    [
        ("admin", "POST", f"/admin/jobs/{HUGE}/retry"),
        ("admin", "POST", f"/admin/mail/{HUGE}/resend"),
        ("admin", "POST", f"/admin/jobs/{2**31}/retry"),
        ("agent", "GET", f"/agent/mail/{HUGE}.eml"),
        ("agent", "GET", f"/agent/mail/attachments/{HUGE}"),
        ("writer", "GET", f"/write/revisions/{HUGE}"),
        ("writer", "POST", f"/write/revisions/{HUGE}/restore"),
        ("writer", "GET", f"/write/en/reset-password/diff?a={HUGE}"),
        ("writer", "GET", "/write/en/reset-password/diff?a=%C2%B2"),  # "²".isdigit()
    ],
)
def test_an_id_no_database_integer_holds_is_not_found(app, role, method, path):
    response = signed_in(app, role).open(path, method=method)
    assert response.status_code == 404


@pytest.mark.parametrize("assignee", [HUGE, "%C2%B2", str(2**31 - 1)])
def test_the_queue_ignores_an_assignee_no_database_integer_holds(app, assignee):
    assert signed_in(app, "agent").get(f"/agent/?assignee={assignee}").status_code == 200


def test_database_id_reads_only_ids_a_database_holds():
    from portal.guards import MAX_DATABASE_ID, database_id

    assert database_id("42") == 42
    assert database_id(str(MAX_DATABASE_ID)) == MAX_DATABASE_ID
    for text in (str(MAX_DATABASE_ID + 1), HUGE, "²", "١", "-1", "1.0", "", None, "9" * 5000):
        assert database_id(text) is None


def test_the_mail_webhook_reads_its_own_body_whatever_its_content_type(app):
    app.config.update(INBOUND_SECRET="s3cret", INBOUND_ADDRESS="support@help.example.com")
    message = b"From: kim@example.com\r\nSubject: Parcel\r\n\r\nWhere is my parcel?\r\n"
    response = app.test_client().post(
        "/api/v1/inbound/email",
        data=message,
        headers={"Authorization": "Bearer s3cret", "Content-Type": "application/json"},
    )
    assert response.status_code == 202


@pytest.fixture
def nul_refused(app):
    """The app's SQLite refusing NUL in any statement's text, as PostgreSQL does."""
    from tests.conftest import refuse_what_postgresql_refuses

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", refuse_what_postgresql_refuses)
    return app


@pytest.mark.parametrize(
    "role, path",
    [
        ("agent", "/agent/tickets/%00"),
        ("agent", "/write/from-ticket/HM-%00"),
        ("writer", "/write/en/%00/history"),
        ("writer", "/write/en/reset-password%00/edit"),
    ],
)
def test_a_nul_character_in_a_path_is_not_found_without_asking_the_database(
    nul_refused, role, path
):
    assert signed_in(nul_refused, role).get(path).status_code == 404


def test_a_nul_character_in_the_sign_in_form_is_refused_before_any_lookup(nul_refused):
    client = nul_refused.test_client()
    response = client.post("/login", data={"email": "kim\x00@example.com", "password": "x"})
    assert response.status_code == 400


def test_a_nul_character_in_an_agents_reply_is_refused_with_the_draft_kept(nul_refused):
    from portal.tickets.service import TicketInput, file_ticket

    with nul_refused.test_request_context():
        reference = file_ticket(
            TicketInput(
                email="kim@example.com",
                name="Kim",
                subject="Where is my parcel",
                description="It has not arrived yet, please help.",
                locale="en",
            )
        ).ticket.reference
    client = signed_in(nul_refused, "agent")
    response = client.post(
        f"/agent/tickets/{reference}/messages",
        data={"body": "Your parcel left today\x00", "status": "pending", "send": "1"},
    )
    assert response.status_code == 400
    assert "Your parcel left today" in response.get_data(as_text=True)


def test_every_form_of_the_site_refuses_nul_characters(app):  # app: every form imported
    from flask_wtf import FlaskForm

    from portal.guards import GuardedForm

    pending, forms = list(FlaskForm.__subclasses__()), []
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.startswith("portal.") and form.__module__ != "portal.guards":
            forms.append(form)
    assert forms
    assert [f.__qualname__ for f in forms if not issubclass(f, GuardedForm)] == []
