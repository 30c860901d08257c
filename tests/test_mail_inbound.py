"""The inbound pipeline: each deciding step on hand-made input, then real MIME end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail import inbound
from portal.mail.inbound import (
    Match,
    TicketState,
    detect_locale,
    ingest,
    loop_reason,
    match_ticket,
    plan,
    reopens,
)
from portal.mail.parse import parse_email
from portal.mail.tokens import reply_address
from portal.models import InboundAttachment, InboundEmail, OutboxMessage, Ticket, TicketMessage

MAIL = Path(__file__).parent / "data" / "mail"
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def raw(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def headers(**fields) -> bytes:
    """A small message; ``fields`` become headers, ``body`` the text."""
    body = fields.pop("body", "Hello")
    fields.setdefault("From", "Pat <pat@example.com>")
    fields.setdefault("To", "support@help.example.com")
    fields.setdefault("Subject", "A question")
    lines = [f"{k.replace('_', '-')}: {v}" for k, v in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.fixture
def mail_app(db_app):
    db_app.config.update(
        INBOUND_ADDRESS="support@help.example.com",
        PUBLIC_URL="https://help.example.com",
        SERVER_NAME="help.example.com",
        PREFERRED_URL_SCHEME="https",
    )
    with db_app.app_context():
        yield db_app


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def file_from(name: str, our_message_id: str | None = None) -> Ticket:
    """Ingest a fixture as a new ticket; its confirmation gets ``our_message_id``."""
    result = ingest(raw(name))
    ticket = db.session.get(Ticket, result.ticket_id)
    if our_message_id:
        outbox = db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
        ).scalar_one()
        outbox.message_id = our_message_id
        db.session.commit()
    return ticket


# --- pure steps -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "auto-submitted: auto-replied"),
        ({"Auto_Submitted": "auto-generated"}, "auto-submitted: auto-generated"),
        ({"Precedence": "bulk"}, "precedence: bulk"),
        ({"Precedence": "list"}, "precedence: list"),
        ({"Precedence": "junk"}, "precedence: junk"),
        ({"Return_Path": "<>"}, "null return-path"),
        ({"X_Autoreply": "yes"}, "x-autoreply"),
        ({"X_Loop": "support@help.example.com"}, "x-loop"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "bounce"),
        ({"From": "postmaster@example.com"}, "bounce"),
        ({"From": "support+t1-abc@help.example.com"}, "own address"),
        ({"Auto_Submitted": "no"}, None),
        ({"Precedence": "first-class"}, None),
        ({"Return_Path": "<pat@example.com>"}, None),
    ],
)
def test_loop_rules_name_why_a_mail_is_automatic(extra, reason):
    mail = parse_email(headers(**extra))
    assert loop_reason(mail, ("support@help.example.com",)) == reason


def test_a_subject_reference_alone_never_matches_a_ticket_of_another_customer():
    mail = parse_email(headers(Subject="Re: [HM-ABCDEFG] refund", From="eve@evil.example"))
    found = match_ticket(
        mail, token_ticket=None, thread_tickets=(), subject_tickets={"HM-ABCDEFG": (7, "a@b.c")}
    )
    assert found is None


def test_a_subject_reference_from_the_tickets_customer_matches():
    mail = parse_email(headers(Subject="Re: [hm-abcdefg] refund", From="A@B.C"))
    found = match_ticket(
        mail, token_ticket=None, thread_tickets=(), subject_tickets={"HM-ABCDEFG": (7, "a@b.c")}
    )
    assert found == Match(7, "subject+sender")


def test_the_reply_token_wins_over_threading_headers_which_win_over_the_subject():
    mail = parse_email(headers(Subject="[HM-ABCDEFG]", From="a@b.c"))
    subject = {"HM-ABCDEFG": (7, "a@b.c")}
    assert match_ticket(mail, token_ticket=1, thread_tickets=(2,), subject_tickets=subject).by == (
        "token"
    )
    assert match_ticket(mail, token_ticket=None, thread_tickets=(2,), subject_tickets=subject) == (
        Match(2, "thread")
    )


def test_a_reply_reopens_a_ticket_solved_within_the_reopen_days_and_not_after():
    recent = TicketState(1, "solved", NOW - timedelta(days=13))
    old = TicketState(1, "solved", NOW - timedelta(days=15))
    assert reopens(recent, NOW, 14)
    assert not reopens(old, NOW, 14)
    assert reopens(TicketState(1, "pending", None), NOW, 14)


def test_the_plan_never_answers_or_reopens_for_automatic_mail():
    mail = parse_email(headers(Auto_Submitted="auto-replied"))
    state = TicketState(3, "solved", NOW)
    decided = plan(
        mail,
        loop="auto-submitted",
        match=Match(3, "thread"),
        state=state,
        throttled=False,
        now=NOW,
        reopen_days=14,
    )
    assert (decided.action, decided.answer) == ("note", False)
    unmatched = plan(
        mail,
        loop="auto-submitted",
        match=None,
        state=None,
        throttled=False,
        now=NOW,
        reopen_days=14,
    )
    assert (unmatched.action, unmatched.answer) == ("recorded", False)
    generated = parse_email(headers(Auto_Submitted="auto-generated"))
    decided = plan(
        generated,
        loop="auto-submitted",
        match=None,
        state=None,
        throttled=False,
        now=NOW,
        reopen_days=14,
    )
    assert (decided.action, decided.answer) == ("new_ticket", False)


def test_the_plan_holds_a_flooding_sender_and_records_bounces_on_no_ticket():
    mail = parse_email(headers())
    assert (
        plan(
            mail, loop=None, match=None, state=None, throttled=True, now=NOW, reopen_days=14
        ).action
        == "held"
    )
    assert (
        plan(
            mail, loop="bounce", match=None, state=None, throttled=False, now=NOW, reopen_days=14
        ).action
        == "recorded"
    )


def test_x_auto_response_suppress_files_the_mail_without_an_answer():
    mail = parse_email(headers(X_Auto_Response_Suppress="OOF, AutoReply"))
    decided = plan(
        mail, loop=None, match=None, state=None, throttled=False, now=NOW, reopen_days=14
    )
    assert (decided.action, decided.answer) == ("new_ticket", False)


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("배송이 안 와요", "ko"),
        ("Where is my order?", "en"),
        ("주문 order 10423 배송", "ko"),
        ("12345 !!!", "en"),
    ],
)
def test_the_locale_comes_from_the_text(text, locale):
    assert detect_locale(text, ("en", "ko"), "en") == locale


# --- end to end on real MIME ---------------------------------------------------------------


def test_a_korean_email_files_a_korean_email_ticket_with_a_threaded_confirmation(mail_app):
    result = ingest(raw("korean_qp.eml"))
    assert (result.outcome, result.duplicate) == ("new_ticket", False)
    ticket = db.session.get(Ticket, result.ticket_id)
    assert (ticket.channel, ticket.locale, ticket.subject) == ("email", "ko", "배송이 안 와요")
    assert (ticket.email, ticket.name) == ("minji@example.kr", "김민지")
    assert ticket.messages[0].channel == "email"
    assert "배송 조회" in ticket.messages[0].body
    confirmation = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert confirmation.in_reply_to == "<korean-qp-1@mail.example.kr>"
    assert confirmation.locale == "ko"


def test_the_same_message_twice_is_one_ticket_and_answers_with_the_same_reference(mail_app):
    first = ingest(raw("english_base64.eml"))
    second = ingest(raw("english_base64.eml"), source="imap")
    assert second.duplicate and second.reference == first.reference
    assert (count(Ticket), count(TicketMessage), count(InboundEmail), count(OutboxMessage)) == (
        1,
        1,
        1,
        1,
    )


def test_a_concurrent_ingest_of_the_same_message_loses_the_race_without_a_duplicate(
    mail_app, monkeypatch
):
    first = ingest(raw("english_base64.eml"))
    real, calls = inbound._existing, []

    def blind_first_look(message_id):  # the other ingest had not committed when we looked
        calls.append(message_id)
        return None if len(calls) == 1 else real(message_id)

    monkeypatch.setattr(inbound, "_existing", blind_first_look)
    second = ingest(raw("english_base64.eml"))
    assert second.duplicate and second.reference == first.reference
    assert (count(Ticket), count(TicketMessage), count(OutboxMessage)) == (1, 1, 1)


def test_a_database_failure_mid_ingest_saves_nothing_and_a_retry_files_once(mail_app, monkeypatch):
    from portal.tickets import service

    def broken(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(service, "confirmation_email", broken)
    with pytest.raises(inbound.IngestError):
        ingest(raw("english_base64.eml"))
    assert (count(Ticket), count(InboundEmail)) == (0, 0)
    monkeypatch.undo()
    ingest(raw("english_base64.eml"))
    ingest(raw("english_base64.eml"))
    assert (count(Ticket), count(InboundEmail)) == (1, 1)


def test_a_reply_to_our_confirmation_continues_the_ticket_and_reopens_it(mail_app):
    ticket = file_from("english_base64.eml", "<outbox-1@help.example.com>")
    ticket.status = "solved"
    ticket.solved_at = datetime.now(UTC) - timedelta(days=2)
    db.session.commit()
    result = ingest(raw("reply_to_confirmation.eml"))
    assert (result.outcome, result.ticket_id) == ("follow_up", ticket.id)
    db.session.refresh(ticket)
    assert ticket.status == "open" and ticket.solved_at is None
    reply = ticket.messages[-1]
    assert reply.body == "The second charge is still on my card today."
    assert (reply.author_type, reply.channel, reply.internal) == ("customer", "email", False)
    record = db.session.execute(
        sa.select(InboundEmail).where(InboundEmail.message_id == "<reply-1@example.com>")
    ).scalar_one()
    stored = inbound.mail_dir(mail_app.config) / record.raw_path
    assert stored.read_bytes() == raw("reply_to_confirmation.eml")  # the full original
    assert record.ticket_message_id == reply.id
    assert count(OutboxMessage) == 1  # a follow-up gets no automatic answer


def test_a_reply_in_the_customers_own_thread_matches_by_their_earlier_message_id(mail_app):
    ticket = file_from("korean_qp.eml")
    result = ingest(raw("gmail_reply_korean.eml"))  # References: <korean-qp-1@...>
    assert (result.outcome, result.ticket_id) == ("follow_up", ticket.id)
    assert ticket.messages[-1].body == "아직 환불이 안 됐어요. 확인 부탁드립니다."


def test_a_reply_to_a_ticket_solved_long_ago_opens_a_new_ticket_linked_to_it(mail_app):
    old = file_from("english_base64.eml", "<outbox-1@help.example.com>")
    old.status, old.solved_at = "solved", datetime.now(UTC) - timedelta(days=30)
    db.session.commit()
    result = ingest(raw("reply_to_confirmation.eml"))
    assert result.outcome == "new_linked" and result.ticket_id != old.id
    new = db.session.get(Ticket, result.ticket_id)
    assert new.follows_ticket_id == old.id
    assert new.subject == "We received your request: Charged twice"
    db.session.refresh(old)
    assert old.status == "solved"


def test_a_bounce_becomes_an_agents_note_and_never_reopens_or_answers(mail_app):
    ticket = file_from("english_base64.eml", "<outbox-1@help.example.com>")
    ticket.status, ticket.solved_at = "solved", datetime.now(UTC)
    db.session.commit()
    result = ingest(raw("bounce.eml"))
    assert (result.outcome, result.ticket_id) == ("note", ticket.id)
    db.session.refresh(ticket)
    note = ticket.messages[-1]
    assert (note.author_type, note.internal) == ("system", True)
    assert "nobody@invalid.example" in note.body and "5.1.1" in note.body
    assert ticket.status == "solved"
    assert count(OutboxMessage) == 1


def test_a_bounce_about_no_known_message_is_recorded_and_files_nothing(mail_app):
    result = ingest(raw("bounce.eml"))
    assert (result.outcome, result.ticket_id) == ("recorded", None)
    assert count(Ticket) == 0 and count(InboundEmail) == 1


def test_an_out_of_office_reply_is_a_note_that_leaves_a_solved_ticket_solved(mail_app):
    ticket = file_from("english_base64.eml", "<outbox-1@help.example.com>")
    ticket.status, ticket.solved_at = "solved", datetime.now(UTC)
    db.session.commit()
    result = ingest(raw("out_of_office.eml"))
    assert result.outcome == "note"
    db.session.refresh(ticket)
    assert ticket.status == "solved" and ticket.messages[-1].internal
    assert count(OutboxMessage) == 1


def test_an_out_of_office_reply_to_no_ticket_of_ours_is_recorded_and_files_nothing(mail_app):
    result = ingest(raw("out_of_office.eml"))
    assert (result.outcome, result.ticket_id) == ("recorded", None)
    assert count(Ticket) == 0 and count(OutboxMessage) == 0


def test_bulk_mail_on_no_ticket_is_filed_without_an_automatic_answer(mail_app):
    result = ingest(headers(Precedence="bulk", Message_ID="<news-1@shop.example>"))
    assert result.outcome == "new_ticket"
    assert count(Ticket) == 1 and count(OutboxMessage) == 0


def test_a_subject_reference_from_a_stranger_opens_a_new_ticket(mail_app):
    ticket = file_from("english_base64.eml")
    stranger = headers(
        Subject=f"Re: [{ticket.reference}] Charged twice",
        From="eve@evil.example",
        Message_ID="<eve-1@evil.example>",
    )
    result = ingest(stranger)
    assert result.outcome == "new_ticket" and result.ticket_id != ticket.id
    customer = headers(
        Subject=f"Re: [{ticket.reference}] Charged twice",
        From="John <john@example.com>",
        Message_ID="<john-2@example.com>",
    )
    assert ingest(customer).ticket_id == ticket.id


def test_a_reply_to_the_token_address_matches_without_any_threading_header(mail_app):
    ticket = file_from("english_base64.eml")
    address = reply_address(ticket)
    result = ingest(
        headers(
            To=address,
            From="john.alias@example.net",
            Subject="hi",
            Message_ID="<tok-1@example.net>",
        )
    )
    assert (result.outcome, result.ticket_id) == ("follow_up", ticket.id)


def test_a_sender_over_the_hourly_limit_is_held_kept_and_not_answered(mail_app):
    mail_app.config["INBOUND_SENDER_LIMIT_PER_HOUR"] = 2
    outcomes = [
        ingest(headers(Message_ID=f"<flood-{i}@example.com>", Subject=f"n{i}")).outcome
        for i in range(4)
    ]
    assert outcomes == ["new_ticket", "new_ticket", "held", "held"]
    assert count(Ticket) == 2 and count(OutboxMessage) == 2
    held = (
        db.session.execute(sa.select(InboundEmail).where(InboundEmail.outcome == "held"))
        .scalars()
        .all()
    )
    assert len(held) == 2
    assert all((inbound.mail_dir(mail_app.config) / h.raw_path).is_file() for h in held)


def test_attachments_are_stored_outside_the_web_root_by_type_and_size(mail_app):
    result = ingest(raw("attachments.eml"))
    rows = {a.filename: a for a in db.session.execute(sa.select(InboundAttachment)).scalars()}
    assert rows["receipt.pdf"].stored and rows["receipt.pdf"].content_type == "application/pdf"
    assert rows["화면.png"].stored and rows["화면.png"].ticket_id == result.ticket_id
    assert not rows["invoice.pdf"].stored
    assert "application/x-msdownload" in rows["invoice.pdf"].refused
    root = inbound.mail_dir(mail_app.config)
    assert root.is_relative_to(Path(mail_app.config["INSTANCE_DIR"]))
    assert (
        inbound.attachment_path(root, rows["receipt.pdf"].sha256).read_bytes().startswith(b"%PDF")
    )
    assert not inbound.attachment_path(root, rows["invoice.pdf"].sha256).exists()


def test_an_attachment_over_the_size_limit_is_recorded_but_not_stored(mail_app):
    mail_app.config["INBOUND_ATTACHMENT_MAX_BYTES"] = 50
    ingest(raw("attachments.eml"))
    rows = {a.filename: a for a in db.session.execute(sa.select(InboundAttachment)).scalars()}
    assert rows["receipt.pdf"].stored
    assert (rows["화면.png"].stored, rows["화면.png"].refused) == (False, "too large")


def test_mail_from_our_own_address_is_recorded_and_never_filed(mail_app):
    result = ingest(headers(From="support@help.example.com", Message_ID="<own-1@help>"))
    assert result.outcome == "recorded" and count(Ticket) == 0


def test_malformed_mail_is_recorded_with_its_raw_bytes_and_never_raises(mail_app):
    result = ingest(raw("malformed.eml"))
    assert (result.outcome, result.ticket_id) == ("recorded", None)
    record = db.session.execute(sa.select(InboundEmail)).scalar_one()
    assert record.reason == "no sender address"


@pytest.mark.parametrize(
    "name",
    [
        "html_only.eml",
        "euckr_outlook.eml",
        "forwarded_chain.eml",
        "naver_reply.eml",
        "outlook_reply_korean.eml",
    ],
)
def test_every_person_written_fixture_files_a_ticket(mail_app, name):
    result = ingest(raw(name))
    assert result.outcome == "new_ticket"
    ticket = db.session.get(Ticket, result.ticket_id)
    assert ticket.messages[0].body.strip()
    assert ticket.locale == ("en" if name in ("html_only.eml", "forwarded_chain.eml") else "ko")
