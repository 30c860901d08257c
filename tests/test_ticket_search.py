"""Ticket search on the database's own full-text index (SQLite FTS5, PostgreSQL tsvector),
its filters, the LIKE fallback giving the same answers, and the search page's access."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import g

from portal.agent.groups import save_group
from portal.agent.tags import set_tags
from portal.agent.ticket_search import (
    SearchFilter,
    parse_search,
    rebuild_sqlite_index,
    search_mode,
    search_tickets,
)
from portal.extensions import db
from portal.models import Ticket, TicketMessage, utcnow
from portal.tickets.service import add_customer_reply
from tests.test_agent import make_user, page_text, sign_in

pytestmark = pytest.mark.postgres


def ticket(subject, body, *, email="minji@example.com", name="Minji", locale="ko", **fields):
    """A ticket with one customer message."""
    made = Ticket(
        reference=f"T-{secrets.token_hex(4).upper()}",
        token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        email=email,
        name=name,
        subject=subject,
        locale=locale,
        **fields,
    )
    db.session.add(made)
    db.session.add(TicketMessage(ticket=made, author_type="customer", body=body))
    db.session.commit()
    return made


@pytest.fixture
def tickets(db_app):
    """Four tickets in two languages, on each database backend."""
    with db_app.test_request_context():
        agent = make_user("agent@example.com", "agent")
        billing = save_group("Billing", members=[agent])
        made = {
            "refund": ticket("환불은 언제 되나요?", "카드로 결제했는데 환불이 안 됐어요."),
            "parcel": ticket(
                "Parcel never arrived",
                "Tracking says delivered but nothing is at my door.",
                email="sam@example.org",
                name="Sam Park",
                locale="en",
                channel="email",
            ),
            "card": ticket(
                "Card declined",
                "My card was declined twice; is it the bank?",
                email="lee@example.net",
                name="Lee",
                locale="en",
                status="solved",
                assignee_id=agent.id,
                group_id=billing.id,
            ),
            "old": ticket(
                "Refund for an old order",
                "I want a refund for last year's order.",
                email="old@example.com",
                locale="en",
                created_at=utcnow() - timedelta(days=40),
            ),
        }
        set_tags(made["card"], ["bank"])
        db.session.commit()
        yield made


def found(**kwargs) -> set[str]:
    flt = SearchFilter(**kwargs)
    return {t.subject for t in search_tickets(flt).tickets}


def test_the_database_full_text_index_is_used(tickets):
    assert search_mode() == "fulltext"


@pytest.mark.parametrize(
    ("q", "subjects"),
    [
        ("환불", {"환불은 언제 되나요?"}),  # a word prefix: 환불은, 환불이
        ("카드 결제", {"환불은 언제 되나요?"}),  # both words, in the message
        ("delivered door", {"Parcel never arrived"}),
        ("refund", {"Refund for an old order"}),
        ("REFUND old", {"Refund for an old order"}),
        ("declined bank", {"Card declined"}),  # subject and message together
        ("sam", {"Parcel never arrived"}),  # the customer's name
        ("sam@example.org", {"Parcel never arrived"}),  # the customer's address
        ("parcel refund", set()),  # every word must be somewhere in the ticket
        ("nothingmatcheshere", set()),
    ],
)
def test_words_are_found_in_subjects_messages_and_customers(tickets, q, subjects):
    assert found(q=q) == subjects


def test_the_like_fallback_finds_what_the_index_finds(tickets):
    for q in ("환불", "카드 결제", "delivered door", "sam@example.org", "declined bank"):
        index = {t.id for t in search_tickets(SearchFilter(q=q)).tickets}
        like = {t.id for t in search_tickets(SearchFilter(q=q), mode="like").tickets}
        assert index == like, q


def test_a_reference_finds_its_ticket(tickets):
    ref = tickets["parcel"].reference
    assert found(q=ref.lower()) == {"Parcel never arrived"}


def test_new_messages_notes_and_changed_subjects_are_found_at_once(tickets):
    add_customer_reply(tickets["parcel"], "Update: a neighbour had the box")
    assert found(q="neighbour") == {"Parcel never arrived"}
    db.session.add(
        TicketMessage(ticket=tickets["card"], author_type="agent", body="escalated", internal=True)
    )
    tickets["refund"].subject = "Renamed subject"
    db.session.commit()
    assert found(q="escalated") == {"Card declined"}
    assert found(q="renamed") == {"Renamed subject"}
    assert found(q="언제") == set()


def test_filters_narrow_the_search(tickets):
    agent_id = str(tickets["card"].assignee_id)
    group_id = str(tickets["card"].group_id)
    assert found(q="card", status="solved") == {"Card declined"}
    assert found(status="unsolved") == {
        "환불은 언제 되나요?",
        "Parcel never arrived",
        "Refund for an old order",
    }
    assert found(assignee=agent_id) == found(group=group_id) == {"Card declined"}
    assert "Card declined" not in found(assignee="none")
    assert found(tag="bank") == {"Card declined"}
    assert found(channel="email") == {"Parcel never arrived"}
    assert found(q="refund", since=date.today() - timedelta(days=7)) == set()
    assert found(until=date.today() - timedelta(days=30)) == {"Refund for an old order"}


@pytest.mark.parametrize(
    "q", ['"', "'", "refund*", "NEAR(a b)", "a OR b", "-x", "(", "'; DROP TABLE tickets; --", "^"]
)
def test_search_syntax_in_a_query_is_only_text(tickets, q):
    search_tickets(SearchFilter(q=q))  # no error
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 4


def test_unknown_filter_values_are_left_out_and_named(db_app):
    with db_app.test_request_context():
        flt, ignored = parse_search(
            {"q": "x", "status": "bogus", "group": "abc", "since": "2026-13-40", "channel": "fax"}
        )
    assert (flt.status, flt.group, flt.since, flt.channel) == ("", "", None, "")
    assert set(ignored) == {"status", "group", "since", "channel"}


def test_nothing_to_search_shows_nothing(tickets):
    page = search_tickets(SearchFilter(q="  !! "))
    assert page.total == 0 and page.tickets == ()


def test_a_sqlite_index_that_lost_its_triggers_falls_back_and_can_be_rebuilt(app):
    with app.test_request_context():
        ticket("Before", "first words")
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER message_fts_insert"))
        app.extensions.pop("ticket_search_mode", None)
        assert search_mode() == "like"
        ticket("After", "later words")
        assert found(q="later") == {"After"}  # LIKE still answers
        rebuild_sqlite_index()
        assert search_mode() == "fulltext"
        assert found(q="words") == {"Before", "After"}


# -- the page ---------------------------------------------------------------------------


def test_agents_search_from_the_page_and_writers_may_not(tickets, db_app):
    client = db_app.test_client()
    sign_in(client, "agent@example.com")
    html = page_text(client.get("/agent/find?q=환불"))
    assert "환불은 언제 되나요?" in html and "Parcel never arrived" not in html
    g.pop("_login_user", None)
    make_user("writer@example.com", "writer")
    writer = db_app.test_client()
    sign_in(writer, "writer@example.com")
    assert writer.get("/agent/find?q=x").status_code == 403


def test_the_search_page_speaks_korean(app):
    with app.app_context():
        make_user("agent@example.com", "agent")
    client = app.test_client()
    sign_in(client, "agent@example.com")
    korean = page_text(client.get("/agent/find?q=x", headers={"Accept-Language": "ko"}))
    assert "티켓 찾기" in korean and "일치하는 티켓이 없습니다." in korean


def test_past_the_count_limit_the_page_says_more_than(tickets, monkeypatch):
    from portal.agent import ticket_search

    monkeypatch.setattr(ticket_search, "COUNT_LIMIT", 2)
    page = search_tickets(SearchFilter(status="unsolved"), page_size=1)
    assert (page.total, page.capped, page.pages) == (2, True, 2)
