"""Staff sign-in: passwords, safe redirects, sign-out, throttling, cookies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import User
from portal.users import save_user
from tests.conftest import make_app

PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff(app):
    """An agent and a writer, saved the way `portal users create` saves them."""
    with app.app_context():
        save_user("agent@example.com", PASSWORD, roles=("agent",))
        save_user("writer@example.com", PASSWORD, roles=("writer",))


def login(client, email="agent@example.com", password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def test_passwords_are_stored_only_as_a_slow_hash(app, staff):
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="agent@example.com"))
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


def test_an_agent_signs_in_and_lands_on_the_queue(client, staff):
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/agent/"
    assert client.get("/agent/").status_code == 200


def test_a_signed_in_agent_visiting_the_login_page_goes_to_the_queue(client, staff):
    login(client)
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/agent/"


def test_a_writer_without_a_workspace_lands_on_the_site(client, staff, app):
    response = login(client, "writer@example.com")
    expected = "/write/" if "write.index" in app.view_functions else "/"
    assert response.status_code == 302
    assert response.headers["Location"].startswith(expected)


@pytest.mark.parametrize(
    ("email", "password"),
    [("agent@example.com", "wrong-password"), ("nobody@example.com", PASSWORD), ("agent", "x")],
)
def test_a_failed_sign_in_says_nothing_about_which_part_was_wrong(client, staff, email, password):
    response = login(client, email, password)
    assert response.status_code == 400
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/agent/").status_code == 302  # still anonymous


def test_a_deactivated_account_cannot_sign_in(app, client, staff):
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="agent@example.com"))
        user.active = False
        db.session.commit()
    assert login(client).status_code == 400


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "x"],
)
def test_sign_in_never_follows_a_next_that_leaves_the_site(client, staff, target):
    response = login(client, next_url=target)
    assert response.headers["Location"] == "/agent/"


def test_sign_in_follows_a_next_on_this_site(client, staff):
    response = login(client, next_url="/agent/?status=solved")
    assert response.headers["Location"] == "/agent/?status=solved"


def test_anonymous_visitors_are_sent_to_login_and_come_back_after(client, staff):
    response = client.get("/agent/?status=pending")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    back = client.post(
        response.headers["Location"], data={"email": "agent@example.com", "password": PASSWORD}
    )
    assert back.headers["Location"] == "/agent/?status=pending"


def test_sign_out_needs_a_post_and_ends_the_session(client, staff):
    login(client)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/agent/").status_code == 302


def test_staff_landing_sends_each_person_to_the_right_place(client, staff):
    assert client.get("/staff").headers["Location"] == "/login"
    login(client)
    assert client.get("/staff").headers["Location"] == "/agent/"


def test_sign_in_is_throttled_even_for_the_right_password(tmp_path, articles_dir):
    app = make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'throttle.db'}", RATELIMIT_ENABLED=True
    )
    with app.app_context():
        save_user("agent@example.com", PASSWORD, roles=("agent",))
    client = app.test_client()
    statuses = [login(client, password="wrong-password").status_code for _ in range(10)]
    throttled = login(client)

    assert statuses == [400] * 10
    assert throttled.status_code == 429
    assert "Too many sign-in attempts" in throttled.get_data(as_text=True)
    assert client.get("/agent/").status_code == 302  # not signed in


def test_the_login_form_is_csrf_protected(tmp_path, articles_dir):
    app = make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True
    )
    with app.app_context():
        save_user("agent@example.com", PASSWORD, roles=("agent",))
    response = app.test_client().post(
        "/login", data={"email": "agent@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400


def test_session_cookies_are_http_only_and_same_site(client, staff):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
