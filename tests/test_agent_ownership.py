"""Ownership of tickets: groups, any assignee, priority, tags, "on hold", bulk actions,
the "new customer message" marker, and two agents answering one ticket at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from flask_migrate import downgrade, upgrade
from markupsafe import escape

from portal.agent.bulk import BulkChange, BulkError, apply_bulk
from portal.agent.groups import GroupError, save_group
from portal.agent.queue import QueueFilter, list_tickets
from portal.agent.tags import TagError, normalize_tag, parse_tags
from portal.extensions import db
from portal.models import Group, OutboxMessage, Ticket, TicketMessage, User, utcnow
from portal.tickets.service import add_customer_reply
from tests.conftest import make_app
from tests.test_agent import PASSWORD, make_ticket, make_user, page_text, sign_in


@pytest.fixture
def desk(search_app):
    """Two agents (Ana, Bo) and a writer; Ana's client is signed in. A request context is
    pushed for models and URLs."""
    with search_app.test_request_context():
        ana = make_user("ana@example.com", "agent")
        ana.name = "Ana"
        bo = make_user("bo@example.com", "agent")
        bo.name = "Bo"
        make_user("writer@example.com", "writer")
        db.session.commit()
        client = search_app.test_client()
        sign_in(client, "ana@example.com")
        yield client


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(email=email))


def switch_client() -> None:
    """The fixture's app context is shared by the requests, and flask-login caches the user
    in ``g``: forget it when the next request comes from another client."""
    g.pop("_login_user", None)


def row_of(html: str, reference: str) -> str:
    rows = dict(re.findall(r'data-reference="([^"]+)"(.*?)</tr>', html, re.S))
    return rows[reference]


# -- tags -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Refund", "refund"),
        ("  REFUND  ", "refund"),
        ("late delivery", "late-delivery"),
        ("환불 지연", "환불-지연"),
        ("Ｒｅｆｕｎｄ", "refund"),  # full-width letters (NFKC)
        ("vip!!", "vip"),
        ("<script>", "script"),
        ("!!!", ""),
    ],
)
def test_tags_are_normalized_to_one_lower_case_spelling(raw, tag):
    assert normalize_tag(raw) == tag


def test_a_tag_list_drops_empties_and_duplicates_and_refuses_a_very_long_tag(search_app):
    with search_app.test_request_context():
        assert parse_tags("Refund, refund ,, VIP") == ["refund", "vip"]
        with pytest.raises(TagError, match="longer than 40"):
            parse_tags("x" * 41)


# -- groups ---------------------------------------------------------------------------


def test_group_names_are_unique_in_any_case_and_members_must_be_agents(desk):
    save_group("Korean desk", members=[user("ana@example.com")])
    with pytest.raises(GroupError, match="already a group"):
        save_group("korean  DESK")
    with pytest.raises(GroupError, match="Only agents"):
        save_group("Writers", members=[user("writer@example.com")])
    with pytest.raises(GroupError, match="needs a name"):
        save_group("   ")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 1


# -- one ticket's properties --------------------------------------------------------------


def test_a_ticket_is_given_to_another_agent_and_a_group_with_priority_and_tags(desk):
    billing = save_group("Billing", members=[user("bo@example.com")])
    ticket = make_ticket()

    response = desk.post(
        f"/agent/tickets/{ticket.reference}/properties",
        data={
            "group": str(billing.id),
            "assignee": str(user("bo@example.com").id),
            "priority": "urgent",
            "tags": "Refund, 카드 환불, refund",
        },
    )

    assert response.status_code == 302
    db.session.refresh(ticket)
    assert (ticket.group.name, ticket.assignee.name, ticket.priority) == ("Billing", "Bo", "urgent")
    assert ticket.tags == ["refund", "카드-환불"]
    row = row_of(page_text(desk.get("/agent/")), ticket.reference)
    assert "Billing" in row and "Bo" in row and "Urgent" in row and "카드-환불" in row


def test_a_writer_cannot_be_made_the_assignee_and_nothing_changes(desk):
    ticket = make_ticket()
    response = desk.post(
        f"/agent/tickets/{ticket.reference}/properties",
        data={"assignee": str(user("writer@example.com").id), "priority": "high", "tags": ""},
    )
    assert response.status_code == 400
    db.session.refresh(ticket)
    assert ticket.assignee_id is None and ticket.priority == "normal"


def test_an_unknown_priority_is_refused(desk):
    ticket = make_ticket()
    response = desk.post(
        f"/agent/tickets/{ticket.reference}/properties", data={"priority": "asap", "tags": ""}
    )
    assert response.status_code == 400
    db.session.refresh(ticket)
    assert ticket.priority == "normal"


def test_new_tickets_have_normal_priority_and_no_group(desk):
    ticket = make_ticket()
    assert (ticket.priority, ticket.group_id, ticket.tags) == ("normal", None, [])


# -- the queue's filters --------------------------------------------------------------


@pytest.fixture
def sorted_desk(desk):
    """Four tickets across groups, priorities, tags and statuses."""
    korean = save_group("Korean desk", members=[user("ana@example.com")])
    billing = save_group("Billing", members=[user("bo@example.com")])
    made = {
        "Korean urgent": make_ticket("Korean urgent", "a"),
        "Billing low": make_ticket("Billing low", "b", locale="en"),
        "Nobody's": make_ticket("Nobody's", "c", locale="en"),
        "Waiting on carrier": make_ticket("Waiting on carrier", "d", status="on_hold"),
    }
    made["Korean urgent"].group_id, made["Korean urgent"].priority = korean.id, "urgent"
    made["Billing low"].group_id, made["Billing low"].priority = billing.id, "low"
    made["Billing low"].assignee_id = user("bo@example.com").id
    from portal.agent.tags import set_tags

    set_tags(made["Nobody's"], ["vip"])
    db.session.commit()
    return desk, {"korean": korean.id, "billing": billing.id}


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("group=mine", ["Korean urgent"], ["Billing low", "Nobody's"]),
        ("group=billing", ["Billing low"], ["Korean urgent", "Nobody's"]),
        ("group=none", ["Nobody's", "Waiting on carrier"], ["Korean urgent", "Billing low"]),
        ("priority=urgent", ["Korean urgent"], ["Billing low", "Nobody's"]),
        ("tag=VIP", ["Nobody's"], ["Korean urgent", "Billing low"]),
        ("status=on_hold", ["Waiting on carrier"], ["Korean urgent", "Nobody's"]),
        ("", ["Waiting on carrier", "Korean urgent"], []),  # "not solved" includes on hold
        ("assignee=bo", ["Billing low"], ["Korean urgent", "Nobody's"]),
    ],
)
def test_queue_filters_by_group_priority_tag_status_and_assignee(sorted_desk, query, shown, hidden):
    desk, groups = sorted_desk
    query = query.replace("group=billing", f"group={groups['billing']}")
    query = query.replace("assignee=bo", f"assignee={user('bo@example.com').id}")
    html = page_text(desk.get(f"/agent/?{query}"))
    assert all(escape(subject) in html for subject in shown), query
    assert not any(f">{escape(subject)}<" in html for subject in hidden), query


def test_queue_sorts_the_most_urgent_first(sorted_desk):
    desk, _ = sorted_desk
    html = page_text(desk.get("/agent/?sort=priority"))
    assert html.index("Korean urgent") < html.index("Nobody&#39;s") < html.index("Billing low")


def test_the_queue_speaks_korean_for_the_new_fields(sorted_desk):
    desk, _ = sorted_desk
    html = page_text(desk.get("/agent/?status=all", headers={"Accept-Language": "ko"}))
    assert "긴급" in html and "보류" in html and "선택한 티켓 변경" in html


# -- bulk actions ---------------------------------------------------------------------


def test_bulk_assigns_prioritizes_tags_and_solves_the_selected_tickets(desk):
    group = save_group("Billing")
    one, two, other = make_ticket("One", "a"), make_ticket("Two", "b"), make_ticket("Three", "c")

    response = desk.post(
        "/agent/tickets/bulk",
        data={
            "ticket": [one.reference, two.reference],
            "assignee": str(user("bo@example.com").id),
            "group": str(group.id),
            "status": "solved",
            "priority": "high",
            "add_tags": "Refund, Late",
            "next": "/agent/?status=all",
        },
    )

    assert response.status_code == 302 and response.headers["Location"] == "/agent/?status=all"
    for ticket in (one, two):
        db.session.refresh(ticket)
        assert ticket.assignee.name == "Bo" and ticket.group_id == group.id
        assert (ticket.status, ticket.priority, ticket.tags) == (
            "solved",
            "high",
            ["late", "refund"],
        )
        assert ticket.solved_at is not None
    db.session.refresh(other)
    assert (other.status, other.priority, other.assignee_id) == ("open", "normal", None)
    solved_mail = db.session.scalars(sa.select(OutboxMessage).filter_by(kind="ticket_solved"))
    assert sorted(m.ticket_id for m in solved_mail) == sorted([one.id, two.id])
    assert "2 tickets changed." in page_text(desk.get("/agent/"))


def test_bulk_removes_tags_and_unassigns(desk):
    ticket = make_ticket(assignee=user("ana@example.com"))
    apply_bulk([ticket.reference], BulkChange(add_tags=("a", "b")))
    apply_bulk([ticket.reference], BulkChange(remove_tags=("a",), assignee=None))
    db.session.refresh(ticket)
    assert ticket.tags == ["b"] and ticket.assignee_id is None


def test_a_refused_bulk_change_changes_no_ticket(desk):
    one, two = make_ticket("One", "a"), make_ticket("Two", "b")
    with pytest.raises(BulkError, match="not an active agent"):
        apply_bulk(
            [one.reference, two.reference],
            BulkChange(priority="urgent", assignee=user("writer@example.com")),
        )
    with pytest.raises(BulkError, match="Choose what to change"):
        apply_bulk([one.reference], BulkChange())
    with pytest.raises(BulkError, match="Select at least one"):
        apply_bulk([], BulkChange(priority="low"))
    for ticket in (one, two):
        db.session.refresh(ticket)
        assert ticket.priority == "normal"


def test_bulk_with_nothing_selected_says_so(desk):
    response = desk.post("/agent/tickets/bulk", data={"priority": "low"}, follow_redirects=True)
    assert "Select at least one ticket." in page_text(response)


def test_bulk_actions_need_the_csrf_token(tmp_path, articles_dir, built_index):
    import shutil

    shutil.copytree(built_index, tmp_path / "index")
    app = make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True
    )
    with app.test_request_context():
        make_user("ana@example.com", "agent")
        ticket = make_ticket()
        client = app.test_client()
        login_page = page_text(client.get("/login"))
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        client.post(
            "/login",
            data={"email": "ana@example.com", "password": PASSWORD, "csrf_token": token},
        )
        queue = page_text(client.get("/agent/"))
        assert 'id="bulk-form"' in queue and 'name="csrf_token"' in queue.split('id="bulk-form"')[1]
        response = client.post(
            "/agent/tickets/bulk", data={"ticket": ticket.reference, "priority": "urgent"}
        )
        assert response.status_code == 400
        db.session.refresh(ticket)
        assert ticket.priority == "normal"


# -- "new customer message" marker ------------------------------------------------------


def test_a_new_customer_message_is_marked_until_the_assignee_opens_the_ticket(desk):
    ticket = make_ticket(assignee=user("ana@example.com"))
    assert "New message" in row_of(page_text(desk.get("/agent/")), ticket.reference)

    desk.get(f"/agent/tickets/{ticket.reference}")
    assert "New message" not in row_of(page_text(desk.get("/agent/")), ticket.reference)

    add_customer_reply(ticket, "Any news?")
    assert "New message" in row_of(page_text(desk.get("/agent/?unseen=1")), ticket.reference)


def test_the_marker_follows_the_assignee_not_whoever_looked(desk, search_app):
    ticket = make_ticket(assignee=user("bo@example.com"))
    desk.get(f"/agent/tickets/{ticket.reference}")  # Ana looks; Bo has not
    assert "New message" in row_of(page_text(desk.get("/agent/")), ticket.reference)

    bo = search_app.test_client()
    sign_in(bo, "bo@example.com")
    switch_client()
    bo.get(f"/agent/tickets/{ticket.reference}")
    switch_client()
    assert "New message" not in row_of(page_text(desk.get("/agent/")), ticket.reference)
    page = list_tickets(QueueFilter(unseen=True), user("ana@example.com"))
    assert ticket not in page.tickets


def test_an_agents_own_reply_is_not_a_new_customer_message(desk):
    ticket = make_ticket(assignee=user("ana@example.com"))
    desk.get(f"/agent/tickets/{ticket.reference}")
    desk.post(f"/agent/tickets/{ticket.reference}/messages", data={"body": "Hi", "send": "1"})
    assert "New message" not in row_of(page_text(desk.get("/agent/")), ticket.reference)


# -- two agents answering at once -----------------------------------------------------


def seen_id(html: str) -> str:
    return re.search(r'name="seen" type="hidden" value="(\d+)"', html).group(1)


def test_the_second_reply_is_held_back_with_its_text_and_a_warning(desk, search_app):
    ticket = make_ticket()
    seen = seen_id(page_text(desk.get(f"/agent/tickets/{ticket.reference}")))
    bo = search_app.test_client()
    sign_in(bo, "bo@example.com")
    switch_client()
    sent = bo.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "Bo answered first.", "send": "1"},
    )
    assert sent.status_code == 302, page_text(sent)
    switch_client()

    response = desk.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "Ana's draft", "send": "1", "seen": seen, "status": "pending"},
    )

    assert response.status_code == 409
    html = page_text(response)
    assert "Your reply was not sent." in html and "Send anyway" in html
    assert "Ana&#39;s draft</textarea>" in html
    assert "message-newer" in html and "Bo answered first." in html
    bodies = [
        m.body for m in db.session.scalars(sa.select(TicketMessage).filter_by(ticket_id=ticket.id))
    ]
    assert "Ana's draft" not in bodies
    # The page now carries the newest id: sending again (or "Send anyway") goes through.
    assert int(seen_id(html)) > int(seen)
    anyway = desk.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "Ana's draft", "send_anyway": "1", "seen": seen},
    )
    assert anyway.status_code == 302
    bodies = [
        m.body for m in db.session.scalars(sa.select(TicketMessage).filter_by(ticket_id=ticket.id))
    ]
    assert bodies[-1] == "Ana's draft"


def test_a_customer_message_while_writing_also_holds_the_reply(desk):
    ticket = make_ticket()
    seen = seen_id(page_text(desk.get(f"/agent/tickets/{ticket.reference}")))
    add_customer_reply(ticket, "Never mind, it arrived!")
    response = desk.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "Sorry for the delay", "send": "1", "seen": seen},
    )
    assert response.status_code == 409 and "Never mind, it arrived!" in page_text(response)


def test_an_agents_own_note_does_not_hold_their_reply(desk):
    ticket = make_ticket()
    seen = seen_id(page_text(desk.get(f"/agent/tickets/{ticket.reference}")))
    desk.post(f"/agent/tickets/{ticket.reference}/messages", data={"body": "note", "note": "1"})
    response = desk.post(
        f"/agent/tickets/{ticket.reference}/messages",
        data={"body": "The reply", "send": "1", "seen": seen},
    )
    assert response.status_code == 302


# -- on hold --------------------------------------------------------------------------


def test_on_hold_is_a_status_a_customer_reply_reopens_and_customers_see_as_open(desk):
    ticket = make_ticket()
    desk.post(f"/agent/tickets/{ticket.reference}/status", data={"status": "on_hold"})
    db.session.refresh(ticket)
    assert ticket.status == "on_hold"
    assert "On hold" in page_text(desk.get(f"/agent/tickets/{ticket.reference}"))
    add_customer_reply(ticket, "Hello?")
    db.session.refresh(ticket)
    assert ticket.status == "open"


# -- migration ------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_ownership_migration_goes_down_and_up_keeping_tickets(db_app):
    with db_app.app_context():
        ticket = Ticket(
            reference="T-MIGRATE",
            token_hash="x" * 64,
            email="a@example.com",
            name="A",
            subject="S",
            locale="en",
            status="on_hold",
            priority="urgent",
            created_at=utcnow() - timedelta(hours=1),
            updated_at=utcnow(),
        )
        db.session.add(ticket)
        db.session.commit()
        db.session.remove()
        downgrade(revision="5a1c0e22d005")
        status = db.session.execute(sa.text("SELECT status FROM tickets")).scalar_one()
        assert status == "open"
        db.session.remove()
        upgrade()
        again = db.session.scalar(sa.select(Ticket))
        assert (again.reference, again.priority, again.group_id) == ("T-MIGRATE", "normal", None)
