"""Browser test: the demo agent opens the analytics dashboard; both charts are drawn by the
vendored Chart.js and the tables show the seeded figures."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_analytics import MARCH_ARGS, seed

pytestmark = pytest.mark.e2e

PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  if (!canvas || !canvas.width || !canvas.height) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}"""


def test_agent_sees_charts_and_tables(live_app, live_url, new_page):
    with live_app.app_context():
        seed()

    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_url}/agent/analytics/?{MARCH_ARGS}")
    page.get_by_label("Email").fill("agent@example.com")
    page.get_by_label("Password").fill("agent-demo-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/agent/analytics/\?"))

    expect(page.get_by_role("heading", name="Is self-service working?")).to_be_visible()
    expect(page.locator("#kpi-ratio")).to_have_text("63.6%")
    expect(page.locator("#kpi-tickets")).to_have_text("4")
    expect(page.locator("#kpi-first-response")).to_have_text("3 hours")

    # Chart.js came from static/vendor and drew both charts from the embedded JSON.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('volume-chart') && Chart.getChart('self-service-chart')"
    )
    volume = page.evaluate(
        "() => Chart.getChart('volume-chart').data.datasets[0].data.reduce((a, b) => a + b, 0)"
    )
    assert volume == 4
    split = page.evaluate("() => Chart.getChart('self-service-chart').data.datasets[0].data")
    assert split == [3, 4, 4]
    for canvas_id in ("volume-chart", "self-service-chart"):
        box = page.locator(f"#{canvas_id}").bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0
        page.wait_for_function(PAINTED, arg=canvas_id)

    top = page.locator("#top-searches tbody tr")
    expect(top.first).to_contain_text("refund")
    expect(top.first.locator("td").nth(2)).to_have_text("4")
    expect(top.first.locator("td").nth(4)).to_have_text("25%")
    expect(page.locator("#content-gaps tbody tr").first).to_contain_text("gift wrap")
    expect(page.locator("#least-helpful tbody tr").first).to_contain_text("환불 예정일 확인하기")
    expect(page.locator("#most-linked tbody tr").first.locator("td").nth(2)).to_have_text("3")
    expect(page.locator("#missing-translations tbody tr").first).to_contain_text(
        "Payment methods you can use"
    )

    # The locale filter reloads the page with Korean figures only.
    page.locator('select[name="locale"]').select_option("ko")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#kpi-tickets")).to_have_text("1")
    expect(page.locator("#top-searches tbody tr").first).to_contain_text("환불")
    assert errors == []
