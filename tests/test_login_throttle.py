"""Staff sign-in throttling: failures per address and per account, an owner who gets back in."""

from __future__ import annotations

import logging
import time

import pytest

from portal.login_throttle import Refusal, Throttle
from portal.users import save_user
from tests.test_auth import PASSWORD
from tests.test_limits import dead_redis, limited_app, storages, watch_logs

EMAIL = "agent@example.com"


def sign_in(client, password=PASSWORD, email=EMAIL, addr="192.0.2.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr}
    )


@pytest.fixture(params=storages(), ids=lambda uri: uri.split(":")[0])
def storage(request):
    """Each test on this process's memory and on the real Redis (TEST_REDIS_URL)."""
    return request.param


def throttled_app(tmp_path, articles_dir, storage, **limits):
    app = limited_app(tmp_path, articles_dir, storage=storage, **limits)
    with app.app_context():
        save_user(EMAIL, PASSWORD, roles=("agent",))
    return app


def test_an_address_that_guesses_is_stopped_the_right_password_too(tmp_path, articles_dir, storage):
    app = throttled_app(tmp_path, articles_dir, storage, login="3/minute")
    client = app.test_client()
    assert [sign_in(client, "wrong-guess").status_code for _ in range(3)] == [400] * 3
    refused = sign_in(client)
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 1 <= seconds <= 61  # Redis adds a second: its TTL is rounded down
    html = refused.get_data(as_text=True)
    assert f"Too many sign-in attempts. Try again in {seconds} s." in html
    assert client.get("/agent/").status_code == 302  # not signed in


def test_the_owner_signs_in_from_another_address_while_a_guesser_is_stopped(
    tmp_path, articles_dir, storage
):
    app = throttled_app(tmp_path, articles_dir, storage, login="3/minute")
    guesser, owner = app.test_client(), app.test_client()
    for _ in range(5):
        sign_in(guesser, "wrong-guess", addr="203.0.113.66")
    assert sign_in(guesser, addr="203.0.113.66").status_code == 429
    assert sign_in(owner, addr="198.51.100.7").status_code == 302


def test_guesses_from_many_addresses_are_bounded_per_account(tmp_path, articles_dir, storage):
    app = throttled_app(
        tmp_path, articles_dir, storage, login="100/minute", login_account="4/minute"
    )
    client = app.test_client()
    statuses = [sign_in(client, "wrong-guess", addr=f"203.0.113.{i}").status_code for i in range(8)]
    assert statuses == [400] * 4 + [429] * 4
    assert sign_in(client, addr="198.51.100.7").status_code == 429  # the account waits
    # Another account is not affected; an unknown address is counted the same way.
    other = [sign_in(client, "x", email="nobody@example.com").status_code for _ in range(5)]
    assert other == [400] * 4 + [429]


def test_correct_passwords_do_not_count(tmp_path, articles_dir, storage):
    app = throttled_app(tmp_path, articles_dir, storage, login="2/minute", login_account="2/minute")
    for _ in range(5):
        client = app.test_client()
        assert sign_in(client).status_code == 302
    client = app.test_client()
    assert sign_in(client, "wrong-guess").status_code == 400
    assert sign_in(client).status_code == 302


def test_after_the_lockout_the_right_password_works_again(tmp_path, articles_dir, storage):
    app = throttled_app(
        tmp_path, articles_dir, storage, login="2 per 3 seconds", login_account="2 per 3 seconds"
    )
    client = app.test_client()
    assert [sign_in(client, "wrong-guess").status_code for _ in range(3)] == [400, 400, 429]
    refused = sign_in(client)
    assert refused.status_code == 429
    time.sleep(int(refused.headers["Retry-After"]) + 0.1)
    assert sign_in(client).status_code == 302


def test_failed_and_refused_sign_ins_are_logged(tmp_path, articles_dir, caplog):
    app = throttled_app(tmp_path, articles_dir, "memory://", login="1/minute")
    client = app.test_client()
    watch_logs(caplog)
    with caplog.at_level(logging.WARNING, logger="portal.login_throttle"):
        sign_in(client, "wrong-guess", email="Agent@Example.com\nforged line")
        sign_in(client, "wrong-guess")
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.login_throttle"]
    assert lines[0] == "sign-in failed for 'Agent@Example.com\\nforged line' from 192.0.2.1"
    assert lines[1].startswith("sign-in refused for 'agent@example.com' from 192.0.2.1: login")


def test_with_redis_down_sign_in_works_and_is_still_limited_in_memory(
    tmp_path, articles_dir, caplog
):
    app = throttled_app(tmp_path, articles_dir, dead_redis(), login="2/minute")
    client = app.test_client()
    watch_logs(caplog)
    with caplog.at_level(logging.WARNING):
        assert sign_in(client).status_code == 302
        other = app.test_client()
        assert [sign_in(other, "wrong-guess").status_code for _ in range(3)] == [400, 400, 429]
    assert any("counting sign-ins in memory" in r.getMessage() for r in caplog.records)


def test_two_workers_on_one_storage_share_the_budget(tmp_path, articles_dir, storage):
    """Two throttles on one Redis are two gunicorn workers (memory: one process)."""
    app = throttled_app(tmp_path, articles_dir, storage, login="3/minute")
    options = app.config["RATELIMIT_STORAGE_OPTIONS"]
    with app.test_request_context():
        first = Throttle(storage, options)
        second = first if storage.startswith("memory") else Throttle(storage, options)
        outcomes = [(first, second)[i % 2].begin("203.0.113.5", EMAIL) for i in range(6)]
    assert [isinstance(o, Refusal) for o in outcomes] == [False] * 3 + [True] * 3
    assert outcomes[3].name == "login" and outcomes[3].retry_after >= 1


def test_the_owners_usual_browser_gets_in_while_guessers_spend_the_account(
    tmp_path, articles_dir, storage
):
    app = throttled_app(
        tmp_path, articles_dir, storage, login="100/minute", login_account="3/minute"
    )
    owner = app.test_client()
    signed_in = sign_in(owner, addr="198.51.100.7")
    assert signed_in.status_code == 302 and "portal_device=" in signed_in.headers["Set-Cookie"]
    owner.post("/logout")
    guessers = app.test_client()
    for i in range(5):
        sign_in(guessers, "wrong-guess", addr=f"203.0.113.{i}")
    assert sign_in(guessers, addr="203.0.113.99").status_code == 429  # the account is spent
    # The owner's browser has a budget of its own: a typo, then the right password.
    assert sign_in(owner, "typo", addr="198.51.100.7").status_code == 400
    assert sign_in(owner, addr="198.51.100.7").status_code == 302


def test_a_device_cookie_of_another_account_or_forged_is_no_help(tmp_path, articles_dir):
    app = throttled_app(
        tmp_path, articles_dir, "memory://", login="100/minute", login_account="2/minute"
    )
    with app.app_context():
        save_user("writer@example.com", PASSWORD, roles=("writer",))
    client = app.test_client()
    assert sign_in(client, email="writer@example.com").status_code == 302  # writer's device
    client.set_cookie("portal_device", "forged." + "x" * 20, domain="localhost")
    forged = [sign_in(client, "wrong-guess").status_code for _ in range(3)]
    assert forged == [400, 400, 429]
    other = app.test_client()
    assert sign_in(other, email="writer@example.com").status_code == 302
    assert [sign_in(other, "wrong-guess").status_code for _ in range(1)] == [429]
