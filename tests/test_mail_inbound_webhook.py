"""``POST /api/v1/inbound/email`` and the agents' downloads of what mail carried."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import InboundAttachment, InboundEmail, Ticket
from portal.users import save_user

MAIL = Path(__file__).parent / "data" / "mail"
SECRET = "inbound-test-secret"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def hook_app(app):
    app.config.update(INBOUND_SECRET=SECRET, INBOUND_ADDRESS="support@help.example.com")
    return app


@pytest.fixture
def hook(hook_app):
    return hook_app.test_client()


def post(client, name_or_bytes, secret: str | None = SECRET):
    body = (
        name_or_bytes if isinstance(name_or_bytes, bytes) else (MAIL / name_or_bytes).read_bytes()
    )
    headers = {"Content-Type": "message/rfc822"}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.post("/api/v1/inbound/email", data=body, headers=headers)


def tickets(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(Ticket.id))).scalar_one()


def test_a_posted_message_files_a_ticket_and_answers_202_with_its_reference(hook, hook_app):
    response = post(hook, "korean_qp.eml")
    assert response.status_code == 202
    data = response.get_json()
    assert data["outcome"] == "new_ticket" and data["reference"].startswith("HM-")
    assert not data["duplicate"]
    with hook_app.app_context():
        ticket = db.session.execute(sa.select(Ticket)).scalar_one()
        assert (ticket.reference, ticket.channel, ticket.locale) == (
            data["reference"],
            "email",
            "ko",
        )


def test_the_same_message_posted_twice_answers_200_with_the_same_ticket(hook, hook_app):
    first = post(hook, "english_base64.eml").get_json()
    again = post(hook, "english_base64.eml")
    assert again.status_code == 200
    assert again.get_json()["reference"] == first["reference"] and again.get_json()["duplicate"]
    assert tickets(hook_app) == 1


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x", ""])
def test_without_the_secret_the_webhook_answers_401_and_files_nothing(hook, hook_app, secret):
    response = post(hook, "english_base64.eml", secret=secret)
    assert response.status_code == 401
    assert tickets(hook_app) == 0


def test_with_no_secret_configured_the_webhook_is_closed(app):
    response = post(app.test_client(), "english_base64.eml", secret="")
    assert response.status_code == 401


def test_a_message_over_the_size_limit_answers_413(hook, hook_app):
    hook_app.config["INBOUND_MAX_BYTES"] = 200
    response = post(hook, "english_base64.eml")
    assert response.status_code == 413
    assert tickets(hook_app) == 0


def test_an_empty_body_answers_400(hook):
    assert post(hook, b"  \r\n").status_code == 400


def test_the_webhook_needs_no_csrf_token_even_when_csrf_is_on(hook, hook_app):
    hook_app.config["WTF_CSRF_ENABLED"] = True
    assert post(hook, "english_base64.eml").status_code == 202


def test_a_database_outage_answers_503_so_the_provider_retries(hook, hook_app, monkeypatch):
    from portal.mail import views
    from portal.mail.inbound import IngestError

    def down(*_a, **_k):
        raise IngestError("database down")

    monkeypatch.setattr(views, "ingest", down)
    assert post(hook, "english_base64.eml").status_code == 503


def agent_client(app):
    client = app.test_client()
    with app.app_context():
        save_user("agent@example.com", PASSWORD, roles=("agent",))
        save_user("writer@example.com", PASSWORD, roles=("writer",))
    return client


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_agents_download_an_accepted_attachment_and_the_raw_mail(hook, hook_app):
    post(hook, "attachments.eml")
    client = agent_client(hook_app)
    with hook_app.app_context():
        pdf = db.session.execute(
            sa.select(InboundAttachment).where(InboundAttachment.filename == "receipt.pdf")
        ).scalar_one()
        refused = db.session.execute(
            sa.select(InboundAttachment).where(InboundAttachment.filename == "invoice.pdf")
        ).scalar_one()
        email_id = db.session.execute(sa.select(InboundEmail.id)).scalar_one()
    sign_in(client, "agent@example.com")
    response = client.get(f"/agent/mail/attachments/{pdf.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith(b"%PDF")
    assert client.get(f"/agent/mail/attachments/{refused.id}").status_code == 404
    raw = client.get(f"/agent/mail/{email_id}.eml")
    assert raw.status_code == 200 and raw.data == (MAIL / "attachments.eml").read_bytes()


def test_anonymous_visitors_and_non_agents_cannot_download_mail(hook, hook_app):
    post(hook, "attachments.eml")
    client = agent_client(hook_app)
    assert client.get("/agent/mail/attachments/1").status_code == 302  # to the login page
    assert client.get("/agent/mail/1.eml").status_code == 302
    sign_in(client, "writer@example.com")
    assert client.get("/agent/mail/attachments/1").status_code == 403
    assert client.get("/agent/mail/1.eml").status_code == 403
