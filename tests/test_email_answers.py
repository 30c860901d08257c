"""Answers by email (issue 23.3): an emailed ticket's acknowledgment carries up to three
articles in the customer's language, each with a link that solves the ticket."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Deflection, OutboxMessage, Ticket
from portal.tickets.service import TicketInput, file_ticket


def file_by_email(app, subject: str, body: str, locale: str = "en", channel: str = "email"):
    with app.test_request_context():
        filed = file_ticket(
            TicketInput(
                email="kim@example.com",
                name="Kim",
                subject=subject,
                description=body,
                locale=locale,
                channel=channel,
            )
        )
        return filed.ticket.id


def acknowledgment(app, ticket_id: int) -> OutboxMessage:
    with app.app_context():
        return db.session.execute(
            sa.select(OutboxMessage).where(
                OutboxMessage.ticket_id == ticket_id, OutboxMessage.kind == "ticket_received"
            )
        ).scalar_one()


def test_an_emailed_ticket_is_answered_with_articles_and_solved_links(search_app):
    ticket_id = file_by_email(search_app, "Password reset", "I forgot my password, how to reset?")
    mail = acknowledgment(search_app, ticket_id)
    links = re.findall(r"https?://\S+/tickets/solved/\S+", mail.body)
    assert 1 <= len(links) <= 3
    assert "/en/articles/reset-password" in mail.body
    assert "/tickets/solved/" in mail.html_body
    with search_app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert "reset-password" in ticket.suggested_articles


def test_a_web_ticket_acknowledgment_carries_no_articles(search_app):
    ticket_id = file_by_email(search_app, "Password reset", "I forgot my password", channel="web")
    assert "/tickets/solved/" not in acknowledgment(search_app, ticket_id).body


def test_the_solved_link_asks_first_then_solves_and_counts_a_deflection(search_app):
    ticket_id = file_by_email(search_app, "Password reset", "I forgot my password, how to reset?")
    link = re.findall(
        r"https?://\S+/tickets/solved/\S+", acknowledgment(search_app, ticket_id).body
    )[0]
    path = re.sub(r"^https?://[^/]+", "", link)
    client = search_app.test_client()
    assert client.get(path).status_code == 200  # a mail scanner's visit changes nothing
    with search_app.app_context():
        assert db.session.get(Ticket, ticket_id).status == "open"
    assert client.post(path).status_code == 200
    with search_app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "solved" and ticket.solved_at is not None
        assert db.session.query(Deflection).count() == 1
    client.post(path)  # twice: one deflection
    with search_app.app_context():
        assert db.session.query(Deflection).count() == 1


def test_a_forged_solved_link_is_not_found(client):
    assert client.get("/tickets/solved/not-a-real-token").status_code == 404
    assert client.post("/tickets/solved/not-a-real-token").status_code == 404


def test_a_korean_emailed_ticket_gets_korean_articles(search_app):
    ticket_id = file_by_email(search_app, "비밀번호 재설정", "비밀번호를 잊어버렸어요", locale="ko")
    mail = acknowledgment(search_app, ticket_id)
    assert "/ko/articles/" in mail.body and "이 글로 해결됐어요" in mail.body
