"""Browser tests: suggestions over their limit say so instead of silently showing nothing."""

from __future__ import annotations

import re
import shutil
import threading
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal.limits import RateLimits
from tests.conftest import TEST_ARTICLES, make_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def limited_url(tmp_path, built_index):
    """The help center with one suggestion a minute per address, served over HTTP."""
    articles = tmp_path / "articles"
    shutil.copytree(TEST_ARTICLES, articles)
    shutil.copytree(built_index, tmp_path / "index")
    app = make_app(
        tmp_path,
        articles,
        f"sqlite:///{tmp_path / 'e2e.db'}",
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATE_LIMITS=RateLimits(suggest="1/minute"),
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def spend_the_suggestion_budget(base: str) -> None:
    """One suggestion from this address (the browser's too): the next one is over."""
    for expected in (200, 429):
        try:
            with urllib.request.urlopen(f"{base}/api/v1/search?q=x&suggest=1", timeout=30) as r:
                status = r.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == expected


KOREAN_NOTICE = re.compile(r"검색이 너무 많아요\. \d+초 뒤에 다시 해 주세요\.")


def test_the_search_box_says_when_suggestions_are_limited(limited_url, new_page):
    spend_the_suggestion_budget(limited_url)
    page = new_page(locale="ko-KR")
    page.goto(f"{limited_url}/ko/")
    page.locator("#search-box").press_sequentially("환불", delay=30)
    notice = page.locator("#search-suggestions .suggestions-notice")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(KOREAN_NOTICE)
    expect(notice).to_have_attribute("role", "status")


def test_the_contact_form_says_when_its_suggestions_are_limited(limited_url, new_page):
    spend_the_suggestion_budget(limited_url)
    page = new_page(locale="en-US")
    page.goto(f"{limited_url}/en/contact")
    page.get_by_label("Subject").press_sequentially("refund", delay=30)
    hint = page.locator("#suggestions-empty")
    expect(hint).to_have_text(re.compile(r"Too many searches; try again in \d+ s\."))
    expect(page.locator(".form-suggestion")).to_have_count(0)
