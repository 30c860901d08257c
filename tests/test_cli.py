"""The `portal` commands a writer or operator types."""

from __future__ import annotations

import pytest

from portal.cli import cli
from portal.extensions import db


def test_articles_check_reports_each_broken_file_with_its_reason(app, articles_dir):
    bad = articles_dir / "en" / "account-sign-in" / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(cli, ["articles", "check"])
    assert result.exit_code != 0
    assert "broken.md" in result.output and "not valid YAML" in result.output


@pytest.mark.parametrize(
    "relative",
    ["ko/some-article.md", "loose.md", "en/account-sign-in/extra/too-deep.md"],
)
def test_articles_check_reports_an_article_file_outside_a_category_folder(
    app, articles_dir, relative
):
    stray = articles_dir / relative
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("---\nid: stray\ntitle: Stray\n---\nbody\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(cli, ["articles", "check"])
    assert result.exit_code != 0
    assert relative in result.output and "<locale>/<category>/<slug>.md" in result.output


def test_articles_check_passes_on_the_test_articles(app):
    result = app.test_cli_runner().invoke(cli, ["articles", "check"])
    assert result.exit_code == 0, result.output


def test_articles_check_warns_of_glossary_terms_no_query_can_find(app, articles_dir):
    (articles_dir / "glossary.yml").write_text(
        "- en: [turn on, switch on]\n  ko: [켜기, 전원 켜기]\n", encoding="utf-8"
    )
    result = app.test_cli_runner().invoke(cli, ["articles", "check"])
    assert result.exit_code == 0, result.output
    assert "ko term '켜기' is never found" in result.output
    assert "전원 켜기" not in result.output and "switch on" not in result.output


def test_index_build_if_stale_does_nothing_on_a_fresh_index(search_app):
    result = search_app.test_cli_runner().invoke(cli, ["index", "build", "--if-stale"])
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 0 removed" in result.output


def test_users_create_makes_a_staff_account_with_roles(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        cli, ["users", "create", "lee@example.com", "--role", "agent", "--password", "s3cret-pass!"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        from portal.extensions import db
        from portal.models import User

        user = db.session.scalar(db.select(User).filter_by(email="lee@example.com"))
        assert user.has_role("agent") and not user.has_role("writer")
        assert user.password_hash != "s3cret-pass!"


def create_user(app, email: str, password: str, role: str = "agent"):
    args = ["users", "create", email, "--role", role, "--password", password]
    return app.test_cli_runner().invoke(cli, args)


def signs_in(app, email: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-one", "at least 10 characters"),
        ("aaaaaaaaaaaa", "repeats a single character"),
        ("kim.minji-2026!", "must not contain 'kim.minji'"),
        ("Password2026!", "too common"),
        ("1234567890", "too common"),
        ("qwertyuiop", "too common"),
        # Each passed a list of ~40 common passwords (issue 24.8).
        ("12345678901", "too easy to guess"),
        ("p@ssw0rd123", "too easy to guess"),
        ("11111111112", "too easy to guess"),
        ("abcdefghijk", "too easy to guess"),
        ("zaq12wsxcde", "too easy to guess"),
    ],
)
def test_users_create_refuses_a_weak_password_and_says_why(app, password, reason):
    result = create_user(app, "Kim.Minji@example.com", password)
    assert result.exit_code != 0
    assert reason in result.output
    assert not signs_in(app, "kim.minji@example.com", password)


def test_a_new_password_from_the_cli_signs_out_every_browser(app):
    create_user(app, "lee@example.com", "first-long-passphrase")
    browser = app.test_client()
    browser.post(
        "/login",
        data={"email": "lee@example.com", "password": "first-long-passphrase", "remember": "y"},
    )
    assert browser.get("/agent/").status_code == 200

    result = create_user(app, "lee@example.com", "second-long-passphrase")

    assert result.exit_code == 0, result.output
    assert browser.get("/agent/").status_code == 302


def test_users_demo_creates_the_missing_demo_accounts(app):
    result = app.test_cli_runner().invoke(cli, ["users", "demo"])
    assert result.exit_code == 0, result.output
    assert "agent@example.com / agent-demo-pass (created)" in result.output
    assert signs_in(app, "agent@example.com", "agent-demo-pass")
    assert signs_in(app, "writer@example.com", "writer-demo-pass")


def test_demo_accounts_get_display_names_customers_can_read_and_existing_ones_keep_theirs(app):
    from portal.users import find_user

    runner = app.test_cli_runner()
    with app.app_context():
        create_demo = runner.invoke(cli, ["users", "demo"])
        assert create_demo.exit_code == 0, create_demo.output
        assert find_user("agent@example.com").name == "Minji from Support"
        assert find_user("writer@example.com").name == "Support writer"
        find_user("agent@example.com").name = "Jisoo"
        db.session.commit()
    runner.invoke(cli, ["users", "demo"])
    with app.app_context():
        assert find_user("agent@example.com").name == "Jisoo"


def test_users_demo_never_resets_a_changed_password(app):
    runner = app.test_cli_runner()
    runner.invoke(cli, ["users", "demo"])
    changed = create_user(app, "writer@example.com", "Changed-secret-999", role="writer")
    assert changed.exit_code == 0, changed.output

    result = runner.invoke(cli, ["users", "demo"])

    assert result.exit_code == 0, result.output
    assert "writer@example.com (exists; password unchanged)" in result.output
    assert "writer-demo-pass" not in result.output
    assert not signs_in(app, "writer@example.com", "writer-demo-pass")
    assert signs_in(app, "writer@example.com", "Changed-secret-999")


def test_portal_serve_answers_real_http_requests(tmp_path, articles_dir):
    """`make run` ends in `portal serve`: it must really serve, in both languages."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
        "PORTAL_ARTICLES_DIR": str(articles_dir),
        "PORTAL_EMBEDDER": "none",
        "PORTAL_SECRET_KEY": "serve-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
    }
    portal = str(Path(sys.executable).with_name("portal"))
    subprocess.run([portal, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [portal, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/", headers={"Accept-Language": "ko"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    body = response.read().decode()
                    final_url = response.url
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "portal serve did not answer in 60 s"
                time.sleep(0.5)
        assert final_url.endswith("/ko/")
        assert '<html lang="ko">' in body and "계정 및 로그인" in body
    finally:
        server.terminate()
        server.wait(timeout=10)
