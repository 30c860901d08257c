"""Browser tests: the contact form's suggestions on a phone, and the end of a deflected
contact (issue 25.4, 25.7)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Deflection, Ticket

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def type_a_question(page):
    page.get_by_label("제목").press_sequentially("비밀번호 재설정", delay=30)
    page.locator("#description").press_sequentially("메일이 안 와요", delay=30)
    expect(page.locator(".form-suggestion").first).to_be_visible()


def test_on_a_phone_the_suggestions_show_above_the_send_button(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_url}/ko/contact")
    type_a_question(page)
    page.screenshot(path="/tmp/ui/phone-contact-suggestions.png", full_page=True)
    description = page.locator("#description").bounding_box()
    suggestions = page.locator("#form-suggestions").bounding_box()
    send = page.get_by_role("button", name="문의 접수하기").bounding_box()
    # Right under the text being typed, before the button: never hidden below it.
    assert description["y"] + description["height"] <= suggestions["y"]
    assert suggestions["y"] + suggestions["height"] <= send["y"]
    assert suggestions["x"] >= 0 and suggestions["x"] + suggestions["width"] <= PHONE["width"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_typing_the_subject_shows_that_suggestions_wait_below(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_url}/ko/contact")
    jump = page.get_by_role("link", name="도움이 될 만한 도움말 보기")
    expect(jump).to_be_hidden()  # nothing to see yet
    page.get_by_label("제목").press_sequentially("비밀번호 재설정", delay=30)
    expect(jump).to_be_visible()
    page.screenshot(path="/tmp/ui/phone-contact-typing.png")
    subject = page.get_by_label("제목").bounding_box()
    link = jump.bounding_box()
    # Right under the field being typed in, on the screen with it.
    assert subject["y"] + subject["height"] <= link["y"] <= subject["y"] + subject["height"] + 60
    assert link["y"] + link["height"] <= PHONE["height"]
    jump.click()
    expect(page.locator(".form-suggestion").first).to_be_in_viewport()


def test_on_a_desktop_the_suggestions_stay_beside_the_form_and_send_still_files(
    live_app, live_url, new_page
):
    page = new_page(locale="ko-KR")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_url}/ko/contact")
    page.get_by_label("이메일").fill("minji@example.com")
    page.get_by_label("이름").fill("김민지")
    type_a_question(page)
    expect(page.locator("#suggestion-jump")).to_be_hidden()  # the column is in sight
    form = page.locator("#contact-form").bounding_box()
    panel = page.locator(".suggestions-panel").bounding_box()
    send = page.get_by_role("button", name="문의 접수하기").bounding_box()
    assert panel["x"] >= form["x"] + form["width"]
    # The button closes the form's card, right under its last field (no gap the height of
    # the suggestions column).
    assert 0 <= send["y"] - (form["y"] + form["height"]) <= 24
    page.get_by_label("제목").press("Enter")  # implicit submission reaches the outside button
    expect(page.locator(".filed-notice")).to_be_visible()
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_this_answered_my_question_ends_on_the_thanks_and_the_chosen_article(
    live_app, live_url, new_page, viewport
):
    page = new_page(locale="ko-KR")
    page.set_viewport_size(viewport)
    page.goto(f"{live_url}/ko/contact")
    type_a_question(page)
    chosen = page.locator(".form-suggestion .suggestion-title").first.inner_text()
    page.locator(".form-suggestion .answered").first.click()

    thanks = page.locator("#answered-message")
    expect(thanks).to_be_visible()
    expect(thanks).to_be_focused()  # not <body>: a screen reader reads the thanks
    page.screenshot(path=f"/tmp/ui/answered-{viewport['width']}.png", full_page=True)
    expect(page.get_by_role("heading", name="이런 도움말이 도움이 될 수 있어요")).to_be_hidden()
    expect(page.locator("#contact-form")).to_be_hidden()
    expect(page.get_by_role("button", name="문의 접수하기")).to_be_hidden()
    articles = page.locator(".form-suggestion")
    expect(articles).to_have_count(1)
    expect(articles.locator(".suggestion-title")).to_have_text(chosen)
    expect(articles.locator(".suggestion-title")).to_be_visible()
    expect(articles.get_by_role("button")).to_have_count(0)
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deflection)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0
