"""Issue 23.5: an agent answers a notification by email and it becomes their reply, only
from that agent's own address with the agent-side token the notification carried; every
other combination (forged From, wrong or absent token, a customer's token) posts nothing
and is held. Real MIME: Korean base64 (Gmail), quoted-printable (Outlook)."""

from __future__ import annotations

import base64
import logging
import quopri
from email.header import Header
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail import staff
from portal.mail.compose import build_message
from portal.mail.inbound import ingest
from portal.mail.parse import parse_email
from portal.mail.staff import AgentAddressing, Staff, StaffDecision, staff_decision
from portal.mail.tokens import (
    AgentToken,
    agent_reply_token,
    looks_like_agent_token,
    make_agent_reply_address,
    make_reply_address,
    parse_agent_reply_address,
    parse_reply_address,
)
from portal.models import ArticleLink, InboundEmail, OutboxMessage, Ticket, TicketMessage, User
from portal.users import save_user

MAIL = Path(__file__).parent / "data" / "mail"
SECRET = "test-secret"
SUPPORT = "support@help.example.com"
PASSWORD = "correct-horse-battery"


# --- tokens -------------------------------------------------------------------------------


def test_an_agent_token_names_the_ticket_and_the_agent_and_verifies():
    address = make_agent_reply_address(SUPPORT, 42, 7, SECRET)
    assert address.startswith("support+a42u7-") and address.endswith("@help.example.com")
    assert parse_agent_reply_address(address.upper(), SECRET) == AgentToken(42, 7)
    assert parse_agent_reply_address(address, "another-secret") is None


def test_a_customer_token_is_never_an_agent_token_and_the_other_way_round():
    customer = make_reply_address(SUPPORT, 42, SECRET)
    agent = make_agent_reply_address(SUPPORT, 42, 7, SECRET)
    assert parse_agent_reply_address(customer, SECRET) is None
    assert parse_reply_address(agent, SECRET) is None
    assert parse_reply_address(customer, SECRET) == 42


def test_a_tampered_agent_token_does_not_verify_but_is_recognised_as_one():
    token = agent_reply_token(42, 7, SECRET)
    for forged in (token.replace("u7-", "u8-"), token.replace("a42", "a43"), token[:-1] + "a"):
        address = f"support+{forged}@help.example.com"
        assert parse_agent_reply_address(address, SECRET) is None
        assert looks_like_agent_token(address)
    assert not looks_like_agent_token(SUPPORT)


# --- the staff-side rules, on hand-made facts ---------------------------------------------

TOKEN = AgentAddressing(AgentToken(3, 7), forged=False)
NO_TOKEN = AgentAddressing(None, forged=False)
FORGED = AgentAddressing(None, forged=True)
AGENT = Staff(7, is_agent=True)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, StaffDecision("agent_reply", "agent token", 3, 7)),
        ({"sender": None}, "held"),
        ({"sender": Staff(7, is_agent=False)}, "held"),  # deactivated, or no longer an agent
        ({"sender": Staff(8, is_agent=True)}, "held"),  # a colleague it was forwarded to
        ({"ticket_exists": False}, "recorded"),
        ({"loop": "auto-submitted: auto-replied"}, "recorded"),  # the agent's out-of-office
        ({"addressing": FORGED}, "held"),
        ({"addressing": FORGED, "sender": None}, "held"),
        ({"addressing": NO_TOKEN, "customer_token_ticket": 3}, "held"),
        ({"addressing": NO_TOKEN}, "held"),  # a new mail from an agent's address
        ({"addressing": NO_TOKEN, "loop": "bounce"}, "recorded"),
        ({"addressing": NO_TOKEN, "sender_is_ticket_customer": True}, None),
        ({"addressing": NO_TOKEN, "sender": None}, None),  # a customer: the ordinary rules
        ({"addressing": NO_TOKEN, "sender": Staff(9, is_agent=False)}, None),  # a writer
    ],
)
def test_only_the_agents_own_token_from_that_agent_makes_an_agent_reply(facts, expected):
    given = {
        "loop": None,
        "addressing": TOKEN,
        "sender": AGENT,
        "customer_token_ticket": None,
        "sender_is_ticket_customer": False,
        "ticket_exists": True,
    } | facts
    decided = staff_decision(**given)
    if isinstance(expected, StaffDecision) or expected is None:
        assert decided == expected
    else:
        assert decided.action == expected and decided.agent_id is None


