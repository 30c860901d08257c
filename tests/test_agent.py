"""The agent workspace: queue, replies with article links, notes, the panel, and role checks."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from indexer import Hit
from portal.agent.panel import merge_public_order
from portal.agent.replies import (
    ReplyError,
    add_reply,
    customer_messages,
    link_for,
    render_reply,
    reopen_for_customer,
)
from portal.extensions import db
from portal.models import ArticleLink, OutboxMessage, Ticket, TicketMessage, User, utcnow
from portal.search import get_search
from portal.users import save_user

PASSWORD = "correct-horse-battery"
KOREAN_SUBJECT = "환불은 언제 받을 수 있나요?"
KOREAN_BODY = "주문을 취소했는데 환불이 아직 안 들어왔어요. 카드 환불은 며칠 걸리나요?"


# -- helpers -----------------------------------------------------------------------


def make_user(email: str, *roles: str) -> User:
    """A staff account with ``roles`` (none: a signed-in user who is not staff)."""
    return save_user(email, PASSWORD, roles=roles)


def sign_in(client, email: str) -> None:
    """Sign ``client`` in through the login form."""
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def make_ticket(
    subject: str = KOREAN_SUBJECT,
    body: str = KOREAN_BODY,
    *,
    locale: str = "ko",
    status: str = "open",
    created_at=None,
    assignee: User | None = None,
) -> Ticket:
    """A ticket with the customer's first message, as the ticket form files it."""
    token = secrets.token_urlsafe(24)
    ticket = Ticket(
        reference=f"T-{secrets.token_hex(4).upper()}",
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        email="minji@example.com",
        name="Minji",
        subject=subject,
        locale=locale,
        status=status,
        assignee_id=assignee.id if assignee else None,
        created_at=created_at or utcnow(),
        updated_at=created_at or utcnow(),
    )
    db.session.add(ticket)
    db.session.add(TicketMessage(ticket=ticket, author_type="customer", body=body))
    db.session.commit()
    return ticket


@pytest.fixture
def agent_client(search_app):
    """A client signed in as an agent, with a request context pushed for models and URLs."""
    with search_app.test_request_context():
        make_user("agent@example.com", "agent")
        client = search_app.test_client()
        sign_in(client, "agent@example.com")
        yield client


def agent() -> User:
    return db.session.scalar(sa.select(User).filter_by(email="agent@example.com"))


def page_text(response) -> str:
    return response.get_data(as_text=True)


# -- queue -------------------------------------------------------------------------


def test_queue_lists_tickets_with_status_locale_age_and_assignee(agent_client):
    old = make_ticket(created_at=utcnow() - timedelta(hours=3))
    mine_ticket = make_ticket("Parcel?", "It has not arrived.", locale="en", assignee=agent())

    html = page_text(agent_client.get("/agent/"))

    rows = {ref: row for ref, row in re.findall(r'data-reference="([^"]+)"(.*?)</tr>', html, re.S)}
    old_row = rows[old.reference]
    assert KOREAN_SUBJECT in old_row and "Korean" in old_row and "3 hours" in old_row
    assert "Open" in old_row and "Unassigned" in old_row and "Assign to me" in old_row
    mine = rows[mine_ticket.reference]
    assert "English" in mine and "<td>agent</td>" in mine and "Assign to me" not in mine


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("status=pending", ["Pending one"], ["Open one", "Solved one"]),
        ("status=solved", ["Solved one"], ["Open one", "Pending one"]),
        ("", ["Open one", "Pending one"], ["Solved one"]),
        ("status=all&locale=en", ["Solved one"], ["Open one", "Pending one"]),
        ("status=all&assignee=me", ["Pending one"], ["Open one", "Solved one"]),
        ("status=all&assignee=none", ["Open one", "Solved one"], ["Pending one"]),
    ],
)
def test_queue_filters_by_status_locale_and_assignee(agent_client, query, shown, hidden):
    make_ticket("Open one", "a", locale="ko", status="open")
    make_ticket("Pending one", "b", locale="ko", status="pending", assignee=agent())
    make_ticket("Solved one", "c", locale="en", status="solved")

    html = page_text(agent_client.get(f"/agent/?{query}"))

    assert all(subject in html for subject in shown)
    assert not any(subject in html for subject in hidden)


