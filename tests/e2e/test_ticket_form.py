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