# --- end to end on real MIME ----------------------------------------------------------------


@pytest.fixture
def mail_app(db_app):
    db_app.config.update(
        INBOUND_ADDRESS=SUPPORT,
        PUBLIC_URL="https://help.example.com",
        SERVER_NAME="help.example.com",
        PREFERRED_URL_SCHEME="https",
    )
    with db_app.test_request_context():
        for email, name, roles in (
            ("jiwoo@haneul.example", "이지우", ("agent",)),
            ("sam@haneul.example", "Sam", ("agent",)),
            ("writer@haneul.example", "Wren", ("writer",)),
        ):
            user = save_user(email, PASSWORD, roles=roles, name=name)
            user.notify_new_tickets = True
        db.session.commit()
        yield db_app


def agent(email: str) -> User:
    return db.session.execute(sa.select(User).filter_by(email=email)).scalar_one()


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def customer_ticket(name: str) -> Ticket:
    result = ingest((MAIL / name).read_bytes())
    return db.session.get(Ticket, result.ticket_id)


def notification(to: str):
    """The notification an agent received, as the MIME message their client shows."""
    row = db.session.execute(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "agent_new", OutboxMessage.to_email == to
        )
    ).scalar_one()
    return build_message(row, SUPPORT)


def b64_lines(text: str) -> str:
    data = base64.b64encode(text.encode()).decode()
    return "\r\n".join(data[i : i + 76] for i in range(0, len(data), 76))


def gmail_reply(*, sender: str, name: str, to: str, subject: str, body: str, **extra) -> bytes:
    """A Gmail reply as Gmail sends it: base64 UTF-8 text and HTML parts, encoded words."""
    quoted_html = body.replace("\n", "<br>")
    headers = {
        "From": f"{Header(name, 'utf-8').encode()} <{sender}>",
        "To": to,
        "Subject": Header(subject, "utf-8").encode(),
        "Date": "Mon, 07 Dec 2026 17:02:11 +0900",
        "Message-ID": extra.pop("message_id", "<CAagent-ko-1@mail.gmail.com>"),
        "MIME-Version": "1.0",
        "Content-Type": 'multipart/alternative; boundary="000000000000agent"',
        **extra,
    }
    head = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        head
        + "\r\n--000000000000agent\r\n"
        + 'Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + b64_lines(body)
        + "\r\n--000000000000agent\r\n"
        + 'Content-Type: text/html; charset="UTF-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + b64_lines(f'<div dir="ltr">{quoted_html}</div>')
        + "\r\n--000000000000agent--\r\n"
    ).encode()


def outlook_reply(*, sender: str, to: str, subject: str, body: str, message_id: str) -> bytes:
    """An Outlook reply: one quoted-printable UTF-8 text part."""
    encoded = quopri.encodestring(body.replace("\n", "\r\n").encode()).decode()
    return (
        f"From: Sam <{sender}>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 07 Dec 2026 09:30:00 +0000\r\nMessage-ID: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\nX-Mailer: Microsoft Outlook 16.0\r\n"
        f"\r\n{encoded}\r\n"
    ).encode()


KOREAN_ANSWER = (
    "김민지 고객님, 불편을 드려 죄송합니다.\n"
    "배송 조회는 이 글을 참고해 주세요:\n"
    "https://help.example.com/en/articles/track-order\n"
    "\n"
    "-- \n"
    "이지우 | 하늘마켓 고객지원\n"
    "\n"
    "2026년 12월 7일 (월) 오후 4:19, 하늘마켓 <support@help.example.com>님이 작성:\n"
    "> 김민지 <minji@example.kr> sent a new request (email, ko):\n"
    "> 안녕하세요. 주문한 상품이 아직 도착하지 않았어요.\n"
)