def test_queue_sorts_oldest_or_newest_first(agent_client):
    make_ticket("Older ticket", "a", created_at=utcnow() - timedelta(days=2))
    make_ticket("Newer ticket", "b", created_at=utcnow() - timedelta(minutes=5))

    oldest = page_text(agent_client.get("/agent/?sort=oldest"))
    newest = page_text(agent_client.get("/agent/?sort=newest"))

    assert oldest.index("Older ticket") < oldest.index("Newer ticket")
    assert newest.index("Newer ticket") < newest.index("Older ticket")


def test_unknown_filter_values_fall_back_to_the_default_queue(agent_client):
    make_ticket("Open one", "a")
    response = agent_client.get("/agent/?status=bogus&locale=xx&sort=nope&page=abc")
    assert response.status_code == 200
    assert "Open one" in page_text(response)


def test_assign_to_me_makes_the_agent_the_assignee(agent_client):
    ticket = make_ticket()

    response = agent_client.post(
        f"/agent/tickets/{ticket.reference}/assign", data={"next": "/agent/"}
    )

    assert response.status_code == 302 and response.headers["Location"] == "/agent/"
    db.session.refresh(ticket)
    assert ticket.assignee_id == agent().id
    html = page_text(agent_client.get("/agent/?assignee=me"))
    assert ticket.reference in html


def test_assign_never_redirects_off_the_site(agent_client):
    ticket = make_ticket()
    response = agent_client.post(
        f"/agent/tickets/{ticket.reference}/assign", data={"next": "https://evil.example/"}
    )
    assert response.headers["Location"] == f"/agent/tickets/{ticket.reference}"


# -- ticket view and article panel ----------------------------------------------------


def test_ticket_page_shows_the_conversation_and_suggestions_in_the_ticket_locale(agent_client):
    ticket = make_ticket()

    html = page_text(agent_client.get(f"/agent/tickets/{ticket.reference}"))

    assert KOREAN_BODY in html
    suggestions = html.split('id="suggestions"', 1)[1].split("</ul>", 1)[0]
    assert "환불 예정일 확인하기" in suggestions  # refund-timelines, Korean
    assert 'data-markdown="[환불 예정일 확인하기](article:refund-timelines)"' in suggestions
    assert "환불 에스컬레이션 플레이북" in suggestions  # internal articles are for agents
    assert "Internal" in suggestions


def test_unknown_ticket_is_a_404(agent_client):
    assert agent_client.get("/agent/tickets/T-NOPE").status_code == 404


def test_link_uses_the_article_in_the_ticket_locale(search_app):
    with search_app.test_request_context():
        target = link_for("refund-timelines", "ko")
    assert (target.locale, target.fallback) == ("ko", False)
    assert target.markdown == "[환불 예정일 확인하기](article:refund-timelines)"


def test_link_falls_back_to_another_locale_with_a_note(agent_client):
    # payment-methods has no Korean translation.
    data = agent_client.get("/agent/search?q=payment+methods&locale=en&for=ko").get_json()

    hit = next(h for h in data["results"] if h["id"] == "payment-methods")
    assert hit["link"]["fallback"] is True and hit["link"]["locale"] == "en"
    # The inserted text is read by the customer, in Korean; the note by the agent.
    assert (
        hit["link"]["markdown"] == "[Payment methods you can use](article:payment-methods) (영어)"
    )
    assert hit["link"]["note"] == "No Korean translation: the link opens the English article."


def test_language_names_follow_the_agents_language_and_the_replys(agent_client):
    korean_agent = {"Accept-Language": "ko"}
    data = agent_client.get(
        "/agent/search?q=payment+methods&locale=en&for=ko", headers=korean_agent
    ).get_json()
    hit = next(h for h in data["results"] if h["id"] == "payment-methods")
    assert hit["link"]["note"] == "한국어 번역이 없습니다. 링크를 누르면 영어 문서가 열립니다."
    assert hit["link"]["markdown"].endswith(" (영어)")
    ticket = make_ticket("Parcel?", "It has not arrived.", locale="en")
    html = page_text(agent_client.get(f"/agent/tickets/{ticket.reference}", headers=korean_agent))
    assert "영어로 답변하거나 내부 메모를 추가하세요" in html
    assert "English로" not in html


