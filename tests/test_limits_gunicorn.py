"""Limits under real gunicorn: two workers counting together in Redis, the proxy rule."""

from __future__ import annotations

import http.cookiejar
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.live_server import GunicornSite

pytestmark = pytest.mark.services

EMAIL = "agent@example.com"
PASSWORD = "correct-horse-battery"
LOGIN_LIMIT = 6
SEARCH_LIMIT = 8


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL names no server (see .ci/run)")
    prefix = f"test-gunicorn-{uuid.uuid4().hex}"
    served = GunicornSite(
        tmp_path_factory.mktemp("limits"),
        workers=2,
        env={
            "REDIS_URL": redis_url,
            "PORTAL_RATE_LIMIT_KEY_PREFIX": prefix,
            "PORTAL_RATE_LIMIT_LOGIN": f"{LOGIN_LIMIT}/minute",
            "PORTAL_RATE_LIMIT_SEARCH": f"{SEARCH_LIMIT}/minute",
        },
    ).start()
    served.cli("users", "create", EMAIL, "--role", "agent", "--password", PASSWORD)
    yield served
    served.stop()
    import redis

    server = redis.Redis.from_url(redis_url)
    if keys := server.keys(f"{prefix}*"):
        server.delete(*keys)


class Browser:
    """One visitor: its own cookies (session, CSRF), no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")

    def csrf(self) -> str:
        status, _headers, page = self.request("/login")
        assert status == 200, page[:300]
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_forged_x_forwarded_for_gets_no_fresh_budget(site):
    browser = Browser(site.url)
    statuses = [
        browser.request("/api/v1/search?q=x", headers={"X-Forwarded-For": f"203.0.113.{i}"})[0]
        for i in range(SEARCH_LIMIT + 4)
    ]
    # Two workers, one Redis: exactly the limit for the one real address, forged or not.
    assert statuses == [200] * SEARCH_LIMIT + [429] * 4


def test_two_workers_check_no_more_wrong_passwords_than_the_limit(site):
    """Four visitors guess at once, spread over both workers: the wrong passwords actually
    checked (400) never exceed the address's limit; every other attempt is a 429."""
    statuses: list[int] = []
    retry_after: list[str] = []
    lock = threading.Lock()

    def guess(thread: int) -> None:
        browser = Browser(site.url)
        token = browser.csrf()
        for i in range(8):
            form = {"csrf_token": token, "email": EMAIL, "password": f"guess-{thread}-{i}"}
            status, headers, _page = browser.request("/login", form)
            with lock:
                statuses.append(status)
                if status == 429:
                    retry_after.append(headers.get("Retry-After", ""))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(statuses) == 32 and set(statuses) <= {400, 429}, statuses
    assert statuses.count(400) == LOGIN_LIMIT, statuses  # memory storage: 12 (measured)
    assert statuses.count(429) >= 32 - LOGIN_LIMIT
    assert all(value.isdigit() and int(value) >= 1 for value in retry_after), retry_after
    # Locked for this address: the right password is refused unchecked too, until the window
    # ends (tests/test_login_throttle.py checks that it works again afterwards).
    owner = Browser(site.url)
    form = {"csrf_token": owner.csrf(), "email": EMAIL, "password": PASSWORD}
    assert owner.request("/login", form)[0] == 429


def test_an_api_key_has_its_own_limit_across_workers_and_stops_when_revoked(site):
    created = site.cli("api-keys", "create", "partner-bot", "--limit", "5/minute")
    secret = re.search(r"^hc_\S+$", created, re.M).group(0)
    browser = Browser(site.url)
    auth = {"Authorization": f"Bearer {secret}"}
    statuses = [browser.request("/api/v1/search?q=x", headers=auth)[0] for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    site.cli("api-keys", "revoke", "partner-bot")
    status, _headers, body = browser.request("/api/v1/search?q=x", headers=auth)
    assert status == 401 and "invalid or revoked" in body