def korean_agent_reply(notice, *, sender="jiwoo@haneul.example", to=None, **extra) -> bytes:
    return gmail_reply(
        sender=sender,
        name="이지우",
        to=to or str(notice["Reply-To"]),
        subject="Re: " + str(notice["Subject"]),
        body=KOREAN_ANSWER,
        In_Reply_To=notice["Message-ID"],
        References=notice["Message-ID"],
        **extra,
    )


def test_the_notification_carries_the_agents_own_token_address_as_reply_to(mail_app):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    token = parse_agent_reply_address(str(notice["Reply-To"]), SECRET)
    assert token == AgentToken(ticket.id, agent("jiwoo@haneul.example").id)
    assert parse_reply_address(str(notice["Reply-To"]), SECRET) is None
    assert "answer this email" in notice.get_body(("plain",)).get_content()
    assert notification("sam@haneul.example")["Reply-To"] != notice["Reply-To"]


def test_a_korean_gmail_reply_to_the_notification_is_the_agents_reply_and_reaches_the_customer(
    mail_app,
):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    result = ingest(korean_agent_reply(notice))
    assert (result.outcome, result.ticket_id, result.duplicate) == (
        "agent_reply",
        ticket.id,
        False,
    )
    reply = db.session.execute(
        sa.select(TicketMessage).where(TicketMessage.author_type == "agent")
    ).scalar_one()
    jiwoo = agent("jiwoo@haneul.example")
    assert (reply.ticket_id, reply.author_id, reply.channel, reply.internal) == (
        ticket.id,
        jiwoo.id,
        "email",
        False,
    )
    assert reply.body.startswith("김민지 고객님, 불편을 드려 죄송합니다.")
    assert "[배송 조회하기](article:track-order)" in reply.body  # the pasted English address
    assert "님이 작성" not in reply.body and "하늘마켓 고객지원" not in reply.body
    assert "> " not in reply.body
    link = db.session.execute(sa.select(ArticleLink)).scalar_one()
    assert (link.article_id, link.locale, link.agent_id) == ("track-order", "ko", jiwoo.id)
    assert db.session.get(Ticket, ticket.id).first_response_at is not None

    sent = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "ticket_reply")
    ).scalar_one()
    assert (sent.to_email, sent.locale, sent.auto_submitted) == ("minji@example.kr", "ko", False)
    assert "https://help.example.com/ko/articles/track-order" in sent.body
    assert 'href="https://help.example.com/ko/articles/track-order"' in sent.html_body
    mime = build_message(sent, SUPPORT)
    confirmation = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "ticket_received")
    ).scalar_one()
    assert mime["In-Reply-To"] == confirmation.message_id
    assert str(mime["References"]).split() == [
        "<korean-qp-1@mail.example.kr>",  # the customer's question, then our confirmation
        confirmation.message_id,
    ]
    assert "<CAagent-ko-1@mail.gmail.com>" not in str(mime["References"])  # the agent's own mail
    assert parse_reply_address(str(mime["Reply-To"]), SECRET) == ticket.id  # customer's side
    assert db.session.get(Ticket, ticket.id).status == "open"


def test_the_same_agent_reply_delivered_twice_is_posted_once(mail_app):
    customer_ticket("korean_qp.eml")
    raw = korean_agent_reply(notification("jiwoo@haneul.example"))
    assert not ingest(raw).duplicate
    assert ingest(raw).duplicate
    assert count(TicketMessage) == 2
    assert (
        db.session.execute(
            sa.select(sa.func.count()).where(OutboxMessage.kind == "ticket_reply")
        ).scalar_one()
        == 1
    )


