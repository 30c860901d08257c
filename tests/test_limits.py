"""Rate limits: named and configurable, the proxy rule, 429 answers, shared storage."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import uuid
from pathlib import Path

import pytest

from portal.config import load_config
from portal.limits import RateLimits, storage_settings
from tests.conftest import make_app
from tests.live_server import free_port

README = Path(__file__).resolve().parent.parent / "README.md"


def limited_app(tmp_path, articles_dir, storage: str = "memory://", config=None, **limits):
    """An app with rate limits on, the named ``limits`` overridden, counters in ``storage``
    (a private key prefix, so runs against one Redis never meet), ``config`` on top."""
    overrides = {
        "RATELIMIT_ENABLED": True,
        "RATE_LIMITS": RateLimits(**limits),
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"test-{uuid.uuid4().hex}"},
    }
    if storage.startswith("redis"):
        overrides["RATELIMIT_STORAGE_OPTIONS"].update(
            socket_connect_timeout=0.5, socket_timeout=0.5
        )
    overrides.update(config or {})
    return make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'limits.db'}", **overrides)


def storages() -> list[str]:
    """Memory always; the real Redis of .ci/run too when TEST_REDIS_URL names one."""
    found = ["memory://"]
    if os.environ.get("TEST_REDIS_URL"):
        found.append(os.environ["TEST_REDIS_URL"])
    return found


def watch_logs(caplog) -> None:
    """Migrating an app re-reads alembic's logging file, which drops the root logger's
    handlers (caplog's among them): hand it back."""
    logging.getLogger().addHandler(caplog.handler)


def dead_redis() -> str:
    """A Redis URL nobody answers at."""
    return f"redis://127.0.0.1:{free_port()}/0"


# -- configuration ---------------------------------------------------------------------


def test_every_limit_defaults_to_the_shipped_value_and_reads_its_variable(monkeypatch):
    assert load_config()["RATE_LIMITS"] == RateLimits()
    assert RateLimits().search == "120/minute" and RateLimits().tickets == "5/minute;30/hour"
    monkeypatch.setenv("PORTAL_RATE_LIMIT_SEARCH", "7/second")
    monkeypatch.setenv("PORTAL_RATE_LIMIT_LOGIN_ACCOUNT", "3/minute;9/hour")
    limits = load_config()["RATE_LIMITS"]
    assert limits.search == "7/second" and limits.login_account == "3/minute;9/hour"
    assert limits.suggest == "120/minute"


def test_a_malformed_limit_stops_the_start_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_RATE_LIMIT_TICKETS", "five a minute")
    with pytest.raises(RuntimeError, match="PORTAL_RATE_LIMIT_TICKETS='five a minute'"):
        load_config()


def test_every_named_limit_is_in_the_readme_table():
    text = README.read_text()
    for field in dataclasses.fields(RateLimits):
        variable = f"`PORTAL_RATE_LIMIT_{field.name.upper()}`"
        assert re.search(rf"\| {re.escape(variable)} \| `{re.escape(field.default)}` \|", text), (
            variable
        )


def test_redis_url_moves_the_counters_to_redis_and_memory_is_the_default():
    assert storage_settings({}.get)["RATELIMIT_STORAGE_URI"] == "memory://"
    env = {"REDIS_URL": "redis://redis.internal:6379/0"}
    settings = storage_settings(env.get)
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://redis.internal:6379/0"
    assert settings["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] <= 1


# -- 429 answers -----------------------------------------------------------------------


def test_an_api_429_is_json_with_retry_after_and_a_message_in_the_asked_locale(
    tmp_path, articles_dir
):
    client = limited_app(tmp_path, articles_dir, suggest="2/minute").test_client()
    url = "/api/v1/search?q=password&locale=ko&suggest=1"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    assert limited.is_json
    body = limited.get_json()
    seconds = int(limited.headers["Retry-After"])
    assert 1 <= seconds <= 60 and body["retry_after"] == seconds
    assert body["limit"] == "suggest"
    assert body["message"] == f"검색이 너무 많아요. {seconds}초 뒤에 다시 해 주세요."
    english = client.get("/api/v1/search?q=password&locale=en&suggest=1").get_json()
    assert english["message"].startswith("Too many searches; try again in ")


def test_suggestions_and_searches_have_separate_budgets(tmp_path, articles_dir):
    client = limited_app(
        tmp_path, articles_dir, suggest="1/minute", search="2/minute"
    ).test_client()
    assert client.get("/api/v1/search?q=a&suggest=1").status_code == 200
    assert client.get("/api/v1/search?q=a&suggest=1").status_code == 429
    assert [client.get("/api/v1/search?q=a").status_code for _ in range(3)] == [200, 200, 429]


def test_a_page_429_says_how_long_to_wait_in_the_visitors_language(tmp_path, articles_dir):
    client = limited_app(tmp_path, articles_dir, search_page="1/minute").test_client()
    assert client.get("/ko/search?q=비밀번호").status_code == 200
    limited = client.get("/ko/search?q=비밀번호")
    assert limited.status_code == 429
    seconds = int(limited.headers["Retry-After"])
    html = limited.get_data(as_text=True)
    assert '<html lang="ko">' in html
    assert f"검색이 너무 많아요. {seconds}초 뒤에 다시 해 주세요." in html


def test_every_429_carries_retry_after(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, vote="1/minute", tickets="1/minute")
    client = app.test_client()
    vote = "/en/articles/reset-password/vote"
    client.post(vote, data={"helpful": "yes"})
    limited_vote = client.post(vote, data={"helpful": "yes"})
    assert limited_vote.status_code == 429 and int(limited_vote.headers["Retry-After"]) >= 1
    assert "Please wait" in limited_vote.get_data(as_text=True)
    ticket = {
        "email": "kim@example.com",
        "name": "Kim",
        "subject": "Parcel",
        "description": "Where is my parcel?",
    }
    assert client.post("/api/v1/tickets", json=ticket).status_code == 201
    limited_api = client.post("/api/v1/tickets", json=ticket | {"subject": "Again"})
    assert limited_api.status_code == 429 and int(limited_api.headers["Retry-After"]) >= 1
    assert limited_api.get_json()["limit"] == "tickets"
    form = client.post("/en/contact", data=ticket | {"locale": "en", "subject": "Third"})
    assert form.status_code == 429 and int(form.headers["Retry-After"]) >= 1
    assert "your text is still below" in form.get_data(as_text=True)


def test_the_contact_form_and_the_api_spend_one_tickets_budget(tmp_path, articles_dir):
    client = limited_app(tmp_path, articles_dir, tickets="1/minute").test_client()
    form = {
        "email": "kim@example.com",
        "name": "Kim",
        "subject": "Parcel",
        "description": "Where is my parcel?",
        "locale": "en",
    }
    assert client.post("/en/contact", data=form).status_code == 302
    assert client.post("/api/v1/tickets", json=form | {"subject": "Again"}).status_code == 429


# -- behind a proxy --------------------------------------------------------------------


def search_statuses(client, forwarded: list[str], addr: str = "192.0.2.10") -> list[int]:
    return [
        client.get(
            "/api/v1/search?q=x",
            headers={"X-Forwarded-For": value},
            environ_base={"REMOTE_ADDR": addr},
        ).status_code
        for value in forwarded
    ]


def test_a_forged_x_forwarded_for_changes_nothing_without_trusted_proxies(tmp_path, articles_dir):
    client = limited_app(tmp_path, articles_dir, search="2/minute").test_client()
    forged = [f"203.0.113.{i}" for i in range(4)]
    assert search_statuses(client, forged) == [200, 200, 429, 429]


def test_behind_one_trusted_proxy_each_client_has_its_own_budget(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, search="2/minute", config={"TRUSTED_PROXIES": 1})
    client = app.test_client()
    proxy = "10.0.0.1"
    # The proxy appends the address it saw; what the client wrote before it is not trusted.
    one_client = [f"198.51.100.{i}, 203.0.113.7" for i in range(3)]
    assert search_statuses(client, one_client, addr=proxy) == [200, 200, 429]
    assert search_statuses(client, ["203.0.113.8"], addr=proxy) == [200]
    seen = client.get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": proxy}
    )
    assert seen.status_code == 200


def test_trusted_proxies_read_the_scheme_but_never_the_host(tmp_path, articles_dir):
    app = limited_app(tmp_path, articles_dir, config={"TRUSTED_PROXIES": 1})

    @app.get("/_seen")
    def seen():
        from flask import request

        return {"scheme": request.scheme, "host": request.host, "addr": request.remote_addr}

    client = app.test_client()
    answer = client.get(
        "/_seen",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
        },
    ).get_json()
    assert answer == {"scheme": "https", "host": "localhost", "addr": "203.0.113.9"}


