"""Browser tests: a Korean customer browses, switches language, searches, and contacts us."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Deflection, Ticket

pytestmark = pytest.mark.e2e


def test_korean_customer_browses_to_an_article_and_switches_to_english(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/")
    expect(page).to_have_url(f"{live_url}/ko/")
    expect(page.get_by_role("heading", level=1)).to_have_text("무엇을 도와드릴까요?")

    page.get_by_role("link", name="계정 및 로그인").first.click()
    expect(page).to_have_url(f"{live_url}/ko/categories/account-sign-in")
    page.get_by_role("link", name=re.compile("비밀번호")).first.click()
    expect(page).to_have_url(f"{live_url}/ko/articles/reset-password")
    expect(page.locator(".toc")).to_contain_text("계정이 잠겼을 때")

    page.locator(".language-switcher summary").click()
    page.locator(".language-switcher").get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_url}/en/articles/reset-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")

    page.goto(f"{live_url}/")  # the choice is remembered over the browser's language
    expect(page).to_have_url(f"{live_url}/en/")


def test_slash_focuses_search_and_suggestions_open_an_article(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/articles/track-order")
    page.locator("body").press("/")
    box = page.locator("#search-box")
    expect(box).to_be_focused()
    box.press_sequentially("비밀번호 재설정", delay=30)
    suggestion = page.locator("#search-suggestions a").first
    expect(suggestion).to_contain_text("비밀번호")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/ko/articles/reset-password"))


def test_the_contact_form_suggests_deflects_and_files(live_app, live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/contact")
    page.get_by_label("이메일").fill("minji@example.com")
    page.get_by_label("이름").fill("김민지")
    page.get_by_label("제목").fill("비밀번호 재설정 메일이 안 와요")
    description = "비밀번호를 재설정하려고 하는데 인증 메일이 오지 않아요."
    page.locator("#description").fill(description)

    suggestion = page.locator(".form-suggestion").first
    expect(suggestion.locator(".suggestion-title")).to_contain_text("비밀번호")
    expect(suggestion.locator(".suggestion-title")).to_have_attribute("target", "_blank")
    with page.context.expect_page() as opened:
        suggestion.locator(".suggestion-title").click()
    article = opened.value
    expect(article.get_by_role("heading", level=1)).to_contain_text("비밀번호")
    article.close()
    expect(page.locator("#description")).to_have_value(description)  # nothing lost

    page.get_by_role("button", name="문의 접수하기").click()
    expect(page.locator(".filed-notice")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    private_link = page.locator(".private-link").inner_text()
    with live_app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert ticket.reference == reference and ticket.locale == "ko"
        assert "reset-password" in ticket.opened_articles

    follow_up = new_page(locale="ko-KR")
    follow_up.goto(private_link)
    expect(follow_up.locator(".message-body").first).to_contain_text(description)

    other = new_page(locale="ko-KR")
    other.goto(f"{live_url}/ko/contact")
    other.get_by_label("제목").fill("비밀번호 재설정")
    other.locator(".form-suggestion .answered").first.click()
    expect(other.locator("#answered-message")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deflection)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_contact_suggestions_follow_long_text_and_clear_with_it(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/contact")
    subject = ("비밀번호 재설정 메일이 안 와요 " * 12)[:200]  # the field's maximum
    page.get_by_label("제목").fill(subject)
    with page.expect_response(lambda r: "/api/v1/search" in r.url) as answer:
        page.locator("#description").fill(
            "비밀번호를 재설정하려고 하는데 메일이 오지 않아요. " * 40
        )
    response = answer.value
    sent = parse_qs(urlsplit(response.url).query)["q"][0]
    assert response.status == 200 and len(sent) == 500  # the search API's limit, not 501
    suggestions = page.locator(".form-suggestion")
    expect(suggestions.first.locator(".suggestion-title")).to_contain_text("비밀번호")

    page.get_by_label("제목").fill("")
    page.locator("#description").fill("비")  # under two characters: nothing to suggest for
    expect(suggestions).to_have_count(0)
    expect(page.locator("#suggestions-empty")).to_be_visible()
