"""Customer satisfaction (issue 28.4): a solved ticket asks its customer once, by email and on
the ticket page, good or bad with a comment; one rating per ticket, changeable for 7 days; a
reply after "bad" reopens the ticket; analytics gain CSAT, first-contact resolution, the reopen
rate and the channel mix."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.agent.replies import add_reply, change_status
from portal.analytics.service import Period
from portal.analytics.support import channel_mix, resolution, satisfaction
from portal.extensions import db
from portal.models import OutboxMessage, Ticket, TicketRating, User, utcnow
from portal.satisfaction import service
from portal.tickets.service import TicketInput, add_customer_reply, file_ticket
from portal.users import save_user

PASSWORD = "correct horse battery staple 42"


def new_ticket(app, *, locale="en", channel="web", email="kim@example.com", category=None):
    with app.test_request_context():
        filed = file_ticket(
            TicketInput(
                email=email,
                name="Kim",
                subject="환불 문의" if locale == "ko" else "Refund question",
                description="When will my refund arrive?",
                locale=locale,
                channel=channel,
                category=category,
            )
        )
        return filed.ticket.id, filed.token


def agent(app, email="agent@example.com") -> int:
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        if user is None:
            user = save_user(email, PASSWORD, roles=("agent",))
        return user.id


def answer_and_solve(app, ticket_id: int, agent_id: int, body="Here is how.") -> None:
    with app.test_request_context():
        ticket = db.session.get(Ticket, ticket_id)
        add_reply(ticket, db.session.get(User, agent_id), body)
        change_status(ticket, "solved")


def solved_mail(app, ticket_id: int) -> OutboxMessage:
    with app.app_context():
        return db.session.execute(
            sa.select(OutboxMessage).filter_by(ticket_id=ticket_id, kind="ticket_solved")
        ).scalar_one()


def rating_path(mail: OutboxMessage, score: str) -> str:
    link = re.search(rf"https?://[^\s]+/tickets/rate/[^\s?]+\?score={score}", mail.body)
    assert link, mail.body
    return re.sub(r"^https?://[^/]+", "", link.group(0))


def the_rating(app, ticket_id: int) -> TicketRating | None:
    with app.app_context():
        return db.session.execute(
            sa.select(TicketRating).filter_by(ticket_id=ticket_id)
        ).scalar_one_or_none()


def test_the_solved_email_asks_for_a_rating_and_a_link_visit_rates_nothing(app):
    ticket_id, _token = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    mail = solved_mail(app, ticket_id)
    assert "How did we do?" in mail.body
    assert "/tickets/rate/" in mail.html_body and "Good, I&#39;m satisfied" in mail.html_body
    client = app.test_client()
    page = client.get(rating_path(mail, "bad"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    checked = re.findall(r"<input[^>]*\bchecked\b[^>]*>", html)
    assert len(checked) == 1 and 'value="bad"' in checked[0]
    assert the_rating(app, ticket_id) is None  # a mail scanner's visit stores nothing


def test_a_rating_is_stored_once_with_its_agent_and_can_be_changed(app):
    ticket_id, _token = new_ticket(app)
    agent_id = agent(app)
    answer_and_solve(app, ticket_id, agent_id)
    path = rating_path(solved_mail(app, ticket_id), "good")
    client = app.test_client()
    response = client.post(path, data={"score": "good", "comment": "빨랐어요"})
    assert response.status_code == 200
    assert "Thank you for your rating!" in response.get_data(as_text=True)
    rating = the_rating(app, ticket_id)
    assert (rating.score, rating.comment, rating.agent_id) == ("good", "빨랐어요", agent_id)
    client.post(path, data={"score": "bad", "comment": ""})
    with app.app_context():
        assert db.session.query(TicketRating).count() == 1
    changed = the_rating(app, ticket_id)
    assert (changed.score, changed.comment) == ("bad", None)


def test_a_rating_cannot_be_changed_after_seven_days(app):
    ticket_id, _token = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    path = rating_path(solved_mail(app, ticket_id), "good")
    client = app.test_client()
    client.post(path, data={"score": "good"})
    with app.app_context():
        rating = db.session.execute(sa.select(TicketRating)).scalar_one()
        rating.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
    response = client.post(path, data={"score": "bad"})
    assert response.status_code == 409
    assert "Your earlier rating stands" in response.get_data(as_text=True)
    assert the_rating(app, ticket_id).score == "good"


@pytest.mark.parametrize(
    "path", ["/tickets/rate/forged", "/tickets/rate/" + "x" * 400, "/tickets/rate/a.b.c"]
)
def test_a_forged_rating_link_is_not_found(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path, data={"score": "good"}).status_code == 404


def test_an_invalid_score_is_refused_and_stores_nothing(app):
    ticket_id, _token = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    path = rating_path(solved_mail(app, ticket_id), "good")
    client = app.test_client()
    for data in ({"score": "excellent"}, {}, {"score": "good", "comment": "a\x00b"}):
        assert client.post(path, data=data).status_code == 400
    assert the_rating(app, ticket_id) is None


def test_a_reopened_ticket_cannot_be_rated_until_solved_again(app):
    ticket_id, _token = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    path = rating_path(solved_mail(app, ticket_id), "good")
    with app.test_request_context():
        add_customer_reply(db.session.get(Ticket, ticket_id), "Still broken.")
    response = app.test_client().post(path, data={"score": "good"})
    assert response.status_code == 409
    assert the_rating(app, ticket_id) is None


def test_a_reply_after_a_bad_rating_reopens_the_ticket(app):
    ticket_id, token = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    client = app.test_client()
    client.post(rating_path(solved_mail(app, ticket_id), "bad"), data={"score": "bad"})
    assert client.post(f"/tickets/{token}", data={"body": "It did not work."}).status_code == 302
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.status == "open" and ticket.reopen_count == 1


def test_the_private_page_of_a_solved_ticket_asks_for_the_rating_in_korean(app):
    ticket_id, token = new_ticket(app, locale="ko")
    answer_and_solve(app, ticket_id, agent(app), body="이렇게 하시면 됩니다.")
    client = app.test_client()
    html = client.get(f"/tickets/{token}").get_data(as_text=True)
    assert "저희 응대는 어떠셨나요?" in html and 'action="/tickets/rate/' in html
    action = re.search(r'action="(/tickets/rate/[^"]+)"', html).group(1)
    assert client.post(action, data={"score": "good"}).status_code == 200
    again = client.get(f"/tickets/{token}").get_data(as_text=True)
    assert "이 문의를 이렇게 평가하셨어요: 좋았어요, 만족해요." in again
    mail = solved_mail(app, ticket_id)
    assert "좋았어요, 만족해요" in mail.body


def test_an_open_ticket_page_does_not_ask(app):
    _ticket_id, token = new_ticket(app)
    assert "/tickets/rate/" not in app.test_client().get(f"/tickets/{token}").get_data(as_text=True)


# -- analytics -----------------------------------------------------------------------


def a_period() -> Period:
    now = utcnow()
    return Period(now - timedelta(days=1), now + timedelta(days=1))


def test_csat_first_contact_resolution_reopen_rate_and_channel_mix(db_app):
    app = db_app
    first = agent(app, "first@example.com")
    second = agent(app, "second@example.com")
    one, _t = new_ticket(app, channel="web", category="billing-refunds")
    two, _t = new_ticket(app, channel="email", locale="ko")
    three, token3 = new_ticket(app, channel="email")
    new_ticket(app, channel="api")
    answer_and_solve(app, one, first)  # one reply, never reopened: first contact
    answer_and_solve(app, two, second)
    with app.test_request_context():  # two replies: not at first contact
        ticket = db.session.get(Ticket, two)
        change_status(ticket, "open")
        add_reply(ticket, db.session.get(User, second), "And one more thing.")
        change_status(ticket, "solved")
    answer_and_solve(app, three, first)
    with app.test_request_context():
        add_customer_reply(db.session.get(Ticket, three), "No, still wrong")  # reopened
        change_status(db.session.get(Ticket, three), "solved")
    with app.test_request_context():
        for ticket_id, score in ((one, "good"), (two, "bad"), (three, "good")):
            assert service.rate(db.session.get(Ticket, ticket_id), score) in (
                service.Outcome.RATED,
            )
        period = a_period()
        csat, breakdown = satisfaction(period)
        assert (csat.good, csat.bad) == (2, 1) and csat.score == pytest.approx(2 / 3)
        rows = {(r.dimension, r.value): (r.csat.good, r.csat.bad) for r in breakdown}
        assert rows[("channel", "email")] == (1, 1)
        assert rows[("locale", "ko")] == (0, 1)
        assert rows[("category", "billing-refunds")] == (1, 0)
        agents = {v for d, v in rows if d == "agent"}
        assert len(agents) == 2
        solved = resolution(period)
        assert (solved.solved, solved.first_contact, solved.reopened) == (3, 1, 2)
        assert dict(channel_mix(period)) == {"web": 1, "email": 2, "api": 1}
        korean = satisfaction(period, "ko")[0]
        assert (korean.good, korean.bad) == (0, 1)


def test_the_dashboard_and_csv_show_support_quality_to_agents_only(app):
    ticket_id, _t = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    with app.test_request_context():
        service.rate(db.session.get(Ticket, ticket_id), "good", "=HYPERLINK(1)")
        save_user("writer@example.com", PASSWORD, roles=("writer",))
    client = app.test_client()
    client.post("/login", data={"email": "agent@example.com", "password": PASSWORD})
    html = client.get("/agent/analytics/").get_data(as_text=True)
    assert 'id="kpi-csat">100%<' in html and 'id="kpi-fcr">100%<' in html
    assert 'id="kpi-reopen">0%<' in html
    csv_text = client.get("/agent/analytics/satisfaction.csv").get_data(as_text=True)
    assert "all,,1,0,1.0" in csv_text
    channels = client.get("/agent/analytics/channels.csv").get_data(as_text=True)
    assert "web,1" in channels
    writer = app.test_client()
    writer.post("/login", data={"email": "writer@example.com", "password": PASSWORD})
    assert writer.get("/agent/analytics/satisfaction.csv").status_code in (302, 403)
    assert app.test_client().get("/agent/analytics/channels.csv").status_code in (302, 401, 403)


def test_a_reply_that_solves_the_ticket_also_asks_for_the_rating(app):
    ticket_id, _token = new_ticket(app)
    with app.test_request_context():
        ticket = db.session.get(Ticket, ticket_id)
        add_reply(ticket, db.session.get(User, agent(app)), "Done.", status="solved")
    assert "/tickets/rate/" in solved_mail(app, ticket_id).body


def test_a_reopened_ticket_that_is_open_again_counts_as_reopened(app):
    ticket_id, token = new_ticket(app)
    answer_and_solve(app, ticket_id, agent(app))
    app.test_client().post(f"/tickets/{token}", data={"body": "Still not right."})
    with app.test_request_context():
        solved = resolution(a_period())
    assert (solved.solved, solved.first_contact, solved.reopened) == (1, 0, 1)
