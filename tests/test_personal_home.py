"""The personal help center (issue 28.3): a signed-in customer sees their open requests and
the articles they read lately on the home page; nobody else does, and no shared cache keeps it."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket
from tests.test_customers import file, sign_in

KIM = "kim@example.com"


def test_a_signed_in_customer_sees_open_requests_and_what_they_read(app, client):
    open_ref = file(app, KIM, "Parcel never came")
    file(app, "other@example.com", "Someone else's request")
    sign_in(app, client, KIM)
    assert client.get("/en/articles/reset-password").status_code == 200
    response = client.get("/en/")
    html = response.get_data(as_text=True)
    assert "Your open requests" in html and "Parcel never came" in html
    assert f"/en/requests/mine/{open_ref}" in html
    assert "Someone else" not in html
    assert "You read lately" in html and "/en/articles/reset-password" in html
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    assert "Cookie" in response.headers["Vary"]


def test_an_anonymous_visitor_gets_nothing_personal_and_no_cookie(app, client):
    file(app, KIM, "Parcel never came")
    client.get("/en/articles/reset-password")
    response = client.get("/en/")
    html = response.get_data(as_text=True)
    assert "Your open requests" not in html and "You read lately" not in html
    assert "private" not in response.headers.get("Cache-Control", "")
    assert not any(c.key == "session" for c in client._cookies.values())


def test_signing_out_ends_the_personal_home(app, client):
    file(app, KIM, "Parcel never came")
    sign_in(app, client, KIM)
    client.post("/requests/sign-out")
    assert "Your open requests" not in client.get("/en/").get_data(as_text=True)


def test_solved_requests_are_not_listed_and_korean_labels(app, client):
    file(app, KIM, "택배가 안 와요", locale="ko")
    solved = file(app, KIM, "환불 받았어요", locale="ko")
    with app.app_context():
        ticket = db.session.execute(sa.select(Ticket).filter_by(reference=solved)).scalar_one()
        ticket.status = "solved"
        db.session.commit()
    sign_in(app, client, KIM)
    html = client.get("/ko/").get_data(as_text=True)
    assert "진행 중인 내 문의" in html and "택배가 안 와요" in html
    assert "환불 받았어요" not in html
