"""Browser test: the footer speaks the reader's language and sits at the bottom of a short
page (issue 25.15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_the_footer_of_a_short_korean_page_is_translated_and_at_the_bottom(
    live_url, new_page, size
):
    page = new_page(locale="ko-KR")
    page.set_viewport_size(size)
    page.goto(f"{live_url}/login")
    footer = page.locator(".site-footer")
    expect(footer).to_contain_text("© 하늘마켓")
    box = footer.bounding_box()
    assert abs(box["y"] + box["height"] - size["height"]) <= 1
    main = page.locator("main").bounding_box()
    assert main["width"] <= size["width"] and main["x"] >= 0
