"""Staff sign-in: passwords, safe redirects, sign-out, throttling, cookies, browser headers."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask_migrate import downgrade, upgrade
from werkzeug.security import generate_password_hash

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


def login(client, email="agent@example.com", password=PASSWORD, next_url=None, remember=False):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    data = {"email": email, "password": password} | ({"remember": "y"} if remember else {})
    return client.post(url, data=data)


def copied_cookies(client) -> dict[str, str]:
    """What a thief copies from a browser signed in with "Keep me signed in"."""
    login(client, remember=True)
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")}


def replay(app, cookies: dict[str, str]) -> int:
    """The status of the agent queue for another browser holding only ``cookies``."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser.get("/agent/").status_code


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


def test_signing_out_turns_away_copies_of_the_session_and_remember_cookies(app, client, staff):
    cookies = copied_cookies(client)
    remember_only = {"remember_token": cookies["remember_token"]}
    assert replay(app, cookies) == 200 and replay(app, remember_only) == 200

    client.post("/logout")

    assert replay(app, cookies) == 302
    assert replay(app, remember_only) == 302


def test_a_new_password_turns_away_copies_of_the_old_cookies(app, client, staff):
    cookies = copied_cookies(client)
    with app.app_context():
        save_user("agent@example.com", "a-brand-new-passphrase", roles=("agent",))
    assert replay(app, cookies) == 302
    assert login(app.test_client(), password="a-brand-new-passphrase").status_code == 302


def test_keep_me_signed_in_lasts_two_weeks_and_is_not_sent_by_other_sites(client, staff):
    response = login(client, remember=True)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert timedelta(days=13) < expires - datetime.now(UTC) <= timedelta(days=14)


def test_accounts_made_before_session_tokens_each_get_their_own_and_can_sign_in(db_app):
    insert = sa.text(
        "INSERT INTO users (email, name, password_hash, roles, active, created_at)"
        " VALUES (:email, 'Agent', :hash, 'agent', :active, :now)"
    )
    old_hash = generate_password_hash(PASSWORD, method="scrypt")
    with db_app.app_context():
        downgrade(revision="3f1e9a2b7d40")
        for email in ("agent@example.com", "agent2@example.com"):
            values = {"email": email, "hash": old_hash, "active": True, "now": datetime.now(UTC)}
            db.session.execute(insert, values)
        db.session.commit()
        upgrade()
        tokens = db.session.scalars(sa.select(User.session_token)).all()
    assert len(set(tokens)) == 2 and all(len(token) >= 40 for token in tokens)
    assert login(db_app.test_client()).status_code == 302


def median_seconds(action, times: int = 3) -> float:
    durations = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        durations.append(time.perf_counter() - start)
    return sorted(durations)[times // 2]


def test_an_unknown_email_is_refused_as_slowly_as_a_wrong_password(client, staff):
    """Equal times, so the login page does not tell which emails are staff accounts."""
    login(client, "nobody@example.com", "wrong-password")  # warm-up
    unknown = median_seconds(lambda: login(client, "nobody@example.com", "wrong-password"))
    known = median_seconds(lambda: login(client, "agent@example.com", "wrong-password"))
    assert unknown > known / 2


def test_the_sign_in_prompt_is_in_the_visitors_language(tmp_path, articles_dir):
    catalog = Catalog(locale="ko")
    catalog.add("Please sign in to see this page.", "이 페이지를 보려면 로그인하세요.")
    folder = tmp_path / "translations" / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    app = make_app(
        tmp_path,
        articles_dir,
        f"sqlite:///{tmp_path / 'ko.db'}",
        TRANSLATIONS_DIR=tmp_path / "translations",
    )
    client = app.test_client()
    response = client.get("/agent/", headers={"Accept-Language": "ko"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "이 페이지를 보려면 로그인하세요." in html
    assert "Please log in" not in html and "Please sign in" not in html


@pytest.mark.parametrize("path", ["/login", "/en/", "/en/no-such-page", "/static/css/site.css"])
def test_every_response_carries_browser_hardening_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_listed_image_origins_are_the_only_outside_images_allowed(tmp_path, articles_dir):
    from tests.conftest import make_app

    app = make_app(
        tmp_path,
        articles_dir,
        f"sqlite:///{tmp_path / 'images.db'}",
        IMAGE_ORIGINS=("https://cdn.example.com",),
    )
    policy = app.test_client().get("/en/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://cdn.example.com;" in policy


def test_the_private_ticket_page_keeps_its_stricter_referrer_policy(client):
    filed = client.post(
        "/en/contact",
        data={
            "email": "minji@example.com",
            "name": "Minji",
            "subject": "The reset email never arrives",
            "description": "I asked for a password reset twice and no email came.",
            "locale": "en",
            "submission_key": "k1",
        },
    )
    private = client.get(filed.location)
    assert private.status_code == 200
    assert private.headers["Referrer-Policy"] == "no-referrer"
    assert private.headers["X-Frame-Options"] == "DENY"
