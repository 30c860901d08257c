"""Macros: placeholders and article links filled in the ticket's locale, one text per
locale, the actions they carry, applying one in the workspace, and the admin pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from portal.agent.macros import MacroError, apply_macro, save_macro
from portal.extensions import db
from portal.models import ArticleLink, Macro, TicketMessage, User
from tests.test_agent import make_ticket, make_user, page_text, sign_in

REFUND_TEXTS = {
    "en": "Hello {{customer_name}},\n\nsee {{article:refund-timelines}} about "
    "{{ticket_reference}}.\n\n{{agent_name}}",
    "ko": "{{customer_name}}님, 안녕하세요.\n\n{{ticket_reference}} 건은 "
    "{{article:refund-timelines}} 문서를 참고해 주세요.\n\n{{agent_name}} 드림",
}


@pytest.fixture
def ctx(search_app):
    """A request context with an agent (Minji) and an admin; returns the app."""
    with search_app.test_request_context():
        agent = make_user("agent@example.com", "agent")
        agent.name = "Minji"
        make_user("admin@example.com", "admin")
        make_user("writer@example.com", "writer")
        db.session.commit()
        yield search_app


def agent() -> User:
    return db.session.scalar(sa.select(User).filter_by(email="agent@example.com"))


def client_for(app, email: str):
    g.pop("_login_user", None)
    client = app.test_client()
    sign_in(client, email)
    g.pop("_login_user", None)
    return client


def refund_macro(**kwargs) -> Macro:
    return save_macro(
        "Refund timing", REFUND_TEXTS, status="pending", priority="high", tags="Refund", **kwargs
    )


# -- rendering --------------------------------------------------------------------------


def test_a_korean_ticket_gets_the_korean_text_with_the_korean_article_title(ctx):
    ticket = make_ticket()  # Korean, customer "Minji"
    applied = apply_macro(refund_macro(), ticket, agent())
    assert applied.locale == "ko" and not applied.fallback
    assert applied.text.startswith("Minji님, 안녕하세요.")
    assert (
        f"{ticket.reference} 건은 [환불 예정일 확인하기](article:refund-timelines)" in applied.text
    )
    assert applied.text.endswith("Minji 드림")
    assert (applied.status, applied.priority, applied.tags) == ("pending", "high", ("refund",))


def test_an_english_ticket_gets_the_english_text_and_title(ctx):
    ticket = make_ticket("Refund?", "Where is it?", locale="en")
    applied = apply_macro(refund_macro(), ticket, agent())
    assert "see [When will I get my refund?](article:refund-timelines) about" in applied.text


def test_a_missing_locale_falls_back_to_the_default_text_and_says_so(ctx):
    macro = save_macro("Payment", {"en": "See {{article:payment-methods}}."})
    applied = apply_macro(macro, make_ticket(), agent())
    assert applied.locale == "en" and applied.fallback
    # The article link is still for the Korean ticket: English article, named in Korean.
    assert applied.text == "See [Payment methods you can use](article:payment-methods) (영어)."


def test_a_customer_name_cannot_smuggle_markdown_into_the_reply(ctx):
    ticket = make_ticket()
    ticket.name = "[click](https://evil.example)"
    applied = apply_macro(save_macro("Hi", {"ko": "{{customer_name}}님"}), ticket, agent())
    assert applied.text == r"\[click\](https://evil.example)님"


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"en": "Hi {{customer}}"}, "Unknown placeholder"),
        ({"en": "See {{article:no-such-article}}"}, "no published article"),
        ({"en": "See [x](article:no-such-article)"}, "no published article"),
        ({"en": "  ", "ko": ""}, "at least one language"),
        ({"fr": "Bonjour"}, "Unknown language"),
    ],
)
def test_a_bad_macro_is_refused_with_the_reason_and_nothing_saved(ctx, texts, message):
    with pytest.raises(MacroError, match=message):
        save_macro("Bad", texts)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Macro)) == 0


def test_macro_names_are_unique_in_any_case(ctx):
    refund_macro()
    with pytest.raises(MacroError, match="already a macro"):
        save_macro("refund TIMING", {"en": "x"})


# -- in the workspace -------------------------------------------------------------------


def test_applying_a_macro_fills_the_reply_and_sending_saves_its_actions(ctx):
    macro = refund_macro()
    ticket = make_ticket()
    client = client_for(ctx, "agent@example.com")
    page = page_text(client.get(f"/agent/tickets/{ticket.reference}"))
    seen = re.search(r'name="seen" type="hidden" value="(\d+)"', page).group(1)

    applied = client.post(
        f"/agent/tickets/{ticket.reference}/macro",
        data={"macro_choice": str(macro.id), "body": "먼저 죄송합니다.", "seen": seen},
    )

    assert applied.status_code == 200
    html = page_text(applied)
    assert "먼저 죄송합니다.\n\nMinji님, 안녕하세요." in html  # the draft is kept, the text added
    assert '<option selected value="pending">' in html
    assert "Nothing is sent until you send it." in html
    db.session.refresh(ticket)
    assert ticket.priority == "normal" and ticket.tags == []  # nothing saved yet

    body = re.search(r'<textarea[^>]*id="reply-body"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1)
    body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")
    sent = client.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": body, "status": "pending", "send": "1", "seen": seen, "macro": macro.id},
    )

    assert sent.status_code == 302
    db.session.refresh(ticket)
    assert (ticket.status, ticket.priority, ticket.tags) == ("pending", "high", ["refund"])
    reply = db.session.scalars(sa.select(TicketMessage).filter_by(author_type="agent")).one()
    assert "[환불 예정일 확인하기](article:refund-timelines)" in reply.body
    link = db.session.scalars(sa.select(ArticleLink)).one()
    assert (link.article_id, link.locale) == ("refund-timelines", "ko")


def test_a_switched_off_macro_cannot_be_applied(ctx):
    macro = refund_macro(active=False)
    ticket = make_ticket()
    client = client_for(ctx, "agent@example.com")
    assert "Refund timing" not in page_text(client.get(f"/agent/tickets/{ticket.reference}"))
    response = client.post(
        f"/agent/tickets/{ticket.reference}/macro", data={"macro_choice": str(macro.id)}
    )
    assert response.status_code == 400


# -- admin pages ------------------------------------------------------------------------


def test_admins_write_edit_and_delete_macros_in_the_browser(ctx):
    admin = client_for(ctx, "admin@example.com")
    created = admin.post(
        "/admin/macros/new",
        data={
            "name": "Refund timing",
            "text-en": REFUND_TEXTS["en"],
            "text-ko": REFUND_TEXTS["ko"],
            "set_status": "solved",
            "set_priority": "",
            "add_tags": "Refund, VIP",
            "active": "y",
        },
    )
    assert created.status_code == 302
    macro = db.session.scalars(sa.select(Macro)).one()
    assert (macro.set_status, macro.set_priority, macro.add_tags) == (
        "solved",
        None,
        ["refund", "vip"],
    )
    assert sorted(t.locale for t in macro.texts) == ["en", "ko"]
    listing = page_text(admin.get("/admin/macros"))
    assert "Refund timing" in listing and "한국어" in listing

    edited = admin.post(
        f"/admin/macros/{macro.id}",
        data={"name": "Refund timing", "text-en": "Only English now", "text-ko": ""},
    )
    assert edited.status_code == 302
    db.session.refresh(macro)
    assert [t.locale for t in macro.texts] == ["en"] and macro.active is False

    bad = admin.post("/admin/macros/new", data={"name": "X", "text-en": "{{nope}}"})
    assert bad.status_code == 400 and "Unknown placeholder" in page_text(bad)
    assert "{{nope}}</textarea>" in page_text(bad)  # the text is kept

    admin.post(f"/admin/macros/{macro.id}/delete")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Macro)) == 0


def test_the_macro_admin_page_speaks_korean(ctx):
    admin = client_for(ctx, "admin@example.com")
    html = page_text(admin.get("/admin/macros/new", headers={"Accept-Language": "ko"}))
    assert "매크로" in html and "한국어 텍스트" in html


@pytest.mark.parametrize("email", ["agent@example.com", "writer@example.com"])
def test_only_admins_manage_macros(ctx, email):
    client = client_for(ctx, email)
    for method, url in [("GET", "/admin/macros"), ("GET", "/admin/macros/new")]:
        assert client.open(url, method=method).status_code == 403
    assert client.post("/admin/macros/new", data={"name": "X", "text-en": "y"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Macro)) == 0


@pytest.mark.postgres
def test_the_macro_migration_goes_down_and_up(db_app):
    from flask_migrate import downgrade, upgrade

    with db_app.test_request_context():
        save_macro("Hello", {"en": "Hi {{customer_name}}"})
        db.session.remove()
        downgrade(revision="desk0001")
        tables = sa.inspect(db.engine).get_table_names()
        assert "macros" not in tables and "macro_texts" not in tables
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Macro)) == 0
