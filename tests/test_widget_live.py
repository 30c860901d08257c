"""Live replies in the widget: the conversation as Server-Sent Events, resumable by
Last-Event-ID, never showing internal notes; the customer writing more (issue 27.3, a
first part: see portal.widget.live)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket, TicketMessage
from portal.widget.live import LiveConfig, event_stream, parse_last_id
from tests.conftest import SHOP


def file_widget_ticket(api) -> str:
    response = api.post(
        "/api/v1/tickets",
        json={
            "email": "minji@example.com",
            "name": "민지",
            "subject": "환불 문의",
            "description": "환불이 아직 안 들어왔어요.",
            "locale": "ko",
            "channel": "widget",
        },
    )
    assert response.status_code == 201
    return response.get_json()["url"].rsplit("/tickets/", 1)[1]


def add_message(app, body, author="agent", internal=False) -> int:
    with app.app_context():
        ticket = db.session.execute(sa.select(Ticket)).scalar_one()
        message = TicketMessage(ticket=ticket, author_type=author, body=body, internal=internal)
        db.session.add(message)
        db.session.commit()
        return message.id


def events_of(text: str) -> list[dict]:
    return [
        json.loads(line[len("data: ") :]) for line in text.splitlines() if line.startswith("data: ")
    ]


def test_the_stream_sends_the_conversation_without_internal_notes(api, widget_app):
    widget_app.config["LIVE_STREAM_SECONDS"] = 0.01
    token = file_widget_ticket(api)
    add_message(widget_app, "내부 메모: 카드사 확인 필요", internal=True)
    reply_id = add_message(widget_app, "안녕하세요, **3~5영업일** 걸립니다.")
    response = api.get(f"/api/v1/tickets/{token}/events", headers={"Origin": SHOP})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    events = events_of(text)
    assert [e["author"] for e in events] == ["customer", "agent"]
    assert "내부 메모" not in text
    assert "<strong>3~5영업일</strong>" in events[1]["html"]  # rendered and sanitized
    assert f"id: {reply_id}" in text


def test_a_reconnect_resumes_after_the_last_event(api, widget_app):
    widget_app.config["LIVE_STREAM_SECONDS"] = 0.01
    token = file_widget_ticket(api)
    first = add_message(widget_app, "첫 답변")
    second = add_message(widget_app, "두 번째 답변")
    response = api.get(f"/api/v1/tickets/{token}/events", headers={"Last-Event-ID": str(first)})
    assert [e["id"] for e in events_of(response.get_data(as_text=True))] == [second]


def test_a_wrong_token_gets_no_stream(api):
    assert api.get("/api/v1/tickets/not-a-token/events").status_code == 404
    assert api.post("/api/v1/tickets/not-a-token/messages", json={"body": "hi"}).status_code == 404


def test_the_customer_writes_more_from_the_widget(api, widget_app):
    token = file_widget_ticket(api)
    response = api.post(f"/api/v1/tickets/{token}/messages", json={"body": "영수증도 보낼까요?"})
    assert response.status_code == 201
    with widget_app.app_context():
        ticket = db.session.execute(sa.select(Ticket)).scalar_one()
        assert [m.body for m in ticket.messages][-1] == "영수증도 보낼까요?"
    for body in ({"body": ""}, {"body": 5}, {"body": "x" * 5001}, {"body": "a\x00b"}):
        assert api.post(f"/api/v1/tickets/{token}/messages", json=body).status_code == 400


def test_a_stream_polls_until_its_time_is_up_and_picks_up_new_messages(api, widget_app):
    token = file_widget_ticket(api)
    now = [0.0]
    added = []

    def sleep(seconds):
        now[0] += seconds
        if not added:  # an agent answers while the customer waits
            added.append(add_message(widget_app, "지금 확인해 드릴게요"))

    with widget_app.app_context():
        ticket_id = db.session.execute(sa.select(Ticket.id)).scalar_one()
        chunks = list(
            event_stream(
                ticket_id,
                "ko",
                0,
                LiveConfig(poll_seconds=1, max_seconds=3),
                clock=lambda: now[0],
                sleep=sleep,
            )
        )
    assert chunks[0].startswith("retry: ")
    authors = [e["author"] for e in events_of("".join(chunks))]
    assert authors == ["customer", "agent"]
    assert sum(1 for c in chunks if c.startswith(": waiting")) == 3
    assert token


def test_odd_last_event_ids_start_from_the_beginning():
    for value in (None, "", "abc", "-5", str(2**70)):
        assert parse_last_id(value) == 0
    assert parse_last_id("42") == 42