def test_panel_search_is_json_over_the_search_service_with_internal_articles(agent_client):
    data = agent_client.get("/agent/search?q=refund+escalation&locale=en").get_json()

    ids = [hit["id"] for hit in data["results"]]
    assert "refund-escalation-playbook" in ids and "refund-timelines" in ids
    internal = next(h for h in data["results"] if h["id"] == "refund-escalation-playbook")
    assert internal["visibility"] == "internal" and internal["url"] is None
    assert set(data) >= {"query", "locale", "mode", "degraded", "results"}


@pytest.mark.parametrize(
    ("params", "status"),
    [("q=x&locale=xx", 400), ("q=x&locale=en&for=zz", 400), ("q=" + "a" * 501, 400), ("q=", 200)],
)
def test_panel_search_rejects_bad_parameters_clearly(agent_client, params, status):
    response = agent_client.get(f"/agent/search?{params}")
    assert response.status_code == status
    if status == 400:
        assert "error" in response.get_json()


@pytest.mark.parametrize(
    ("query", "locale"),
    [
        ("refund", "en"),
        ("how long does a refund take", "en"),
        ("escalate a refund with goodwill", "en"),
        ("change my email", "en"),
        ("환불", "ko"),
        ("환불 언제 받나요", "ko"),
        ("결제 수단", "ko"),
    ],
)
def test_agent_panel_public_results_are_the_customer_results_in_the_same_order(
    agent_client, query, locale
):
    panel = agent_client.get("/agent/search", query_string={"q": query, "locale": locale})
    hits = panel.get_json()["results"]
    public = [(h["id"], h["locale"]) for h in hits if h["visibility"] == "public"]
    customer = get_search().search(query, locale=locale, side="customer", k=len(hits))

    assert public, "the query should find public articles"
    assert public == [(h.id, h.locale) for h in customer.hits][: len(public)]
    assert {h["visibility"] for h in hits} <= {"public", "internal"}


def _hit(article_id: str, visibility: str = "public") -> Hit:
    return Hit(article_id, "en", article_id, "c", "", "", "", 0.0, visibility)


def test_merge_keeps_internal_positions_and_the_customer_order_of_public_hits():
    everything = [_hit("a"), _hit("secret", "internal"), _hit("b"), _hit("c")]
    customer = [_hit("b"), _hit("a"), _hit("c"), _hit("d")]

    merged = merge_public_order(everything, customer)

    assert [h.id for h in merged] == ["b", "secret", "a", "c"]


# -- replies, notes, status ---------------------------------------------------------------


def test_a_public_reply_records_its_article_links_and_first_response(agent_client):
    ticket = make_ticket()
    body = "안녕하세요. [환불 예정일 확인하기](article:refund-timelines) 문서를 확인해 주세요."

    response = agent_client.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": body, "status": "pending", "send": "Send reply"},
    )

    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.first_response_at is not None and ticket.status == "pending"
    link = db.session.scalar(sa.select(ArticleLink))
    assert (link.ticket_id, link.article_id, link.locale) == (
        ticket.id,
        "refund-timelines",
        "ko",
    )
    assert link.agent_id == agent().id and link.created_at is not None
    html = page_text(agent_client.get(f"/agent/tickets/{ticket.reference}"))
    assert re.search(r'<a href="/ko/articles/refund-timelines"[^>]*>환불 예정일 확인하기</a>', html)