# -- shared storage --------------------------------------------------------------------


@pytest.mark.services
def test_with_redis_the_counters_are_in_redis(tmp_path, articles_dir):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL names no server (see .ci/run)")
    import redis

    app = limited_app(tmp_path, articles_dir, storage=url, search="2/minute")
    prefix = app.config["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"]
    client = app.test_client()
    assert [client.get("/api/v1/search?q=x").status_code for _ in range(3)] == [200, 200, 429]
    server = redis.Redis.from_url(url)
    keys = server.keys(f"{prefix}*")
    assert keys and any(b"search" in key for key in keys)
    server.delete(*keys)
    assert client.get("/api/v1/search?q=x").status_code == 200  # the counter was Redis's


def test_a_redis_that_is_down_never_turns_a_request_into_a_500(tmp_path, articles_dir, caplog):
    app = limited_app(tmp_path, articles_dir, storage=dead_redis(), search="3/minute")
    client = app.test_client()
    watch_logs(caplog)
    with caplog.at_level(logging.WARNING):
        statuses = [client.get("/api/v1/search?q=x").status_code for _ in range(4)]
    # Counted in this process's memory meanwhile: still limited, never a 500.
    assert statuses == [200, 200, 200, 429]
    assert any("storage unreachable" in r.getMessage() for r in caplog.records)
    assert client.get("/en/contact").status_code == 200
