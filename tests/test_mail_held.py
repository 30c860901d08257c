"""Held incoming mail (issue 23, "a sender flooding the mailbox is throttled"; agent-side
checks that failed): admins see it, release it as a customer's mail or discard it, once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail import held
from portal.mail.inbound import ingest
from portal.models import InboundEmail, OutboxMessage, Ticket, TicketMessage
from portal.users import save_user

PASSWORD = "correct-horse-battery"


def mail(number: int, sender: str = "pat@example.com", **extra) -> bytes:
    headers = {
        "From": f"Pat <{sender}>",
        "To": "support@help.example.com",
        "Subject": f"Question {number}",
        "Message-ID": f"<flood-{number}@example.com>",
        **extra,
    }
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return f"{head}\r\nWhere is my order {number}?\r\n".encode()


@pytest.fixture
def mail_app(db_app):
    db_app.config.update(
        INBOUND_ADDRESS="support@help.example.com",
        PUBLIC_URL="https://help.example.com",
        SERVER_NAME="help.example.com",
        PREFERRED_URL_SCHEME="https",
        INBOUND_SENDER_LIMIT_PER_HOUR=2,
    )
    with db_app.app_context():
        save_user("admin@example.com", PASSWORD, roles=("admin",), name="Ada")
        save_user("agent@example.com", PASSWORD, roles=("agent",), name="Sam")
        db.session.commit()
        yield db_app


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def flood() -> InboundEmail:
    """Two mails filed, the third held."""
    for number in (1, 2):
        assert ingest(mail(number)).outcome == "new_ticket"
    result = ingest(mail(3))
    assert result.outcome == "held"
    return db.session.get(InboundEmail, result.inbound_id)


def test_a_released_flood_mail_is_filed_with_its_acknowledgment(mail_app):
    record = flood()
    assert [m.id for m in held.held_mail()] == [record.id] and held.held_count() == 1
    result = held.release(record.id, "admin@example.com")
    assert result.outcome == "new_ticket" and result.reference
    db.session.refresh(record)
    assert record.outcome == "new_ticket" and record.ticket_id == result.ticket_id
    assert "released" in record.reason and "admin@example.com" in record.reason
    assert "hourly limit" in record.reason
    assert count(Ticket) == 3
    assert (
        db.session.execute(
            sa.select(sa.func.count()).where(
                OutboxMessage.kind == "ticket_received", OutboxMessage.ticket_id == result.ticket_id
            )
        ).scalar_one()
        == 1
    )
    assert held.held_count() == 0


def test_a_mail_is_released_once_and_a_discarded_one_never(mail_app):
    record = flood()
    assert held.release(record.id, "admin@example.com") is not None
    assert held.release(record.id, "admin@example.com") is None  # a second click
    assert held.discard(record.id, "admin@example.com") is None
    assert count(Ticket) == 3
    other = ingest(mail(4))
    assert other.outcome == "held"
    assert held.discard(other.inbound_id, "admin@example.com").outcome == "discarded"
    assert held.release(other.inbound_id, "admin@example.com") is None
    assert count(Ticket) == 3
    assert ingest(mail(4)).duplicate  # a re-delivery of a discarded mail is still known


def test_a_released_reply_continues_its_ticket(mail_app):
    flood()
    first = db.session.execute(sa.select(Ticket).order_by(Ticket.id)).scalars().first()
    result = ingest(mail(5, Subject=f"Re: [{first.reference}] Question 1"))
    assert result.outcome == "held"
    released = held.release(result.inbound_id, "admin@example.com")
    assert (released.outcome, released.ticket_id) == ("follow_up", first.id)
    assert [m.author_type for m in db.session.get(Ticket, first.id).messages] == [
        "customer",
        "customer",
    ]


def test_a_new_mail_from_an_agents_address_released_is_filed_as_a_customer_ticket(mail_app):
    result = ingest(mail(6, sender="agent@example.com"))
    assert result.outcome == "held"
    released = held.release(result.inbound_id, "admin@example.com")
    assert released.outcome == "new_ticket"
    ticket = db.session.get(Ticket, released.ticket_id)
    assert ticket.email == "agent@example.com"
    assert (
        db.session.execute(
            sa.select(TicketMessage.author_type).where(TicketMessage.ticket_id == ticket.id)
        ).scalar_one()
        == "customer"
    )


def test_a_held_mail_whose_raw_file_is_gone_stays_held(mail_app):
    from portal.mail.inbound import IngestError, mail_dir

    record = flood()
    (mail_dir(mail_app.config) / record.raw_path).unlink()
    with pytest.raises(IngestError):
        held.release(record.id, "admin@example.com")
    assert db.session.get(InboundEmail, record.id).outcome == "held"


def login(client, email: str) -> None:
    client.post("/login", data={"email": email, "password": PASSWORD})


def test_admins_review_held_mail_in_the_browser(mail_app):
    record = flood()
    client = mail_app.test_client()
    login(client, "admin@example.com")
    assert b"/admin/mail/held" in client.get("/admin/jobs").data
    page = client.get("/admin/mail/held")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Question 3" in text and "sender over the hourly limit" in text
    assert f"/agent/mail/{record.id}.eml" in text
    response = client.post(f"/admin/mail/held/{record.id}/release", follow_redirects=True)
    assert "The mail was filed on HM-" in response.get_data(as_text=True)
    assert "No incoming mail is held." in response.get_data(as_text=True)
    again = client.post(f"/admin/mail/held/{record.id}/discard", follow_redirects=True)
    assert "no longer held" in again.get_data(as_text=True)


def test_held_mail_is_for_admins_only(mail_app):
    record = flood()
    client = mail_app.test_client()
    assert client.get("/admin/mail/held").status_code == 302  # to the login page
    assert client.post(f"/admin/mail/held/{record.id}/release").status_code == 302
    login(client, "agent@example.com")
    assert client.get("/admin/mail/held").status_code == 403
    assert client.post(f"/admin/mail/held/{record.id}/release").status_code == 403
    assert client.post(f"/admin/mail/held/{record.id}/discard").status_code == 403
    assert db.session.get(InboundEmail, record.id).outcome == "held"
