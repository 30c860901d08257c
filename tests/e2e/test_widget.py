"""Browser tests: the widget embedded by one script tag in a plain page of another origin
(another port), in Korean and English, on a phone, isolated from the page's CSS (issue 27)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
HOSTILE_CSS = "* {color: red !important; font-size: 40px} button {background: lime !important}"


class HostPages:
    """A plain web site on its own port: each path is a page embedding the widget."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, help_url: str, *, attrs: str = "", css: str = "") -> str:
        """A page at ``path`` with the widget's script tag; its URL."""
        style = f"<style>{css}</style>" if css else ""
        self.pages[path] = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Shop</title>{style}</head><body><h1>A shop</h1><p>Products</p>"
            f"<a href='#' id='host-link'>Host link</a>"
            f"<script src='{help_url}/widget.js' {attrs} async></script></body></html>"
        )
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.thread.join()


@pytest.fixture
def host_site(live_app):
    """The other origin, listed in the app's widget origins."""
    site = HostPages()
    live_app.config["WIDGET_ORIGINS"] = (site.origin,)
    yield site
    site.close()


def launcher(page):
    """The widget's launcher button (Playwright's locators pierce open shadow roots)."""
    return page.locator("#help-center-widget .launcher")


def panel(page):
    return page.locator("#help-center-widget [role=dialog]")


def test_the_korean_widget_lists_popular_articles_searches_and_reads_one(
    live_url, host_site, new_page
):
    page = new_page(locale="ko-KR")
    page.goto(host_site.add("/ko.html", live_url, attrs="data-locale='ko'"))
    button = launcher(page)
    button.wait_for()
    assert button.inner_text() == "도움말"
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    dialog = panel(page)
    assert dialog.is_visible()
    assert button.get_attribute("aria-expanded") == "true"
    assert dialog.get_attribute("aria-modal") == "true"
    assert dialog.get_by_role("heading", name="무엇을 도와드릴까요?").is_visible()
    assert dialog.get_by_text("자주 찾는 도움말").is_visible()
    assert dialog.locator("[data-article=reset-password]").is_visible()
    # Search as you type.
    dialog.get_by_label("문서 검색").fill("환불")
    dialog.get_by_text("검색 결과").first.wait_for()
    first = dialog.locator(".list-view .item").first
    first.wait_for()
    title = first.get_attribute("data-article")
    first.click()
    # The article inside the panel, with a link to the full page on the help center.
    body = dialog.locator(".article-body")
    body.wait_for()
    assert body.inner_text().strip()
    full = dialog.get_by_role("link", name="전체 도움말 보기")
    assert full.get_attribute("href").startswith(f"{live_url}/ko/articles/{title}")
    assert full.get_attribute("target") == "_blank"
    page.screenshot(path="/tmp/ui/widget-ko-article.png")
    dialog.get_by_role("button", name="목록으로 돌아가기").click()
    assert dialog.locator(".list-view").is_visible()


def test_keyboard_escape_closes_focus_stays_in_the_panel_and_returns_to_the_launcher(
    live_url, host_site, new_page
):
    page = new_page()
    page.goto(host_site.add("/en.html", live_url, attrs="data-locale='en'"))
    button = launcher(page)
    button.wait_for()
    assert button.inner_text() == "Help"
    button.focus()
    page.keyboard.press("Enter")
    assert panel(page).is_visible()
    active = "document.activeElement.shadowRoot && document.activeElement.shadowRoot.activeElement"
    assert page.evaluate(f"({active}).id") == "hc-search"
    for _ in range(30):  # Tab never leaves the open dialog
        page.keyboard.press("Tab")
        inside = page.evaluate(
            f"(() => {{ const a = {active}; return !!a && !!a.closest('[role=dialog]'); }})()"
        )
        assert inside
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Escape")
    assert not panel(page).is_visible()
    assert page.evaluate(f"({active}).className") == "launcher"
    assert page.get_by_role("button", name="Help").is_visible()  # named for screen readers


def test_the_panel_fills_a_phone_screen(live_url, host_site, new_page):
    page = new_page(locale="ko-KR")
    page.set_viewport_size(PHONE)
    page.goto(host_site.add("/phone.html", live_url, attrs="data-locale='ko'"))
    launcher(page).click()
    box = panel(page).bounding_box()
    assert box["x"] == 0 and box["y"] == 0
    assert box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    close = panel(page).get_by_role("button", name="도움말 닫기").bounding_box()
    assert close["x"] + close["width"] <= PHONE["width"]
    page.screenshot(path="/tmp/ui/widget-phone.png")


def test_the_host_pages_css_does_not_reach_the_panel(live_url, host_site, new_page):
    page = new_page()
    plain = host_site.add("/plain.html", live_url, attrs="data-locale='en'")
    hostile = host_site.add("/hostile.html", live_url, attrs="data-locale='en'", css=HOSTILE_CSS)
    looks = {}
    for name, url in (("plain", plain), ("hostile", hostile)):
        page.goto(url)
        launcher(page).click()
        heading = panel(page).locator("h2")
        item = panel(page).locator(".item").first
        looks[name] = [
            node.evaluate(
                "n => { const s = getComputedStyle(n);"
                " return [s.color, s.fontSize, s.backgroundColor]; }"
            )
            for node in (heading, item, launcher(page))
        ]
    assert looks["hostile"] == looks["plain"]
    assert "rgb(255, 0, 0)" not in str(looks["hostile"])
    # ... and the widget's styles do not reach the page.
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(255, 0, 0)"


def test_a_site_not_listed_gets_no_widget(live_url, host_site, live_app, new_page):
    live_app.config["WIDGET_ORIGINS"] = ("https://other.example",)
    page = new_page()
    page.goto(host_site.add("/unlisted.html", live_url, attrs="data-locale='en'"))
    page.wait_for_timeout(1000)
    assert not launcher(page).is_visible()
