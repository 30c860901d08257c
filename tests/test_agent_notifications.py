"""Agents hear of new tickets and customer replies by email, as each of them chose."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, Ticket, User
from portal.tickets.service import TicketInput, add_customer_reply, file_ticket
from portal.users import save_user

PASSWORD = "correct-horse-battery"


def notices(app, kind: str) -> list[str]:
    with app.app_context():
        query = sa.select(OutboxMessage.to_email).where(OutboxMessage.kind == kind)
        return sorted(db.session.execute(query).scalars())


def file(app) -> int:
    with app.test_request_context():
        return file_ticket(
            TicketInput(
                email="kim@example.com",
                name="Kim",
                subject="Parcel missing",
                description="Where is my parcel?",
                locale="ko",
            )
        ).ticket.id


def make_agents(app):
    with app.app_context():
        follower = save_user("follower@example.com", PASSWORD, roles=("agent",))
        follower.notify_new_tickets = True
        save_user("quiet@example.com", PASSWORD, roles=("agent",))
        save_user("writer@example.com", PASSWORD, roles=("writer",))
        db.session.commit()


def test_a_new_ticket_emails_the_agents_who_follow_new_tickets_only(app):
    make_agents(app)
    file(app)
    assert notices(app, "agent_new") == ["follower@example.com"]


def test_a_customer_reply_emails_the_assignee(app):
    make_agents(app)
    ticket_id = file(app)
    with app.test_request_context():
        ticket = db.session.get(Ticket, ticket_id)
        ticket.assignee = db.session.execute(
            sa.select(User).filter_by(email="quiet@example.com")
        ).scalar_one()
        db.session.commit()
        add_customer_reply(ticket, "Any news?")
    assert notices(app, "agent_reply") == ["quiet@example.com"]


def test_an_assignee_who_turned_replies_off_is_not_emailed(app):
    make_agents(app)
    ticket_id = file(app)
    with app.test_request_context():
        ticket = db.session.get(Ticket, ticket_id)
        quiet = db.session.execute(
            sa.select(User).filter_by(email="quiet@example.com")
        ).scalar_one()
        quiet.notify_replies = False
        ticket.assignee = quiet
        db.session.commit()
        add_customer_reply(ticket, "Any news?")
    assert notices(app, "agent_reply") == []


def test_an_agent_changes_their_notifications_in_the_browser(app, client):
    make_agents(app)
    client.post("/login", data={"email": "quiet@example.com", "password": PASSWORD})
    assert client.get("/agent/settings").status_code == 200
    response = client.post("/agent/settings", data={"notify_new_tickets": "y"})
    assert response.status_code == 302
    file(app)
    assert notices(app, "agent_new") == ["follower@example.com", "quiet@example.com"]


def test_notification_settings_are_for_agents_only(app, client):
    make_agents(app)
    assert client.get("/agent/settings").status_code == 302
    client.post("/login", data={"email": "writer@example.com", "password": PASSWORD})
    assert client.get("/agent/settings").status_code == 403
