"""Browser tests: the contact form with short Korean input."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_two_syllable_subject_already_gets_suggestions_as_in_the_search_box(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/contact")
    page.get_by_label("제목").press_sequentially("환불", delay=30)
    title = page.locator(".form-suggestion .suggestion-title").first
    expect(title).to_contain_text("환불")

    page.locator("#search-box").press_sequentially("환불", delay=30)
    expect(page.locator("#search-suggestions a").first).to_contain_text("환불")


def test_a_fresh_contact_form_marks_no_field_invalid_for_assistive_technology(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/contact")
    session = page.context.new_cdp_session(page)
    tree = session.send("Accessibility.getFullAXTree")["nodes"]
    invalid = [
        node.get("name", {}).get("value")
        for node in tree
        for prop in node.get("properties", [])
        if prop["name"] == "invalid" and prop["value"]["value"] != "false"
    ]
    assert invalid == []


def test_only_a_suggestion_in_another_language_carries_a_language_badge(live_url, new_page):
    # The badge is hidden on Korean suggestions; a class's display rule once showed it anyway,
    # as an empty grey pill after every Korean title.
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/contact")
    page.get_by_label("제목").press_sequentially("환불 처리 기간", delay=30)
    korean = page.locator(".form-suggestion").first
    expect(korean.locator(".suggestion-title")).to_contain_text("환불")
    expect(korean.locator(".suggestion-locale")).to_be_hidden()

    page.get_by_label("제목").fill("")
    page.get_by_label("제목").press_sequentially("카카오페이로 결제할 수 있나요", delay=30)
    english = page.locator(".form-suggestion", has_text="Payment methods").first
    expect(english.locator(".suggestion-locale")).to_be_visible()
    # Named as result pages name it (issue 25.15), not "EN".
    expect(english.locator(".suggestion-locale")).to_have_text("영어")


def test_the_search_box_names_another_language_as_result_pages_do(live_url, new_page):
    page = new_page(locale="ko-KR")
    page.goto(f"{live_url}/ko/")
    page.locator("#search-box").press_sequentially("카카오페이로 결제할 수 있나요", delay=30)
    english = page.locator("#search-suggestions a", has_text="Payment methods").first
    expect(english.locator(".badge")).to_have_text("영어")


def test_a_contact_form_error_is_read_out_with_its_field(live_url, new_page):
    page = new_page(locale="en-US")
    page.goto(f"{live_url}/en/contact")
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_selector(".field.has-error")
    invalid = page.locator("#contact-form [aria-invalid='true']")
    assert invalid.count() >= 2
    for index in range(invalid.count()):
        field = invalid.nth(index)
        error = page.locator(f"#{field.get_attribute('id')}-error")
        expect(error).to_be_visible()
        expect(field).to_have_accessible_description(error.inner_text())
