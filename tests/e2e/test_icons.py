"""Browser test: icons are inline SVG beside a text label, never emoji (issue 25.14).

Emoji show as empty boxes where no emoji font is installed (a stock Debian or a kiosk)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff]")


@pytest.mark.parametrize("locale, path", [("en-US", "/en/"), ("ko-KR", "/ko/")])
def test_the_header_and_the_vote_buttons_draw_svg_icons_with_text_labels(
    live_url, new_page, locale, path
):
    page = new_page(locale=locale)
    page.goto(f"{live_url}{path}articles/refund-timelines")
    assert not EMOJI.findall(page.locator("body").inner_text())
    for where in (".brand", ".language-switcher summary", ".vote-buttons button"):
        icons = page.locator(f"{where} svg")
        assert icons.count() >= 1, where
        for index in range(icons.count()):
            expect(icons.nth(index)).to_have_attribute("aria-hidden", "true")
            assert icons.nth(index).bounding_box()["width"] > 8, where
    yes, no = ("Yes", "No") if locale == "en-US" else ("예", "아니요")
    expect(
        page.locator(".vote-buttons").get_by_role("button", name=yes, exact=True)
    ).to_be_visible()
    expect(page.locator(".vote-buttons").get_by_role("button", name=no, exact=True)).to_be_visible()
    page.locator(".site-header").screenshot(path=f"/tmp/ui/header-{locale}.png")
    page.locator(".feedback").screenshot(path=f"/tmp/ui/feedback-{locale}.png")
