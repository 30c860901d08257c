"""Parsing real MIME (tests/data/mail/*.eml), the reply stripper and the reply token."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.mail.parse import decode_header_value, html_to_text, parse_email, sniff_type
from portal.mail.quoting import strip_reply
from portal.mail.tokens import make_reply_address, parse_reply_address

MAIL = Path(__file__).parent / "data" / "mail"


def load(name: str):
    return parse_email((MAIL / name).read_bytes())


def test_a_korean_quoted_printable_message_is_decoded_with_its_rfc2047_subject_and_sender():
    mail = load("korean_qp.eml")
    assert mail.subject == "배송이 안 와요"
    assert (mail.from_name, mail.from_address) == ("김민지", "minji@example.kr")
    assert "배송 조회를 해 주실 수 있나요?" in mail.text
    assert mail.message_id == "<korean-qp-1@mail.example.kr>"


def test_a_base64_english_message_is_decoded():
    mail = load("english_base64.eml")
    assert "charged twice for order 10423" in mail.text
    assert mail.to == ("support@help.example.com",)


def test_ks_c_5601_1987_and_euc_kr_are_read_as_cp949_so_no_syllable_is_lost():
    mail = load("euckr_outlook.eml")
    assert mail.subject == "비밀번호 재설정"
    assert mail.from_name == "박서준"
    assert "똠방각하 쀍" in mail.text  # outside KS X 1001: a strict euc-kr decoder fails here
    assert not mail.html_only


def test_an_html_only_message_becomes_text_without_scripts_styles_or_markup():
    mail = load("html_only.eml")
    assert mail.html_only
    assert 'The app crashes when I open My orders & tap "Track".' in mail.text
    assert "- iPhone 15" in mail.text
    for leftover in ("alert", "color:red", "<", "onerror"):
        assert leftover not in mail.text


def test_attachments_are_typed_by_their_bytes_not_by_what_the_sender_declared():
    files = {a.filename: a for a in load("attachments.eml").attachments}
    assert files["receipt.pdf"].declared_type == "application/octet-stream"
    assert files["receipt.pdf"].content_type == "application/pdf"
    assert files["화면.png"].content_type == "image/png"
    assert files["invoice.pdf"].content_type == "application/x-msdownload"
    assert files["화면.png"].size == len(files["화면.png"].data)


def test_a_multipart_report_bounce_names_the_recipient_status_and_our_message():
    mail = load("bounce.eml")
    assert mail.is_report and mail.return_path == "<>"
    assert mail.bounce.recipient == "nobody@invalid.example"
    assert mail.bounce.status == "5.1.1"
    assert "User unknown" in mail.bounce.diagnostic
    assert "<outbox-1@help.example.com>" in mail.thread_ids


def test_an_out_of_office_reply_carries_its_auto_submitted_and_precedence_flags():
    mail = load("out_of_office.eml")
    assert (mail.auto_submitted, mail.precedence) == ("auto-replied", "bulk")
    assert mail.auto_response_suppress == "all"
    assert mail.in_reply_to == ("<outbox-1@help.example.com>",)


def test_threading_headers_list_in_reply_to_first_then_references_newest_first():
    mail = load("reply_to_confirmation.eml")
    assert mail.thread_ids == ("<outbox-1@help.example.com>", "<english-b64-1@example.com>")


def test_malformed_mail_never_raises_and_gets_a_stable_message_id_from_its_bytes():
    raw = (MAIL / "malformed.eml").read_bytes()
    mail = parse_email(raw)
    assert mail.defects
    assert not mail.has_message_id
    assert mail.message_id == parse_email(raw).message_id
    assert mail.message_id.endswith("@no-message-id.invalid>")


@pytest.mark.parametrize("raw", [b"", b"\x00\xff\xfe", b"Subject: =?x?Q?=?=\r\n\r\n", b"\r\n" * 5])
def test_garbage_gives_a_best_effort_result_not_an_exception(raw):
    assert parse_email(raw).sha256


def test_an_unknown_charset_in_an_encoded_word_falls_back_to_readable_text():
    assert decode_header_value("=?x-klingon?B?SGVsbG8=?=") == "Hello"


def test_html_entities_become_characters_and_tags_never_survive():
    assert html_to_text("<p>a &lt;b&gt; &amp; c</p><script>x()</script>") == "a <b> & c"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"MZ\x00\x00", "application/x-msdownload"),
        ("한국어 텍스트".encode(), "text/plain"),
        (b"<html><script>", "text/html"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
    ],
)
def test_content_types_are_sniffed_from_the_bytes(data, kind):
    assert sniff_type(data) == kind


@pytest.mark.parametrize(
    ("fixture", "kept", "dropped"),
    [
        ("reply_to_confirmation.eml", "still on my card", "Thank you for contacting"),
        ("reply_to_confirmation.eml", "still on my card", "Sent from my iPhone"),
        ("gmail_reply_korean.eml", "아직 환불이 안 됐어요", "문의가 접수되었습니다"),
        ("outlook_reply_korean.eml", "해결됐습니다", "재설정 메일을 다시 보냈습니다"),
        ("naver_reply.eml", "만료됐다고 나와요", "30일간 유효합니다"),
    ],
)
def test_quoted_history_and_signatures_are_stripped(fixture, kept, dropped):
    text = strip_reply(load(fixture).text)
    assert kept in text
    assert dropped not in text


def test_a_forwarded_chain_is_content_and_is_kept_whole():
    text = strip_reply(load("forwarded_chain.eml").text)
    assert "Tracking: ZZ123" in text


def test_a_message_that_is_only_a_quote_keeps_its_text_rather_than_becoming_empty():
    assert strip_reply("> only a quote") == "> only a quote"


def test_korean_mobile_signatures_are_dropped():
    assert strip_reply("네 확인했어요\n\niPhone에서 보냄") == "네 확인했어요"


def test_a_reply_address_names_its_ticket_and_a_forged_one_names_none():
    address = make_reply_address("support@help.example.com", 42, "s3cret")
    assert address.startswith("support+t42-") and address.endswith("@help.example.com")
    assert parse_reply_address(address, "s3cret") == 42
    assert parse_reply_address(address.upper(), "s3cret") == 42  # servers may change case
    assert parse_reply_address(address, "other-secret") is None
    assert parse_reply_address(address.replace("t42-", "t43-"), "s3cret") is None
    assert parse_reply_address("support@help.example.com", "s3cret") is None
