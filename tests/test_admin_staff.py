"""Admin in the browser: staff accounts (create, roles, deactivate), groups, and who may do
what (an agent cannot use admin pages, a writer cannot see tickets, a manager sees analytics
but cannot reply)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.agent.groups import save_group
from portal.extensions import db
from portal.models import Group, Ticket, TicketMessage, User
from tests.test_agent import PASSWORD, make_ticket, make_user, page_text, sign_in

STRONG = "plum-violin-harbor-77"
ROLE_SETS = {
    "agent": ("agent",),
    "writer": ("writer",),
    "manager": ("manager",),
    "admin": ("admin",),
}


@pytest.fixture
def people(app):
    """One account per role; returns the app."""
    with app.app_context():
        for name, roles in ROLE_SETS.items():
            make_user(f"{name}@example.com", *roles)
    return app


def client_as(app, role: str):
    client = app.test_client()
    sign_in(client, f"{role}@example.com")
    return client


def account(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        db.session.expunge_all()
        return user


# -- accounts ---------------------------------------------------------------------------


def test_an_admin_creates_an_account_with_roles_that_can_sign_in(people):
    admin = client_as(people, "admin")
    response = admin.post(
        "/admin/users",
        data={
            "email": "Jisoo@Example.com",
            "name": "Jisoo from Support",
            "roles": ["agent", "manager"],
            "password": STRONG,
        },
    )
    assert response.status_code == 302
    made = account(people, "jisoo@example.com")
    assert made.name == "Jisoo from Support" and made.role_set == {"agent", "manager"}
    fresh = people.test_client()
    assert (
        fresh.post("/login", data={"email": "jisoo@example.com", "password": STRONG}).status_code
        == 302
    )
    assert "Jisoo from Support" in page_text(admin.get("/admin/users"))


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("new@example.com", "password123", "too common"),
        ("agent@example.com", STRONG, "already an account"),
        ("not-an-email", STRONG, ""),
    ],
)
def test_a_bad_new_account_is_refused_with_the_reason(people, email, password, reason):
    admin = client_as(people, "admin")
    response = admin.post(
        "/admin/users", data={"email": email, "name": "X", "roles": ["agent"], "password": password}
    )
    assert response.status_code == 400
    assert reason in page_text(response)
    with people.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4


def test_an_admin_changes_roles_and_deactivation_ends_every_session(people):
    agent = client_as(people, "agent")
    assert agent.get("/agent/").status_code == 200
    admin = client_as(people, "admin")
    target = account(people, "agent@example.com")

    response = admin.post(
        f"/admin/users/{target.id}", data={"name": "Former agent", "roles": ["writer"]}
    )

    assert response.status_code == 302
    changed = account(people, "agent@example.com")
    assert changed.active is False and changed.role_set == {"writer"}
    assert agent.get("/agent/").headers["Location"].startswith("/login")
    again = people.test_client().post(
        "/login", data={"email": "agent@example.com", "password": PASSWORD}
    )
    assert again.status_code != 302


def test_an_admin_cannot_lock_themselves_out(people):
    admin = client_as(people, "admin")
    me = account(people, "admin@example.com")
    no_admin = admin.post(
        f"/admin/users/{me.id}", data={"name": "Me", "roles": ["agent"], "active": "y"}
    )
    assert no_admin.status_code == 400 and "your own admin role" in page_text(no_admin)
    inactive = admin.post(f"/admin/users/{me.id}", data={"name": "Me", "roles": ["admin"]})
    assert inactive.status_code == 400 and "deactivate your own account" in page_text(inactive)
    assert account(people, "admin@example.com").active is True


def test_the_accounts_page_speaks_korean(people):
    admin = client_as(people, "admin")
    html = page_text(admin.get("/admin/users", headers={"Accept-Language": "ko"}))
    assert "직원 계정" in html and "매니저: 분석 보기" in html


# -- groups -----------------------------------------------------------------------------


def test_an_admin_makes_edits_and_deletes_a_group(people):
    admin = client_as(people, "admin")
    agent_id = account(people, "agent@example.com").id
    made = admin.post(
        "/admin/groups/new",
        data={"name": "Korean desk", "description": "한국어 문의", "members": [str(agent_id)]},
    )
    assert made.status_code == 302
    with people.test_request_context():
        group = db.session.scalars(sa.select(Group)).one()
        assert [u.email for u in group.members] == ["agent@example.com"]
        ticket = make_ticket()
        ticket.group_id = group.id
        db.session.commit()
        group_id, ticket_id = group.id, ticket.id
    clash = admin.post("/admin/groups/new", data={"name": "korean DESK"})
    assert clash.status_code == 400 and "already a group" in page_text(clash)
    renamed = admin.post(f"/admin/groups/{group_id}", data={"name": "Korean team", "members": []})
    assert renamed.status_code == 302
    assert "Korean team" in page_text(admin.get("/admin/groups"))
    admin.post(f"/admin/groups/{group_id}/delete")
    with people.app_context():
        assert db.session.get(Ticket, ticket_id).group_id is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


def test_writers_cannot_join_a_group_from_the_page(people):
    admin = client_as(people, "admin")
    writer_id = account(people, "writer@example.com").id
    response = admin.post("/admin/groups/new", data={"name": "G", "members": [str(writer_id)]})
    assert response.status_code == 400  # not a choice: only active agents are listed
    with people.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 0


# -- access rules -----------------------------------------------------------------------


def admin_urls(app) -> list[tuple[str, str]]:
    """Every /admin route with made-up ids."""
    calls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            calls.append((method, url))
    return calls


def test_every_admin_page_refuses_every_role_but_admin(people):
    calls = admin_urls(people)
    assert ("GET", "/admin/users") in calls and ("POST", "/admin/groups/1/delete") in calls
    anonymous = people.test_client()
    for method, url in calls:
        assert anonymous.open(url, method=method).headers["Location"].startswith("/login")
    for role in ("agent", "writer", "manager"):
        client = client_as(people, role)
        for method, url in calls:
            assert client.open(url, method=method).status_code == 403, (role, method, url)
    admin = client_as(people, "admin")
    for method, url in calls:
        assert admin.open(url, method=method).status_code != 403, (method, url)


def test_a_writer_cannot_see_tickets(people):
    with people.test_request_context():
        reference = make_ticket().reference
    writer = client_as(people, "writer")
    for url in ("/agent/", f"/agent/tickets/{reference}", "/agent/find?q=x"):
        assert writer.get(url).status_code == 403, url


def test_a_manager_sees_analytics_but_cannot_work_tickets(people):
    with people.test_request_context():
        ticket = make_ticket()
        reference, ticket_id = ticket.reference, ticket.id
    manager = people.test_client()
    landing = manager.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    assert landing.headers["Location"] == "/agent/analytics/"
    dashboard = manager.get("/agent/analytics/")
    assert dashboard.status_code == 200
    assert 'href="/agent/"' not in page_text(dashboard)  # no link to a page they may not open
    for method, url, data in [
        ("GET", "/agent/", None),
        ("GET", f"/agent/tickets/{reference}", None),
        ("POST", f"/agent/tickets/{reference}/messages", {"body": "Hi", "send": "1"}),
        ("POST", f"/agent/tickets/{reference}/status", {"status": "solved"}),
        ("POST", "/agent/tickets/bulk", {"ticket": reference, "priority": "urgent"}),
    ]:
        assert manager.open(url, method=method, data=data).status_code == 403, url
    with people.app_context():
        messages = db.session.scalars(sa.select(TicketMessage).filter_by(ticket_id=ticket_id))
        assert [m.author_type for m in messages] == ["customer"]
        assert db.session.get(Ticket, ticket_id).status == "open"


def test_a_group_member_must_be_an_agent_in_the_service_too(people):
    with people.test_request_context():
        manager = db.session.scalar(sa.select(User).filter_by(email="manager@example.com"))
        with pytest.raises(ValueError):
            save_group("Managers", members=[manager])
