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


def test_ask_in_korean_get_the_passage_say_no_and_talk_to_a_person(
    live_url, host_site, live_app, new_page
):
    """The whole self-service path: the bot's passage, "no", then a widget ticket carrying
    the question and the articles the customer was shown."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Ticket

    # The fake embedder's scores are not real ones: every first hit answers here.
    live_app.config.update(ANSWER_MIN_CONFIDENCE=0.0, ANSWER_MIN_CROSS_LINGUAL=0.0)
    live_app.config.update(LIVE_POLL_SECONDS=0.3, LIVE_STREAM_SECONDS=3)
    page = new_page(locale="ko-KR")
    page.goto(host_site.add("/ask.html", live_url, attrs="data-locale='ko'"))
    launcher(page).click()
    dialog = panel(page)
    assert dialog.get_by_text("자주 찾는 도움말").is_visible()  # popular articles first
    assert dialog.locator(".list-view .item").count() >= 3
    dialog.get_by_label("질문하기").fill("카드로 결제한 환불은 며칠 걸려요?")
    dialog.get_by_role("button", name="질문", exact=True).click()
    answer = dialog.locator(".answer")
    answer.locator(".passage").wait_for()
    assert dialog.get_by_text("가장 알맞은 답변").is_visible()
    assert answer.locator(".passage").inner_text().strip()
    assert answer.locator(".answer-title strong").inner_text().strip()
    link = answer.get_by_role("link", name="전체 도움말 보기")
    assert link.get_attribute("href").startswith(f"{live_url}/ko/articles/")
    answered_id = link.get_attribute("href").split("/articles/")[1].split("#")[0]
    assert dialog.get_by_text("궁금한 점이 해결되었나요?").is_visible()
    page.screenshot(path="/tmp/ui/widget-answer.png")
    dialog.get_by_role("button", name="아니요").click()
    dialog.get_by_role("button", name="상담원과 이야기하기").click()
    assert dialog.get_by_label("질문 내용").input_value() == "카드로 결제한 환불은 며칠 걸려요?"
    dialog.get_by_label("이름").fill("김민지")
    dialog.get_by_label("이메일").fill("minji@example.com")
    dialog.get_by_role("button", name="고객센터에 보내기").click()
    sent = dialog.locator(".sent")
    sent.wait_for()
    assert "접수 번호: HM-" in sent.inner_text()
    page.screenshot(path="/tmp/ui/widget-sent.png")
    with live_app.app_context():
        ticket = db.session.execute(sa.select(Ticket)).scalar_one()
        assert ticket.channel == "widget"
        assert ticket.locale == "ko"
        assert ticket.messages[0].body == "카드로 결제한 환불은 며칠 걸려요?"
        assert answered_id in ticket.suggested_articles  # the articles shown go with it
        assert reference_in(sent.inner_text()) == ticket.reference
        # An agent answers: the customer's panel shows it live (Server-Sent Events).
        from portal.models import TicketMessage

        db.session.add(
            TicketMessage(
                ticket=ticket, author_type="agent", body="카드사 확인 후 **3~5영업일** 걸려요."
            )
        )
        db.session.commit()
    reply = dialog.locator(".conversation .from-agent")
    reply.wait_for()
    assert "3~5영업일" in reply.inner_text()
    assert "고객센터" in reply.inner_text()
    dialog.get_by_label("더 적기").fill("감사합니다. 기다릴게요.")
    dialog.get_by_role("button", name="보내기", exact=True).click()
    mine = dialog.locator(".conversation .from-customer", has_text="기다릴게요")
    mine.wait_for()
    page.screenshot(path="/tmp/ui/widget-live.png")
    with live_app.app_context():
        bodies = [m.body for m in db.session.execute(sa.select(Ticket)).scalar_one().messages]
        assert bodies[-1] == "감사합니다. 기다릴게요."


def reference_in(text: str) -> str:
    return text.split("접수 번호:")[1].strip().split()[0]


def test_yes_says_thanks_and_counts_a_deflection(live_url, host_site, live_app, new_page):
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Deflection

    live_app.config.update(ANSWER_MIN_CONFIDENCE=0.0, ANSWER_MIN_CROSS_LINGUAL=0.0)
    page = new_page()
    page.goto(host_site.add("/yes.html", live_url, attrs="data-locale='en'"))
    launcher(page).click()
    dialog = panel(page)
    dialog.get_by_label("Ask a question").fill("my account is locked after wrong passwords")
    dialog.get_by_role("button", name="Ask", exact=True).click()
    dialog.locator(".answer .passage").wait_for()
    dialog.get_by_role("button", name="Yes").click()
    dialog.get_by_text("Glad we could help!").wait_for()
    page.wait_for_timeout(300)
    with live_app.app_context():
        [row] = db.session.execute(sa.select(Deflection)).scalars().all()
        assert row.query == "my account is locked after wrong passwords"


def test_below_the_line_the_widget_says_so_and_offers_a_person(
    live_url, host_site, live_app, new_page
):
    live_app.config.update(ANSWER_MIN_CONFIDENCE=1.01, ANSWER_MIN_CROSS_LINGUAL=1.01)
    page = new_page()
    page.goto(host_site.add("/none.html", live_url, attrs="data-locale='en'"))
    launcher(page).click()
    dialog = panel(page)
    dialog.get_by_label("Ask a question").fill("can I pay with seashells")
    dialog.get_by_role("button", name="Ask", exact=True).click()
    dialog.get_by_text("We could not find a good answer").wait_for()
    assert dialog.get_by_role("button", name="Talk to a person").is_visible()
    assert not dialog.locator(".answer .passage").count()


def test_an_english_only_article_is_labelled_in_the_korean_panel(live_url, host_site, new_page):
    page = new_page(locale="ko-KR")
    page.goto(host_site.add("/borrowed.html", live_url, attrs="data-locale='ko'"))
    launcher(page).click()
    page.evaluate("HelpWidget.search('payment declined')")
    dialog = panel(page)
    item = dialog.locator(".list-view .item[data-article=payment-methods]")
    item.wait_for()
    assert item.locator(".badge").inner_text() == "영어"
    item.click()
    dialog.locator(".article-body").wait_for()
    assert dialog.locator(".article-view h3 .badge").inner_text() == "영어"


def test_focus_stays_in_the_dialog_after_asking_so_escape_still_closes_it(
    live_url, host_site, live_app, new_page
):
    # QA: the Ask button was disabled while focused, so focus fell to the host page's body.
    live_app.config.update(ANSWER_MIN_CONFIDENCE=0.0, ANSWER_MIN_CROSS_LINGUAL=0.0)
    page = new_page()
    page.goto(host_site.add("/focus.html", live_url, attrs="data-locale='en'"))
    launcher(page).click()
    dialog = panel(page)
    dialog.get_by_label("Ask a question").fill("my account is locked after wrong passwords")
    dialog.get_by_role("button", name="Ask", exact=True).focus()
    page.keyboard.press("Enter")
    dialog.locator(".answer .passage").wait_for()
    active = "document.activeElement.shadowRoot && document.activeElement.shadowRoot.activeElement"
    inside = f"(() => {{ const a = {active}; return !!a && !!a.closest('[role=dialog]'); }})()"
    assert page.evaluate(inside)
    page.keyboard.press("Tab")
    assert page.evaluate(inside)
    page.keyboard.press("Escape")
    assert not panel(page).is_visible()