def test_a_fallback_link_keeps_the_customer_on_korean_pages_and_is_recorded_as_english(
    agent_client,
):
    # payment-methods has no Korean translation: customer pages show it under /ko/ with a notice.
    filed = agent_client.post(
        "/ko/contact",
        data={
            "email": "minji@example.com",
            "name": "김민지",
            "subject": "결제 수단",
            "description": "어떤 카드로 결제할 수 있나요?",
            "locale": "ko",
        },
    )
    private = filed.location.split("?")[0]
    ticket = db.session.scalar(sa.select(Ticket))
    body = "[Payment methods you can use](article:payment-methods) (영어)"

    agent_client.post(
        f"/agent/tickets/{ticket.reference}/messages", data={"body": body, "send": "Send reply"}
    )

    link = db.session.scalar(sa.select(ArticleLink))
    assert (link.article_id, link.locale) == ("payment-methods", "en")
    html = page_text(agent_client.get(private))
    assert 'href="/ko/articles/payment-methods"' in html and "/en/articles/" not in html
    email = db.session.scalar(sa.select(OutboxMessage).filter_by(kind="ticket_reply"))
    assert "(http://localhost/ko/articles/payment-methods)" in email.body
    article = page_text(agent_client.get("/ko/articles/payment-methods"))
    assert '<html lang="ko">' in article and "Payment methods you can use" in article
    assert 'class="notice fallback-notice"' in article


def test_a_public_reply_queues_a_localized_email_without_any_secret(agent_client):
    ticket = make_ticket()
    agent_client.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={
            "body": "[환불 예정일 확인하기](article:refund-timelines)",
            "status": "pending",
            "send": "Send reply",
        },
    )

    email = db.session.scalar(sa.select(OutboxMessage))
    assert (email.to_email, email.locale, email.kind) == ("minji@example.com", "ko", "ticket_reply")
    assert ticket.reference in email.subject and ticket.reference in email.body
    assert "환불 예정일 확인하기 (http://localhost/ko/articles/refund-timelines)" in email.body
    assert "token" not in email.body and ticket.token_hash not in email.body


def test_a_reply_email_keeps_an_old_multi_line_subject_on_one_header_line(agent_client):
    ticket = make_ticket("Refund\r\nBcc: x@evil.test")  # filed before subjects were one line

    agent_client.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "확인해 보겠습니다.", "send": "Send reply"},
    )

    email = db.session.scalar(sa.select(OutboxMessage))
    assert email.subject.endswith(": Refund Bcc: x@evil.test")
    assert not any(char in email.subject for char in "\r\n")


def test_internal_notes_never_reach_the_customer(agent_client):
    ticket = make_ticket()
    agent_client.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "VIP: goodwill credit approved", "note": "Add internal note"},
    )

    db.session.refresh(ticket)
    note = ticket.messages[-1]
    assert note.internal and note.body == "VIP: goodwill credit approved"
    assert note not in customer_messages(ticket)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert ticket.first_response_at is None and ticket.status == "open"
    html = page_text(agent_client.get(f"/agent/tickets/{ticket.reference}"))
    assert "Internal note" in html and "VIP: goodwill credit approved" in html


def test_an_internal_note_may_link_an_internal_article_but_a_reply_may_not(agent_client):
    ticket = make_ticket()
    body = "[playbook](article:refund-escalation-playbook)"
    url = f"/agent/tickets/{ticket.reference}/messages"

    refused = agent_client.post(url, data={"body": body, "send": "Send reply"})
    noted = agent_client.post(url, data={"body": body, "note": "Add internal note"})

    assert refused.status_code == 400 and "internal article" in page_text(refused)
    assert noted.status_code == 302
    db.session.refresh(ticket)
    assert [m.internal for m in ticket.messages] == [False, True]
    assert 'href="#"' in str(render_reply(body, "ko"))  # never resolves for customers


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required"),
        ("   ", "This field is required"),
        ("[x](article:no-such-article)", "There is no published article"),
        ("[draft](article:pickup-lockers)", "There is no published article"),
    ],
)
def test_a_bad_reply_is_refused_with_a_reason_and_nothing_is_saved(agent_client, body, message):
    ticket = make_ticket()

    response = agent_client.post(
        f"/agent/tickets/{ticket.reference}/messages", data={"body": body, "send": "Send reply"}
    )

    assert response.status_code == 400 and message in page_text(response)
    assert body.strip() in page_text(response)  # the draft is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketMessage)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleLink)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_service_refuses_an_unknown_status(search_app):
    with search_app.test_request_context():
        ticket = make_ticket()
        staff = make_user("agent2@example.com", "agent")
        with pytest.raises(ReplyError):
            add_reply(ticket, staff, "hello", status="closed")
        assert len(ticket.messages) == 1