def test_an_outlook_quoted_printable_reply_keeps_only_the_new_text(mail_app):
    ticket = customer_ticket("english_base64.eml")
    notice = notification("sam@haneul.example")
    body = (
        "Hi John,\n\nWe refunded the second payment – you’ll see it in 3–5 days.\n\nSam\n\n"
        "From: Haneul Market <support@help.example.com>\n"
        "Sent: Monday, December 7, 2026 10:01 AM\n"
        "To: Sam <sam@haneul.example>\n"
        f"Subject: {notice['Subject']}\n\n"
        "John Smith <john@example.com> sent a new request (email, en):\n"
    )
    raw = outlook_reply(
        sender="Sam@Haneul.example",  # clients may change the case of an address
        to=str(notice["Reply-To"]),
        subject="RE: " + str(notice["Subject"]),
        body=body,
        message_id="<DB9PR01MB0001@outlook.example>",
    )
    assert b"=E2=80=99" in raw  # really quoted-printable
    assert ingest(raw).outcome == "agent_reply"
    reply = db.session.get(Ticket, ticket.id).messages[-1]
    assert reply.author_type == "agent"
    assert reply.body.replace("  \n", "\n") == (
        "Hi John,\n\nWe refunded the second payment – you’ll see it in 3–5 days.\n\nSam"
    )
    sent = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "ticket_reply")
    ).scalar_one()
    assert sent.to_email == "john@example.com" and "you’ll see it" in sent.body


def nothing_posted(ticket: Ticket) -> None:
    assert [m.author_type for m in db.session.get(Ticket, ticket.id).messages] == ["customer"]
    assert (
        db.session.execute(
            sa.select(sa.func.count()).where(OutboxMessage.kind == "ticket_reply")
        ).scalar_one()
        == 0
    )


def held(result, caplog, why: str) -> None:
    assert result.outcome == "held"
    record = db.session.get(InboundEmail, result.inbound_id)
    assert why in record.reason
    assert any("held" in r.getMessage() for r in caplog.records)


def test_a_customer_forging_the_agents_from_with_a_wrong_token_gets_nothing_posted(
    mail_app, caplog
):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    forged = str(notice["Reply-To"]).replace("+a", "+a9", 1)  # another ticket, same MAC
    with caplog.at_level(logging.WARNING):
        result = ingest(korean_agent_reply(notice, to=forged))
    held(result, caplog, "does not verify")
    nothing_posted(ticket)


def test_a_forged_agent_from_without_any_token_gets_nothing_posted(mail_app, caplog):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    raw = korean_agent_reply(notice, to=SUPPORT)
    with caplog.at_level(logging.WARNING):
        result = ingest(raw)
    held(result, caplog, "without an agent reply address")
    nothing_posted(ticket)
    assert count(Ticket) == 1  # and no ticket in the agent's name either


def test_the_agents_token_from_anyone_else_is_held(mail_app, caplog):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    for number, sender in enumerate(("minji@example.kr", "sam@haneul.example", "x@evil.example")):
        raw = korean_agent_reply(notice, sender=sender, message_id=f"<other-{number}@example>")
        with caplog.at_level(logging.WARNING):
            held(ingest(raw), caplog, "agent")
    nothing_posted(ticket)


def test_a_deactivated_agent_can_no_longer_reply_by_email(mail_app, caplog):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    agent("jiwoo@haneul.example").active = False
    db.session.commit()
    with caplog.at_level(logging.WARNING):
        held(ingest(korean_agent_reply(notice)), caplog, "not an agent")
    nothing_posted(ticket)


def test_a_customers_token_does_not_let_an_agent_reply(mail_app, caplog):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    customer_address = make_reply_address(SUPPORT, ticket.id, SECRET)
    with caplog.at_level(logging.WARNING):
        result = ingest(korean_agent_reply(notice, to=customer_address))
    held(result, caplog, "customer reply address used from an agent")
    nothing_posted(ticket)


def test_an_agent_who_is_the_tickets_customer_continues_it_as_the_customer(mail_app):
    ticket = customer_ticket("korean_qp.eml")
    save_user("minji@example.kr", PASSWORD, roles=("agent",), name="민지")
    db.session.commit()
    raw = gmail_reply(
        sender="minji@example.kr",
        name="김민지",
        to=make_reply_address(SUPPORT, ticket.id, SECRET),
        subject="Re: 배송",
        body="아직 안 왔어요.",
    )
    result = ingest(raw)
    assert (result.outcome, result.ticket_id) == ("follow_up", ticket.id)
    assert db.session.get(Ticket, ticket.id).messages[-1].author_type == "customer"


