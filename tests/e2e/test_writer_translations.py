"""Browser test: a translation saved as a draft is listed as a draft (issue 25.10)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_draft_translation_is_listed_as_a_draft_neither_missing_nor_up_to_date(
    live_url, new_page
):
    writer = new_page()
    writer.goto(f"{live_url}/login?next=/write/translations%3Flocale%3Dko")
    writer.get_by_label("Email").fill("writer@example.com")
    writer.get_by_label("Password").fill("writer-demo-pass")
    writer.get_by_role("button", name="Sign in").click()
    writer.wait_for_url(re.compile(r"/write/translations\?locale=ko$"))
    writer.locator('tr[data-article-id="payment-methods"]').get_by_role(
        "link", name="Translate"
    ).click()
    writer.get_by_label("Title").fill("결제 수단 안내")
    writer.locator("#editor-body").fill("번역 중인 본문입니다.\n")
    writer.get_by_role("button", name="Save draft").click()
    expect(writer.locator("#article-status")).to_have_text("Draft")

    writer.goto(f"{live_url}/write/translations?locale=ko")
    row = writer.locator('tr[data-article-id="payment-methods"]')
    expect(row).to_have_attribute("data-state", "draft")
    expect(row.locator(".badge")).to_have_text(["Draft"])
    expect(row.get_by_role("link", name="Continue translating")).to_be_visible()

    writer.goto(f"{live_url}/write/?locale=en")
    state = writer.locator('tr[data-article-id="payment-methods"] .translation-state')
    expect(state).to_have_attribute("data-state", "draft")
    expect(state).to_contain_text("Draft")