def test_status_change_to_solved_stamps_the_time_and_reopening_clears_it(agent_client):
    ticket = make_ticket()
    url = f"/agent/tickets/{ticket.reference}/status"

    agent_client.post(url, data={"status": "solved"})
    db.session.refresh(ticket)
    assert ticket.status == "solved" and ticket.solved_at is not None

    agent_client.post(url, data={"status": "open"})
    db.session.refresh(ticket)
    assert ticket.status == "open" and ticket.solved_at is None
    assert agent_client.post(url, data={"status": "closed"}).status_code == 400


@pytest.mark.parametrize("status", ["pending", "solved"])
def test_a_customer_reply_reopens_a_pending_or_solved_ticket(search_app, status):
    with search_app.app_context():
        ticket = make_ticket(status=status)
        reopen_for_customer(ticket)
        db.session.commit()
        assert ticket.status == "open" and ticket.solved_at is None


def test_replies_render_safely(search_app):
    with search_app.test_request_context():
        html = str(
            render_reply("<script>alert(1)</script> **bold** [x](javascript:alert(1))", "en")
        )
    assert "<script>" not in html and "javascript:" not in html
    assert "<strong>bold</strong>" in html


def test_agent_reads_internal_articles_in_the_workspace(agent_client):
    response = agent_client.get("/agent/articles/ko/refund-escalation-playbook")
    assert response.status_code == 200
    assert "환불 에스컬레이션 플레이북" in page_text(response)
    assert agent_client.get("/agent/articles/en/pickup-lockers").status_code == 404  # a draft


# -- every /agent and /write route is protected ----------------------------------------


def _protected_rules(app) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(("/agent", "/write"))]
    assert any(r.rule.startswith("/agent") for r in rules)
    return rules


def _calls(app):
    """(method, url, rule) for every method of every /agent and /write route."""
    for rule in _protected_rules(app):
        url = rule.build(dict.fromkeys(rule.arguments, "1"), append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, rule


DEFAULT_ROLES = {"/agent": ("agent",), "/write": ("writer",)}
USERS = [(), ("writer",), ("agent",), ("admin",)]


def required_roles(app, rule: Rule) -> tuple[str, ...]:
    """The roles a route declares (``required_roles`` on the view), else its area's role."""
    prefix = "/agent" if rule.rule.startswith("/agent") else "/write"
    return getattr(app.view_functions[rule.endpoint], "required_roles", DEFAULT_ROLES[prefix])


def test_every_agent_and_writer_route_sends_anonymous_visitors_to_login(search_app):
    client = search_app.test_client()
    for method, url, _rule in _calls(search_app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login?next="), (method, url)


def test_every_agent_and_writer_route_refuses_the_wrong_role(search_app):
    with search_app.app_context():
        clients = {}
        for roles in USERS:
            email = f"{'-'.join(roles) or 'nobody'}@example.com"
            make_user(email, *roles)
            clients[roles] = search_app.test_client()
            sign_in(clients[roles], email)
    for method, url, rule in _calls(search_app):
        needed = set(required_roles(search_app, rule))
        for roles in USERS:
            response = clients[roles].open(url, method=method)
            if "admin" in roles or needed & set(roles):
                assert response.status_code != 403, (roles, method, url)
                assert "/login" not in response.headers.get("Location", ""), (roles, method, url)
            else:
                assert response.status_code == 403, (roles, method, url)


def test_ticket_references_in_pages_are_escaped(agent_client):
    ticket = make_ticket(subject="<img src=x onerror=alert(1)>")
    html = page_text(agent_client.get(f"/agent/tickets/{ticket.reference}"))
    assert "<img src=x" not in html
    assert re.search(r"&lt;img src=x onerror=alert\(1\)&gt;", html)