def test_a_new_mail_from_an_agents_address_is_held_not_filed(mail_app, caplog):
    raw = gmail_reply(
        sender="sam@haneul.example",
        name="Sam",
        to=SUPPORT,
        subject="Fwd: order question",
        body="Can someone look at this customer's order?",
    )
    with caplog.at_level(logging.WARNING):
        held(ingest(raw), caplog, "without an agent reply address")
    assert count(Ticket) == 0 and count(OutboxMessage) == 0


def test_an_agents_out_of_office_to_the_notification_is_recorded_and_posts_nothing(mail_app):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    raw = korean_agent_reply(notice, Auto_Submitted="auto-replied")
    assert ingest(raw).outcome == "recorded"
    nothing_posted(ticket)


def test_an_agent_reply_linking_an_internal_article_is_held_not_sent(mail_app, caplog):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    raw = gmail_reply(
        sender="jiwoo@haneul.example",
        name="이지우",
        to=str(notice["Reply-To"]),
        subject="Re: 배송",
        body="See [the playbook](article:refund-escalation-playbook)",
    )
    with caplog.at_level(logging.WARNING):
        held(ingest(raw), caplog, "agent reply refused")
    nothing_posted(ticket)


def test_an_agent_token_reaches_a_customer_follow_up_in_no_other_way(mail_app):
    """The customer's reply to the agent's emailed answer continues the ticket as theirs."""
    ticket = customer_ticket("korean_qp.eml")
    ingest(korean_agent_reply(notification("jiwoo@haneul.example")))
    sent = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "ticket_reply")
    ).scalar_one()
    mime = build_message(sent, SUPPORT)
    raw = gmail_reply(
        sender="minji@example.kr",
        name="김민지",
        to=str(mime["Reply-To"]),
        subject="Re: " + str(mime["Subject"]),
        body="감사합니다! 확인했어요.",
        message_id="<CAcustomer-2@mail.gmail.com>",
        In_Reply_To=mime["Message-ID"],
    )
    result = ingest(raw)
    assert (result.outcome, result.ticket_id) == ("follow_up", ticket.id)
    messages = db.session.get(Ticket, ticket.id).messages
    assert [m.author_type for m in messages] == ["customer", "agent", "customer"]


def test_the_staff_lookup_ignores_the_case_of_the_address(mail_app):
    assert staff.sender_staff("JIWOO@haneul.example") == Staff(
        agent("jiwoo@haneul.example").id, is_agent=True
    )
    assert staff.sender_staff("writer@haneul.example").is_agent is False
    assert staff.sender_staff("nobody@example.com") is None


def test_parse_reads_the_token_from_delivered_to_when_the_provider_rewrote_to(mail_app):
    address = make_agent_reply_address(SUPPORT, 5, 1, SECRET)
    raw = f"From: a@b.c\r\nTo: {SUPPORT}\r\nDelivered-To: {address}\r\n\r\nhi\r\n".encode()
    assert staff.agent_addressing(parse_email(raw), SECRET).token == AgentToken(5, 1)


def test_an_empty_answer_never_sends_the_quoted_notification_to_the_customer(mail_app, caplog):
    ticket = customer_ticket("korean_qp.eml")
    notice = notification("jiwoo@haneul.example")
    raw = gmail_reply(
        sender="jiwoo@haneul.example",
        name="이지우",
        to=str(notice["Reply-To"]),
        subject="Re: 배송",
        body=(
            "\n2026년 12월 7일 (월) 오후 4:19, 하늘마켓 <support@help.example.com>님이 작성:\n"
            "> 김민지 <minji@example.kr> sent a new request (email, ko):\n"
            "> Open the ticket: https://help.example.com/agent/tickets/HM-XXXXXXX\n"
        ),
    )
    with caplog.at_level(logging.WARNING):
        held(ingest(raw), caplog, "agent reply refused")
    nothing_posted(ticket)
