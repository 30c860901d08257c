"""What the contact form's fields accept, and how they tell a screen reader what is wrong."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import OutboxMessage, Ticket

GOOD = {
    "email": "minji@example.com",
    "name": "김민지",
    "subject": "비밀번호 재설정 메일이 안 와요",
    "description": "비밀번호를 재설정하려고 하는데 인증 메일이 오지 않습니다.",
    "locale": "ko",
    "submission_key": "k1",
}
ONE_LINE = "Write this on one line, without line breaks or control characters."


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def marked_invalid(html: str) -> dict[str, str]:
    """The ``aria-invalid`` value of every form control that has one, by control id."""
    marked = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        invalid = re.search(r'aria-invalid(?:="([^"]*)")?', tag)
        if invalid:
            marked[re.search(r'\bid="([^"]+)"', tag).group(1)] = invalid.group(1)
    return marked


# -- aria-invalid ----------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_a_fresh_contact_form_announces_no_field_as_invalid(client, locale):
    assert marked_invalid(text_of(client.get(f"/{locale}/contact"))) == {}


def test_only_the_fields_with_errors_are_announced_as_invalid(client):
    response = client.post("/ko/contact", data={**GOOD, "email": "minji@example", "subject": ""})
    assert response.status_code == 400
    assert marked_invalid(text_of(response)) == {"email": "true", "subject": "true"}


# -- minimum lengths that fit Korean ---------------------------------------------------


def test_a_short_natural_korean_request_is_filed(client, app):
    response = client.post(
        "/ko/contact", data={**GOOD, "subject": "환불", "description": "환불이 안 돼요"}
    )
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert (ticket.subject, ticket.messages[0].body) == ("환불", "환불이 안 돼요")


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("subject", "환", "2~200자로 입력해 주세요."),
        ("subject", "  환  ", "2~200자로 입력해 주세요."),  # spaces are not content
        ("description", "환불요", "5~5000자로 입력해 주세요."),
        ("description", "  환불요\n\n", "5~5000자로 입력해 주세요."),
    ],
)
def test_too_short_fields_say_the_minimum_that_applies(client, app, field, typed, message):
    response = client.post("/ko/contact", data={**GOOD, field: typed})
    assert response.status_code == 400
    assert message in text_of(response)
    with app.app_context():
        assert count(Ticket) == 0


# -- single-line fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("subject", "Refund\r\nX: y"),
        ("subject", "Refund\nBcc: x@evil.test"),
        ("subject", "Refund\x00 please"),
        ("subject", "Refund\u2028now"),
        ("name", "John\r\nBcc: x@evil.test"),
        ("name", "John\x1b[31m"),
    ],
)
def test_line_breaks_and_control_characters_in_one_line_fields_are_refused(
    client, app, field, typed
):
    response = client.post("/en/contact", data={**GOOD, "locale": "en", field: typed})
    html = text_of(response)
    assert response.status_code == 400
    assert ONE_LINE in html
    assert marked_invalid(html) == {field: "true"}
    assert GOOD["description"] in html  # the rest is kept
    with app.app_context():
        assert count(Ticket) == 0 and count(OutboxMessage) == 0


def test_an_email_address_with_a_control_character_is_refused(client, app):
    response = client.post("/ko/contact", data={**GOOD, "email": "minji@exam\x00ple.com"})
    assert response.status_code == 400
    assert "올바른 이메일 주소" in text_of(response)
    with app.app_context():
        assert count(Ticket) == 0


@pytest.mark.parametrize("field", ["subject", "name"])
def test_the_api_refuses_a_line_break_and_names_the_field(client, app, field):
    payload = {**GOOD, "locale": "en", field: "Refund\r\nBcc: x@evil.test"}
    payload.pop("submission_key")
    response = client.post("/api/v1/tickets", json=payload)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {field: ONE_LINE}
    with app.app_context():
        assert count(Ticket) == 0 and count(OutboxMessage) == 0
