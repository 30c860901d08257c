"""Privacy by design (issue 28.5): a customer downloads everything kept about their address and
can have it erased (tickets anonymised, mail and attachments deleted) while analytics keep
their counts; the search log's retention is a setting."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from portal.analytics.service import Period, self_service
from portal.customers.privacy import (
    ERASED_TEXT,
    customer_data,
    erase_customer,
    erased_address,
    purge_search_log,
)
from portal.extensions import db
from portal.models import (
    AccessLink,
    InboundAttachment,
    InboundEmail,
    OutboxMessage,
    SearchLog,
    Ticket,
    TicketMessage,
    utcnow,
)
from tests.test_customers import file, sign_in

KIM = "kim@example.com"


def add_inbound(app, ticket_ref: str, sha: str = "ab" * 32) -> tuple[str, str]:
    """A received mail with one stored attachment, files on disk; their paths."""
    from portal.mail.inbound import attachment_path, mail_dir

    with app.app_context():
        ticket = db.session.execute(sa.select(Ticket).filter_by(reference=ticket_ref)).scalar_one()
        directory = mail_dir(app.config)
        raw = directory / "inbound" / "cd" / "raw.eml"
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_bytes(b"From: kim@example.com\r\n\r\nmy phone is 010-1234-5678\r\n")
        attached = attachment_path(directory, sha)
        attached.parent.mkdir(parents=True, exist_ok=True)
        attached.write_bytes(b"%PDF-1.4 my invoice")
        mail = InboundEmail(
            message_id=f"<{sha[:8]}@example.com>",
            raw_path="inbound/cd/raw.eml",
            raw_sha256="cd" * 32,
            size=60,
            from_email=KIM,
            subject="My invoice",
            source="webhook",
            outcome="new_ticket",
            ticket_id=ticket.id,
        )
        db.session.add(mail)
        db.session.flush()
        db.session.add(
            InboundAttachment(
                email_id=mail.id,
                ticket_id=ticket.id,
                filename="invoice-kim.pdf",
                content_type="application/pdf",
                size=19,
                sha256=sha,
            )
        )
        db.session.commit()
        return raw, attached


def test_a_signed_in_customer_downloads_their_data(app, client):
    reference = file(app, KIM, "Parcel with my address")
    file(app, "other@example.com", "Someone else's parcel")
    sign_in(app, client, KIM)
    response = client.get("/en/requests/mine/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["email"] == KIM
    assert [t["reference"] for t in data["tickets"]] == [reference]
    assert data["tickets"][0]["messages"][0]["body"] == "Where is my parcel, please?"
    assert any(m["kind"] == "ticket_received" for m in data["emails_sent_to_you"])
    assert "Someone else" not in response.get_data(as_text=True)


def test_the_download_and_erasure_need_a_signed_in_customer(client):
    assert client.get("/en/requests/mine/data.json").status_code == 302
    assert client.get("/en/requests/mine/erase").status_code == 302
    assert client.post("/en/requests/mine/erase", data={"email": KIM}).status_code == 302


def test_erasure_is_confirmed_by_typing_the_address(app, client):
    file(app, KIM, "Parcel")
    sign_in(app, client, KIM)
    page = client.get("/en/requests/mine/erase")
    assert page.status_code == 200 and "Erase my data" in page.get_data(as_text=True)
    wrong = client.post("/en/requests/mine/erase", data={"email": "other@example.com"})
    assert wrong.status_code == 400
    assert "Type the address you are signed in with" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(Ticket.email)).scalar_one() == KIM


def test_erasure_anonymises_tickets_deletes_mail_and_keeps_the_counts(app, client):
    reference = file(app, KIM, "Parcel to 12 Jongno-gu")
    kept_ref = file(app, "other@example.com", "Another customer")
    raw, attached = add_inbound(app, reference)
    period = Period(utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))
    with app.app_context():
        before = self_service(period).tickets
    sign_in(app, client, KIM)
    response = client.post("/en/requests/mine/erase", data={"email": "KIM@example.com"})
    assert response.status_code == 200
    assert "Your data was erased" in response.get_data(as_text=True)
    assert client.get("/en/requests/mine").status_code == 302  # signed out
    with app.app_context():
        ticket = db.session.execute(sa.select(Ticket).filter_by(reference=reference)).scalar_one()
        assert ticket.email == erased_address(KIM) and ticket.email.endswith("@erased.invalid")
        assert (ticket.name, ticket.subject, ticket.status) == (ERASED_TEXT, ERASED_TEXT, "solved")
        bodies = db.session.execute(
            sa.select(TicketMessage.body).filter_by(ticket_id=ticket.id)
        ).scalars()
        assert set(bodies) == {ERASED_TEXT}
        outbox = db.session.execute(sa.select(OutboxMessage).filter_by(ticket_id=ticket.id))
        for (row,) in outbox:
            assert row.to_email != KIM and "Jongno" not in row.body and row.html_body is None
        # the "find my requests" link row and the received mail name nobody now
        assert db.session.query(AccessLink).filter(AccessLink.email == KIM).count() == 0
        mail = db.session.execute(sa.select(InboundEmail)).scalar_one()
        assert mail.from_email != KIM and mail.subject == ERASED_TEXT
        assert mail.attachments[0].filename == ERASED_TEXT and not mail.attachments[0].stored
        other = db.session.execute(sa.select(Ticket).filter_by(reference=kept_ref)).scalar_one()
        assert other.email == "other@example.com" and other.subject == "Another customer"
        assert self_service(period).tickets == before  # analytics keep counting the tickets
        assert customer_data(KIM)["tickets"] == []
    assert not raw.exists() and not attached.exists()


def test_an_attachment_another_customer_also_sent_is_kept(app):
    sha = "ef" * 32
    mine = file(app, KIM, "Invoice")
    theirs = file(app, "other@example.com", "Same invoice")
    _raw, attached = add_inbound(app, mine, sha)
    with app.app_context():
        other = db.session.execute(sa.select(Ticket).filter_by(reference=theirs)).scalar_one()
        mail = InboundEmail(
            message_id="<other@example.com>",
            raw_path="inbound/ef/other.eml",
            raw_sha256="ef" * 32,
            size=1,
            from_email="other@example.com",
            subject="Same invoice",
            source="webhook",
            outcome="new_ticket",
            ticket_id=other.id,
        )
        db.session.add(mail)
        db.session.flush()
        db.session.add(
            InboundAttachment(
                email_id=mail.id,
                ticket_id=other.id,
                filename="invoice.pdf",
                content_type="application/pdf",
                size=19,
                sha256=sha,
            )
        )
        db.session.commit()
    with app.test_request_context():
        report = erase_customer(KIM)
    assert report.tickets == 1 and attached.exists()


def test_queued_mail_to_an_erased_address_is_cancelled(app):
    file(app, KIM, "Parcel")
    with app.test_request_context():
        erase_customer(KIM)
        states = set(db.session.execute(sa.select(OutboxMessage.state)).scalars())
    assert states == {"cancelled"}


def test_the_cli_exports_and_erases(app, runner):
    file(app, KIM, "Parcel")
    exported = runner.invoke(args=["customers", "export", KIM])
    assert exported.exit_code == 0 and json.loads(exported.output)["tickets"]
    erased = runner.invoke(args=["customers", "erase", KIM, "--yes"])
    assert erased.exit_code == 0 and "Erased: 1 tickets" in erased.output
    again = runner.invoke(args=["customers", "export", KIM])
    assert json.loads(again.output)["tickets"] == []


def test_search_log_retention(app):
    app.config["SEARCH_LOG_DAYS"] = 30
    with app.app_context():
        db.session.add_all(
            [
                SearchLog(
                    query="old",
                    locale="en",
                    side="customer",
                    result_count=1,
                    created_at=utcnow() - timedelta(days=31),
                ),
                SearchLog(query="new", locale="en", side="customer", result_count=1),
            ]
        )
        db.session.commit()
    assert purge_search_log(app) == 1
    with app.app_context():
        assert list(db.session.execute(sa.select(SearchLog.query)).scalars()) == ["new"]
    app.config["SEARCH_LOG_DAYS"] = 0
    assert purge_search_log(app) == 0


def test_the_korean_erasure_page(app, client):
    file(app, KIM, "택배", locale="ko")
    sign_in(app, client, KIM)
    html = client.get("/ko/requests/mine/erase").get_data(as_text=True)
    assert "내 정보 삭제하기" in html and "되돌릴 수 없어요" in html
    mine = client.get("/ko/requests/mine").get_data(as_text=True)
    assert "내 정보 내려받기" in mine


def test_erasure_also_clears_agent_mail_the_form_search_and_kills_the_links(app, client):
    from portal.models import OutboxMessage as Outbox
    from portal.tickets.service import TicketInput, file_ticket, log_form_search

    with app.test_request_context():
        data = TicketInput(
            email=KIM,
            name="Kim",
            subject="Refund to 12 Jongno-gu",
            description="My number is 010-1234-5678",
            locale="en",
        )
        filed = file_ticket(data)
        log_form_search(data, deflected_to=None)
        ticket_id, token = filed.ticket.id, filed.token
        db.session.add(
            Outbox(
                to_email="agent@example.com",
                subject="Kim replied: Refund to 12 Jongno-gu",
                body="Kim <kim@example.com> wrote: 010-1234-5678",
                locale="en",
                kind="agent_reply",
                ticket_id=ticket_id,
            )
        )
        db.session.commit()
        from portal.satisfaction.service import rating_token

        rate_path = f"/tickets/rate/{rating_token(db.session.get(Ticket, ticket_id))}"
    with app.test_request_context():
        erase_customer(KIM)
    with app.app_context():
        agent_mail = db.session.execute(
            sa.select(Outbox).filter_by(kind="agent_reply")
        ).scalar_one()
        assert agent_mail.to_email == "agent@example.com"
        assert "010" not in agent_mail.body and "Jongno" not in agent_mail.subject
        assert db.session.query(SearchLog).count() == 0
    assert client.get(f"/tickets/{token}").status_code == 404
    assert client.post(f"/tickets/{token}", data={"body": "my phone"}).status_code == 404
    assert client.get(rate_path).status_code == 404
