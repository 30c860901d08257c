"""Browser tests: staff pages are a workspace of their own, not the customer site with a bar
on top (issue 25.16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_agent_flow import file_korean_ticket

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}


def sign_in(page, site: str, email: str, password: str, next_path: str) -> None:
    page.goto(f"{site}/login?next={next_path}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def expect_workspace_header(page) -> None:
    expect(page.locator("#search-box")).to_have_count(0)
    expect(page.get_by_role("link", name="Contact support")).to_have_count(0)
    expect(page.locator(".workspace-header").get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".workspace-nav [aria-current='page']")).to_have_count(1)


def test_an_agent_works_in_a_workspace_with_the_article_search_above_the_suggestions(
    live_app, live_url, new_page
):
    reference, _private = file_korean_ticket(live_app)
    agent = new_page()
    agent.set_viewport_size(DESKTOP)
    sign_in(agent, live_url, "agent@example.com", "agent-demo-pass", "/agent/")
    expect_workspace_header(agent)

    agent.goto(f"{live_url}/agent/tickets/{reference}")
    expect_workspace_header(agent)
    search = agent.locator(".article-panel #panel-q")
    first_suggestion = agent.locator("#suggestions li").first
    expect(first_suggestion).to_be_visible()
    assert search.bounding_box()["y"] < first_suggestion.bounding_box()["y"]
    assert search.bounding_box()["y"] < DESKTOP["height"]
    agent.screenshot(path="/tmp/ui/agent-ticket.png")

    agent.goto(f"{live_url}/en/")  # the customer site keeps its search, with the staff bar
    expect(agent.locator("#search-box")).to_be_visible()
    expect(agent.locator(".staff-bar")).to_be_visible()


def test_a_writer_works_in_the_same_workspace(live_url, new_page):
    writer = new_page(locale="ko-KR")
    writer.set_viewport_size(DESKTOP)
    sign_in(writer, live_url, "writer@example.com", "writer-demo-pass", "/write/")
    expect(writer.locator("#search-box")).to_have_count(0)
    expect(writer.locator(".contact-link")).to_have_count(0)
    expect(writer.locator(".workspace-header")).to_contain_text("직원 작업 공간")
    writer.screenshot(path="/tmp/ui/writer-index.png")
