"""Browser test: a writer translates an English-only article into Korean, previews it live,
publishes it, and a customer searching in Korean finds it straight away."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

TITLE = "결제 수단 안내"
BODY = (
    "하늘마켓에서 쓸 수 있는 결제 수단을 안내합니다.\n\n"
    "## 무지개카드로 결제하기\n\n"
    "**무지개카드**를 등록하면 결제할 때 바로 고를 수 있어요.\n"
)


def test_writer_translates_previews_publishes_and_customers_find_it_in_korean(live_url, new_page):
    site = live_url
    writer = new_page()
    writer.goto(f"{site}/login?next=/write/translations%3Flocale%3Dko")
    writer.get_by_label("Email").fill("writer@example.com")
    writer.get_by_label("Password").fill("writer-demo-pass")
    writer.get_by_role("button", name="Sign in").click()
    writer.wait_for_url(re.compile(r"/write/translations\?locale=ko$"))

    row = writer.locator('tr[data-article-id="payment-methods"]')
    expect(row).to_have_attribute("data-state", "missing")
    row.get_by_role("link", name="Translate").click()

    expect(writer.locator("#article_id")).to_have_value("payment-methods")
    expect(writer.locator("#locale")).to_have_value("ko")
    expect(writer.locator("#editor-body")).to_have_value(re.compile("Haneul Pay"))
    writer.get_by_label("Title").fill(TITLE)
    writer.locator("#editor-body").fill(BODY)

    preview = writer.locator("#editor-preview")
    expect(preview.get_by_role("heading", name="무지개카드로 결제하기")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("무지개카드")
    expect(preview).not_to_contain_text("Haneul Pay")
    expect(writer.locator("#preview-title")).to_have_text(TITLE)

    writer.get_by_role("button", name="Publish").click()
    expect(writer.locator("#article-status")).to_have_text("Published")
    expect(writer.get_by_text("search finds it within a few seconds")).to_be_visible()

    customer = new_page(locale="ko-KR")
    customer.goto(f"{site}/ko/")
    search = customer.locator("#search-box")
    search.fill("무지개카드 결제")
    search.press("Enter")
    result = customer.get_by_role("link", name=TITLE)
    for _ in range(30):  # the node's worker indexes the article within a few seconds
        if result.count():
            break
        customer.wait_for_timeout(500)
        customer.reload()
    expect(result.first).to_be_visible()
    expect(result.first).to_have_attribute("href", re.compile(r"/ko/.*payment-methods"))
