"""Agents see the journey (issue 28.2): the search the customer came from, the articles the
form suggested and the ones they opened, the channel, and their other requests."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import SearchLog, Ticket
from tests.test_agent import make_user, sign_in
from tests.test_customers import file


def test_the_search_a_customer_came_from_reaches_the_agent(search_app):
    client = search_app.test_client()
    page = client.get("/en/search?q=refund+delivery+time").get_data(as_text=True)
    contact = re.search(r'href="(/en/contact\?sl=[^"]+)"', page)
    assert contact, "the search page's contact link carries the search"
    form = client.get(contact.group(1).replace("&amp;", "&")).get_data(as_text=True)
    field = re.search(r'<input[^>]*name="sl"[^>]*>', form).group(0)
    value = re.search(r'value="([^"]*)"', field).group(1)
    assert value, "the contact form keeps the search it was opened from"
    response = client.post(
        "/en/contact",
        data={
            "email": "kim@example.com",
            "name": "Kim",
            "subject": "Where is my refund?",
            "description": "I returned the parcel two weeks ago and got nothing back.",
            "locale": "en",
            "sl": value,
        },
    )
    assert response.status_code == 302
    with search_app.app_context():
        ticket = db.session.execute(sa.select(Ticket)).scalar_one()
        logged = db.session.get(SearchLog, ticket.search_log_ids[0])
        assert logged.query == "refund delivery time"
        reference = ticket.reference
    with search_app.test_request_context():
        make_user("agent@example.com", "agent")
    agent = search_app.test_client()
    sign_in(agent, "agent@example.com")
    html = agent.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "The customer&#39;s journey" in html or "The customer's journey" in html
    assert "refund delivery time" in html and "the contact form" in html


def test_a_forged_search_token_records_nothing(app, client):
    client.post(
        "/en/contact",
        data={
            "email": "kim@example.com",
            "name": "Kim",
            "subject": "Where is my refund?",
            "description": "I returned the parcel two weeks ago and got nothing back.",
            "locale": "en",
            "sl": "1",
        },
    )
    with app.app_context():
        assert db.session.execute(sa.select(Ticket.search_log_ids)).scalar_one() is None


def test_the_agent_sees_the_customers_other_requests_from_every_channel(app):
    first = file(app, "Kim@Example.com", "Old parcel question", channel="email")
    second = file(app, "kim@example.com", "New question")
    file(app, "other@example.com", "Not theirs")
    with app.test_request_context():
        make_user("agent@example.com", "agent")
    agent = app.test_client()
    sign_in(agent, "agent@example.com")
    html = agent.get(f"/agent/tickets/{second}").get_data(as_text=True)
    assert "Old parcel question" in html and f"/agent/tickets/{first}" in html
    assert "Not theirs" not in html
    alone = agent.get(f"/agent/tickets/{first}").get_data(as_text=True)
    assert "New question" in alone and "email" in alone
