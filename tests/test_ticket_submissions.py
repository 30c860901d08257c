"""A submission key (the form's hidden key, the API's Idempotency-Key) never hands anyone
else's ticket back. That a true retry still files once is tested beside the other API tests
(tests/test_tickets.py, test_the_api_is_idempotent_with_a_key)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket

VICTIM = {
    "email": "minji@example.com",
    "name": "김민지",
    "subject": "환불 문의",
    "description": "카드 끝자리 1234로 결제한 주문을 환불받고 싶어요.",
    "category": "billing-refunds",
    "locale": "ko",
}
OTHER = {
    "email": "someone@evil.test",
    "name": "Eve",
    "subject": "anything",
    "description": "a different request entirely",
    "locale": "en",
}


def tickets() -> list[Ticket]:
    return list(db.session.scalars(sa.select(Ticket).order_by(Ticket.id)))


def test_a_reused_idempotency_key_with_other_content_gets_its_own_ticket(client, app):
    key = {"Idempotency-Key": "chat-4711"}
    victim = client.post("/api/v1/tickets", json=VICTIM, headers=key)
    other = client.post("/api/v1/tickets", json=OTHER, headers=key)
    assert (victim.status_code, other.status_code) == (201, 201)
    assert other.get_json()["url"] != victim.get_json()["url"]
    assert other.get_json()["reference"] != victim.get_json()["reference"]
    page = client.get(other.get_json()["url"].replace("http://localhost", ""))
    assert "카드 끝자리 1234" not in page.get_data(as_text=True)
    with app.app_context():
        assert [t.email for t in tickets()] == [VICTIM["email"], OTHER["email"]]


def test_the_form_cannot_claim_an_api_ticket_by_its_key(client, app):
    filed = client.post("/api/v1/tickets", json=VICTIM, headers={"Idempotency-Key": "1001"})
    victim_url = filed.get_json()["url"].replace("http://localhost", "")
    for key in ("api:1001", "1001"):
        response = client.post("/en/contact", data={**VICTIM, "submission_key": key})
        assert response.status_code == 302
        assert response.location.split("?")[0] != victim_url
    with app.app_context():
        assert len(tickets()) == 3


def test_a_call_without_a_language_is_filed_in_the_sites_default(client, app):
    body = {key: value for key, value in OTHER.items() if key != "locale"}
    response = client.post("/api/v1/tickets", json=body)
    assert response.status_code == 201
    with app.app_context():
        assert [t.locale for t in tickets()] == ["en"]
    unknown = client.post("/api/v1/tickets", json={**body, "locale": "xx"})
    assert unknown.status_code == 400 and "locale" in unknown.get_json()["errors"]
