"""Browser test: an agent answers a Korean ticket with a suggested article, and the customer
reads the reply with the Korean article link on their private ticket page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.tickets.service import TicketInput, file_ticket

pytestmark = pytest.mark.e2e

SUBJECT = "환불은 언제 받을 수 있나요?"
QUESTION = "주문을 취소했는데 카드 환불이 아직 안 들어왔어요. 환불은 며칠 걸리나요?"
KOREAN_TITLE = "환불 예정일 확인하기"  # refund-timelines in Korean


def file_korean_ticket(app) -> tuple[str, str]:
    """File a Korean ticket through the tickets service: (reference, private page path)."""
    with app.test_request_context():
        filed = file_ticket(
            TicketInput(
                email="minji@example.com",
                name="김민지",
                subject=SUBJECT,
                description=QUESTION,
                locale="ko",
            )
        )
        return filed.ticket.reference, f"/tickets/{filed.token}"


def test_agent_links_a_suggested_korean_article_and_the_customer_sees_it(
    live_app, live_url, new_page
):
    base = live_url
    reference, private_path = file_korean_ticket(live_app)

    agent = new_page()
    agent.goto(f"{base}/agent/tickets/{reference}")
    agent.get_by_label("Email").fill("agent@example.com")
    agent.get_by_label("Password").fill("agent-demo-pass")
    agent.get_by_role("button", name="Sign in").click()
    agent.wait_for_url(re.compile(rf"/agent/tickets/{reference}$"))

    suggestion = agent.locator('#suggestions li[data-article-id="refund-timelines"]')
    expect(suggestion).to_contain_text(KOREAN_TITLE)
    agent.locator("#reply-body").fill("안녕하세요, 고객님. 환불 일정은 아래 문서를 확인해 주세요.")
    suggestion.get_by_role("button", name="Insert link").click()
    expect(agent.locator("#reply-body")).to_have_value(
        re.compile(re.escape(f"[{KOREAN_TITLE}](article:refund-timelines)"))
    )
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_text("Reply sent to the customer.")).to_be_visible()
    sent = agent.locator("#conversation .message-agent").last
    expect(sent.get_by_role("link", name=KOREAN_TITLE)).to_have_attribute(
        "href", re.compile(r"/ko/articles/refund-timelines$")
    )

    customer = new_page(locale="ko-KR")
    customer.goto(f"{base}{private_path}")
    link = customer.get_by_role("link", name=KOREAN_TITLE)
    expect(link).to_have_attribute("href", re.compile(r"/ko/articles/refund-timelines$"))
    link.click()
    expect(customer.get_by_role("heading", name=KOREAN_TITLE).first).to_be_visible()


def test_staff_find_their_tools_at_the_top_of_every_page(live_url, new_page):
    agent = new_page()
    agent.goto(f"{live_url}/login")
    agent.get_by_label("Email").fill("agent@example.com")
    agent.get_by_label("Password").fill("agent-demo-pass")
    agent.get_by_role("button", name="Sign in").click()
    agent.goto(f"{live_url}/en/")  # a customer page, seen by a signed-in agent
    staff = agent.get_by_role("navigation", name="Staff")
    staff.get_by_role("link", name="Ticket queue").click()
    agent.wait_for_url(re.compile(r"/agent/$"))
    expect(staff.get_by_role("link", name="Ticket queue")).to_have_attribute("aria-current", "page")
    staff.get_by_role("button", name="Sign out").click()
    expect(agent.get_by_role("navigation", name="Staff")).to_have_count(0)
