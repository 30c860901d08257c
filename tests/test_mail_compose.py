"""Composing outbound email: what a queued row carries and the MIME message built from it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.agent.replies import add_reply, change_status
from portal.extensions import db
from portal.mail.compose import build_message, outbox_id_of
from portal.models import Job, OutboxMessage
from portal.tickets.service import TicketInput, file_ticket
from portal.users import save_user

HOSTILE = 'Hi <script>alert("x")</script> & <b>bold</b>\nsecond line'


@pytest.fixture
def ctx(app):
    """A request context (URLs in the emails are absolute, built on the request's host)."""
    with app.test_request_context():
        yield app


def file(locale: str = "ko", description: str = "카드 환불은 며칠 걸리나요?", **changes):
    data = {
        "email": "minji@example.com",
        "name": "김민지",
        "subject": "환불은 언제 받을 수 있나요?",
        "description": description,
        "locale": locale,
        **changes,
    }
    return file_ticket(TicketInput(**data)).ticket


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.execute(query).scalars())


def mime(row: OutboxMessage, mail_from: str = "Haneul Market Support <support@help.example>"):
    return build_message(row, mail_from)


def test_filing_queues_the_confirmation_and_its_send_job_in_one_transaction(ctx):
    ticket = file()

    (row,) = outbox()
    job = db.session.execute(sa.select(Job)).scalar_one()
    assert (row.state, row.ticket_id, row.kind) == ("queued", ticket.id, "ticket_received")
    assert (job.kind, job.payload, job.dedupe_key) == (
        "send_email",
        {"outbox_id": row.id},
        f"outbox:{row.id}",
    )
    assert re.fullmatch(rf"<outbox-{row.id}\.[0-9a-f]{{16}}@localhost>", row.message_id)
    assert outbox_id_of(row.message_id) == row.id


def test_the_message_id_takes_the_domain_of_the_sender(ctx):
    ctx.config["MAIL_FROM"] = "Support <help@shop.example.co.kr>"
    file()
    assert outbox()[0].message_id.endswith("@shop.example.co.kr>")


def test_a_confirmation_is_multipart_text_and_html_with_the_korean_subject_encoded(ctx):
    file()
    row = outbox()[0]
    message = mime(row)
    raw = message.as_bytes()

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "=?utf-8?" in raw.decode("ascii")  # RFC 2047, 7-bit clean throughout
    assert max(raw) < 128
    assert message["Subject"] == row.subject and "문의가 접수되었습니다" in row.subject
    assert message["Message-ID"] == row.message_id
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] is None  # the first message of the thread
    assert message["Content-Language"] == "ko"
    assert str(message["From"]) == "Haneul Market Support <support@help.example>"
    html = message.get_body(("html",)).get_content()
    assert '<html lang="ko">' in html and "하늘마켓 고객센터" in html
    assert "내 문의 열기" in html and 'href="http://localhost/tickets/' in html


def test_the_html_part_escapes_what_the_customer_wrote(ctx):
    file(locale="en", description=HOSTILE, subject="Refund <img src=x onerror=alert(1)>")
    html = mime(outbox()[0]).get_body(("html",)).get_content()

    assert "<script>" not in html and "<b>bold</b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;<br>\nsecond line" in html  # line breaks kept
    text = mime(outbox()[0]).get_body(("plain",)).get_content()
    assert HOSTILE in text  # the text part is the text, unescaped


def test_an_english_ticket_gets_english_mail(ctx):
    file(locale="en", subject="Where is my refund?", description="Card refund")
    message = mime(outbox()[0])
    assert "We received your request" in message["Subject"]
    assert "Open your request" in message.get_body(("html",)).get_content()


def test_an_agent_reply_joins_the_thread_links_articles_and_is_not_auto_submitted(ctx):
    ticket = file()
    agent = save_user("agent@example.com", "correct-horse-battery", roles=("agent",))
    add_reply(ticket, agent, "확인해 보세요: [환불 예정일 확인하기](article:refund-timelines)")

    confirmation, reply = outbox()
    message = mime(reply)
    assert reply.kind == "ticket_reply" and not reply.auto_submitted
    assert message["Auto-Submitted"] is None
    assert message["In-Reply-To"] == confirmation.message_id
    assert message["References"] == confirmation.message_id
    html = message.get_body(("html",)).get_content()
    assert '<a href="http://localhost/ko/articles/refund-timelines"' in html
    text = message.get_body(("plain",)).get_content()
    assert "환불 예정일 확인하기 (http://localhost/ko/articles/refund-timelines)" in text
    assert "이 주소로 보내 드린 접수 확인 이메일" in text


def test_solving_a_ticket_emails_the_customer_once_in_the_thread(ctx):
    ticket = file()
    change_status(ticket, "solved")
    change_status(ticket, "solved")  # already solved: nothing new
    change_status(ticket, "pending")

    confirmation, solved = outbox()
    message = mime(solved)
    assert solved.kind == "ticket_solved"
    assert "문의가 해결되었습니다" in message["Subject"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] == confirmation.message_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 2


def test_a_subject_with_line_breaks_cannot_add_headers(ctx):
    ticket = file(locale="en")
    ticket.subject = "Refund\r\nBcc: x@evil.test"  # filed before subjects were one line
    change_status(ticket, "solved")
    raw = mime(outbox()[-1]).as_bytes().decode("ascii")
    assert "\r\nBcc:" not in raw


def test_the_filed_page_says_where_the_confirmation_goes(client):
    response = client.post(
        "/ko/contact",
        data={
            "email": "minji@example.com",
            "name": "김민지",
            "subject": "환불",
            "description": "환불은 언제 되나요?",
            "locale": "ko",
            "submission_key": "k1",
        },
    )
    html = client.get(response.location).get_data(as_text=True)
    assert "minji@example.com(으)로 보내 드리고 있어요" in html
    assert "이메일로도 보내 드렸어요" not in html
    # How the server is set up is the operator's business (portal run says it), not the page's.
    assert "메일 서버가 설정되어 있지 않아" not in html


def test_a_korean_subject_keeps_every_space_in_the_customers_mail_client():
    from email import message_from_bytes
    from email import policy as email_policy

    from portal.mail.compose import POLICY

    subject = "[HM-VFHXYZN] 문의가 접수되었습니다: 비밀번호 재설정이 안 돼요"
    from email.message import EmailMessage

    message = EmailMessage(policy=POLICY)
    message["Subject"] = subject
    message.set_content("본문")
    parsed = message_from_bytes(message.as_bytes(), policy=email_policy.default)
    assert parsed["Subject"] == subject
