"""API keys: created once, stored hashed, counted by the key, refused when revoked."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.api_keys import ApiKeyError, create_key, hash_key, revoke_key
from portal.cli import cli
from portal.extensions import db
from portal.models import ApiKey
from tests.test_limits import limited_app

SEARCH = "/api/v1/search?q=refund"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def new_key(app, name="partner-bot", rate_limit=None) -> str:
    with app.app_context():
        return create_key(name, rate_limit).secret


def test_the_cli_prints_a_key_once_and_stores_only_its_hash(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir)
    runner = app.test_cli_runner()
    created = runner.invoke(cli, ["api-keys", "create", "partner-bot", "--limit", "60/minute"])
    assert created.exit_code == 0, created.output
    secret = re.search(r"^hc_[0-9a-f]{12}_\S{43}$", created.output, re.M).group(0)
    with app.app_context():
        key = db.session.scalars(sa.select(ApiKey)).one()
        assert key.key_hash == hash_key(secret) and secret not in (key.prefix, key.key_hash)
        assert key.rate_limit == "60/minute" and key.name == "partner-bot"
    listed = runner.invoke(cli, ["api-keys", "list"])
    assert "partner-bot" in listed.output and "60/minute" in listed.output
    assert secret not in listed.output and "active" in listed.output
    revoked = runner.invoke(cli, ["api-keys", "revoke", "partner-bot"])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert "revoked" in runner.invoke(cli, ["api-keys", "list"]).output


def test_the_cli_refuses_a_bad_limit_a_name_in_use_and_an_unknown_key(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir)
    runner = app.test_cli_runner()
    bad = runner.invoke(cli, ["api-keys", "create", "bot", "--limit", "lots"])
    assert bad.exit_code != 0 and "not a rate limit" in bad.output
    assert runner.invoke(cli, ["api-keys", "create", "bot"]).exit_code == 0
    again = runner.invoke(cli, ["api-keys", "create", "bot"])
    assert again.exit_code != 0 and "in use" in again.output
    unknown = runner.invoke(cli, ["api-keys", "revoke", "nobody"])
    assert unknown.exit_code != 0 and "no key in use" in unknown.output


def test_a_key_can_be_revoked_by_number_or_prefix_and_its_name_used_again(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir)
    with app.app_context():
        first = create_key("bot")
        revoke_key(str(first.key.id))
        second = create_key("bot")
        revoke_key(second.key.prefix)
        assert all(k.revoked_at for k in db.session.scalars(sa.select(ApiKey)))
        try:
            create_key("123")
        except ApiKeyError as exc:
            assert "look like an id" in str(exc)
        else:
            raise AssertionError("a numeric name was accepted")


def test_anonymous_calls_keep_the_per_address_limit(tmp_path, articles_dir):
    client = limited_app(tmp_path, articles_dir, search="2/minute").test_client()
    assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 429]


def test_a_key_is_counted_by_itself_under_its_own_limit(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, search="2/minute")
    secret = new_key(app, rate_limit="4/minute")
    client = app.test_client()
    assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 429]
    # The address is spent, the key is not: it has four of its own, on every route together.
    keyed = [client.get(SEARCH, headers=bearer(secret)).status_code for _ in range(3)]
    article = client.get("/api/v1/articles/reset-password", headers=bearer(secret))
    assert keyed == [200, 200, 200] and article.status_code == 200
    limited = client.get(SEARCH, headers=bearer(secret))
    assert limited.status_code == 429 and limited.get_json()["limit"] == "api-key"
    assert int(limited.headers["Retry-After"]) >= 1
    with app.app_context():
        assert db.session.scalars(sa.select(ApiKey)).one().last_used_at is not None


def test_a_key_without_a_limit_of_its_own_gets_the_configured_default(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, api="2/minute")
    secret = new_key(app)
    client = app.test_client()
    assert [client.get(SEARCH, headers=bearer(secret)).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


def test_each_key_has_its_own_budget(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, api="1/minute")
    first, second = new_key(app, "first"), new_key(app, "second")
    client = app.test_client()
    assert client.get(SEARCH, headers=bearer(first)).status_code == 200
    assert client.get(SEARCH, headers=bearer(first)).status_code == 429
    assert client.get(SEARCH, headers=bearer(second)).status_code == 200


def test_an_unknown_revoked_or_malformed_key_is_a_401_not_anonymous(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir)
    secret = new_key(app)
    client = app.test_client()
    assert client.get(SEARCH, headers=bearer(secret)).status_code == 200
    with app.app_context():
        revoke_key("partner-bot")
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for headers in (
        bearer(secret),  # revoked
        bearer(wrong),  # right prefix, wrong secret
        bearer("not-a-key"),
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ):
        answer = client.get(SEARCH, headers=headers)
        assert answer.status_code == 401, headers
        assert answer.is_json and "invalid or revoked API key" in answer.get_json()["error"]
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    filed = client.post(
        "/api/v1/tickets",
        json={"email": "a@example.com", "subject": "s", "description": "d"},
        headers=bearer(wrong),
    )
    assert filed.status_code == 401
    assert client.get(SEARCH).status_code == 200  # no header: anonymous as before


def test_the_inbound_email_webhook_keeps_its_own_bearer_secret(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, config={"INBOUND_SECRET": "s3cret-webhook"})
    answer = app.test_client().post(
        "/api/v1/inbound/email", data=b"", headers=bearer("s3cret-webhook")
    )
    assert answer.status_code == 400  # authorized; an empty message is refused as such


def test_a_key_still_works_when_its_last_use_cannot_be_written(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir)
    secret = new_key(app)
    client = app.test_client()
    from unittest import mock

    failing = sa.exc.OperationalError("UPDATE api_keys", {}, Exception("readonly database"))
    with mock.patch.object(db.session, "commit", side_effect=failing):
        assert client.get(SEARCH, headers=bearer(secret)).status_code == 200
