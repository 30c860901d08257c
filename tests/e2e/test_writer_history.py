"""Browser test: History's Compare opens on the writer's last change (issue 25.8)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ADDED = "Ask the seller first if the code never arrives."


def sign_in_as_writer(page, site: str, next_path: str) -> None:
    page.goto(f"{site}/login?next={next_path}")
    page.get_by_label("Email").fill("writer@example.com")
    page.get_by_label("Password").fill("writer-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_compare_in_the_history_shows_the_last_saved_change_straight_away(live_url, new_page):
    writer = new_page()
    sign_in_as_writer(writer, live_url, "/write/en/reset-password/edit")
    body = writer.locator("#editor-body")
    body.fill(body.input_value() + "\n" + ADDED + "\n")
    writer.get_by_role("button", name="Save changes").click()
    expect(writer.locator("#article-status")).to_have_text("Published")

    writer.get_by_role("link", name="History").click()
    writer.get_by_role("button", name="Compare").click()
    expect(writer.locator("table.diff .diff-add", has_text=ADDED)).to_have_count(1)
    expect(writer.get_by_text("No differences")).to_have_count(0)
