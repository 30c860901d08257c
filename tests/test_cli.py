"""The `portal` commands a writer or operator types."""

from __future__ import annotations

from portal.cli import cli


def test_articles_check_reports_each_broken_file_with_its_reason(app, articles_dir):
    bad = articles_dir / "en" / "account-sign-in" / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(cli, ["articles", "check"])
    assert result.exit_code != 0
    assert "broken.md" in result.output and "not valid YAML" in result.output


def test_articles_check_passes_on_the_test_articles(app):
    result = app.test_cli_runner().invoke(cli, ["articles", "check"])
    assert result.exit_code == 0, result.output


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
