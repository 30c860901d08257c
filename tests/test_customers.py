""" "Find my requests": an emailed, short-lived, single-use link lists every request of an
address, from every channel; nobody learns whether an address wrote to support."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AccessLink, OutboxMessage, Ticket, utcnow
from portal.tickets.service import TicketInput, file_ticket


def file(app, email: str, subject: str, channel: str = "web", locale: str = "en") -> Ticket:
    with app.test_request_context():
        filed = file_ticket(
            TicketInput(
                email=email,
                name="Kim",
                subject=subject,
                description="Where is my parcel, please?",
                locale=locale,
                channel=channel,
            )
        )
        return filed.ticket.reference


def emailed_link(app, to: str) -> str:
    with app.app_context():
        row = (
            db.session.execute(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == "requests_link", OutboxMessage.to_email == to)
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
        )
        assert row is not None, "no link was emailed"
        return re.search(r"https?://\S+/requests/link/\S+", row.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def sign_in(app, client, email: str) -> None:
    assert client.post("/en/requests", data={"email": email}).status_code == 200
    link = path_of(emailed_link(app, email.lower()))
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302 and response.location.endswith("/en/requests/mine")


def test_a_customer_sees_every_request_of_their_address_from_every_channel(app, client):
    web = file(app, "Kim@Example.com", "Parcel from the form")
    mail = file(app, "kim@example.com", "Parcel by email", channel="email")
    other = file(app, "lee@example.com", "Someone else's parcel")
    sign_in(app, client, "kim@example.com")
    page = client.get("/en/requests/mine").get_data(as_text=True)
    assert web in page and mail in page and other not in page
    assert "by email" in page and "by the contact form" in page
    response = client.get("/en/requests/mine")
    assert "no-store" in response.headers["Cache-Control"]


def test_a_signed_in_customer_reads_and_answers_one_request(app, client):
    reference = file(app, "kim@example.com", "Parcel from the form")
    sign_in(app, client, "kim@example.com")
    page = client.get(f"/en/requests/mine/{reference}")
    assert page.status_code == 200 and "Where is my parcel" in page.get_data(as_text=True)
    response = client.post(f"/en/requests/mine/{reference}", data={"body": "Any news?"})
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.execute(sa.select(Ticket).filter_by(reference=reference)).scalar_one()
        assert [m.body for m in ticket.messages][-1] == "Any news?"


def test_another_customers_request_is_not_found(app, client):
    theirs = file(app, "lee@example.com", "Lee's parcel")
    file(app, "kim@example.com", "Kim's parcel")
    sign_in(app, client, "kim@example.com")
    assert client.get(f"/en/requests/mine/{theirs}").status_code == 404
    assert client.post(f"/en/requests/mine/{theirs}", data={"body": "x"}).status_code == 404


def test_the_answer_is_the_same_for_an_address_without_requests_and_nothing_is_sent(app, client):
    file(app, "kim@example.com", "Parcel")
    known = client.post("/en/requests", data={"email": "kim@example.com"})
    unknown = client.post("/en/requests", data={"email": "nobody@example.com"})

    def strip(response):
        text = response.get_data(as_text=True)
        return text.replace("kim@example.com", "X").replace("nobody@example.com", "X")

    assert strip(known) == strip(unknown)
    with app.app_context():
        kinds = (
            db.session.execute(
                sa.select(OutboxMessage.to_email).where(OutboxMessage.kind == "requests_link")
            )
            .scalars()
            .all()
        )
    assert kinds == ["kim@example.com"]


def test_a_link_works_once(app, client):
    file(app, "kim@example.com", "Parcel")
    client.post("/en/requests", data={"email": "kim@example.com"})
    link = path_of(emailed_link(app, "kim@example.com"))
    assert client.post(link).status_code == 302
    other = app.test_client()
    assert other.post(link).status_code == 410
    assert other.get("/en/requests/mine").status_code == 302  # not signed in


def test_opening_the_link_without_the_button_spends_nothing(app, client):
    """Mail scanners fetch every link in a message; only the button's POST signs in."""
    file(app, "kim@example.com", "Parcel")
    client.post("/en/requests", data={"email": "kim@example.com"})
    link = path_of(emailed_link(app, "kim@example.com"))
    scanner = app.test_client()
    for _ in range(3):
        assert scanner.get(link).status_code == 200
    assert client.post(link).status_code == 302


def test_an_expired_link_is_refused(app, client):
    file(app, "kim@example.com", "Parcel")
    client.post("/en/requests", data={"email": "kim@example.com"})
    link = path_of(emailed_link(app, "kim@example.com"))
    with app.app_context():
        for row in db.session.execute(sa.select(AccessLink)).scalars():
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link).status_code == 410


@pytest.mark.parametrize("token", ["nope", "x" * 300])
def test_a_made_up_link_is_refused(client, token):
    assert client.get(f"/requests/link/{token}").status_code == 410


def test_the_link_email_speaks_the_language_of_the_page(app, client):
    file(app, "kim@example.com", "배송 문의", locale="ko")
    client.post("/ko/requests", data={"email": "kim@example.com"})
    with app.app_context():
        row = db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "requests_link")
        ).scalar_one()
    assert row.locale == "ko" and "문의" in row.subject


def test_signing_out_ends_the_customer_session(app, client):
    file(app, "kim@example.com", "Parcel")
    sign_in(app, client, "kim@example.com")
    assert client.post("/requests/sign-out").status_code == 302
    assert client.get("/en/requests/mine").status_code == 302


def test_a_customer_session_is_not_a_staff_session(app, client):
    file(app, "kim@example.com", "Parcel")
    sign_in(app, client, "kim@example.com")
    assert client.get("/agent/").status_code == 302  # to the staff login page


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 300 + "@example.com"])
def test_a_bad_address_is_explained(client, email):
    response = client.post("/en/requests", data={"email": email})
    assert response.status_code == 400
    assert "field-error" in response.get_data(as_text=True)


def test_the_emailed_link_speaks_the_language_it_was_asked_in(app, client):
    file(app, "kim@example.com", "택배", locale="ko")
    client.post("/ko/requests", data={"email": "kim@example.com"})
    link = path_of(emailed_link(app, "kim@example.com"))
    assert "lang=ko" in link
    page = client.get(link, headers={"Accept-Language": "en-US"})
    assert '<html lang="ko"' in page.get_data(as_text=True)
    response = client.post(link, headers={"Accept-Language": "en-US"})
    assert response.location.endswith("/ko/requests/mine")
