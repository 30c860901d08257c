"""Browser test (issue 23.6): a Korean customer emails a question through the inbound webhook,
the agent answers it in the queue with an article link, the customer's inbox (a real SMTP
server on 127.0.0.1) receives the reply threaded under their question with the Korean link,
and the customer's emailed answer continues the same ticket, seen by the agent."""

from __future__ import annotations

import quopri
import re
import shutil
import time
import urllib.request
from email.header import Header

import pytest
from playwright.sync_api import expect

from portal.cli import cli
from tests.conftest import TEST_ARTICLES, make_app
from tests.mail_catcher import Catcher

pytestmark = pytest.mark.e2e

HOOK_SECRET = "e2e-inbound-secret"
SUPPORT = "support@help.example.com"
PUBLIC = "https://help.example.com"
QUESTION_ID = "<ko-question-1@mail.example.kr>"
KOREAN_TITLE = "배송 조회하기"  # track-order in Korean


@pytest.fixture
def smtp():
    """The customers' mail server: a real SMTP server keeping what it receives."""
    with Catcher() as catcher:
        yield catcher


@pytest.fixture
def live_app(tmp_path, built_index, smtp):
    """The e2e app with mail in and out: the webhook's secret, the support address, SMTP."""
    articles = tmp_path / "articles"
    shutil.copytree(TEST_ARTICLES, articles)
    shutil.copytree(built_index, tmp_path / "index")
    app = make_app(
        tmp_path,
        articles,
        f"sqlite:///{tmp_path / 'e2e.db'}",
        WTF_CSRF_ENABLED=True,
        PUBLIC_URL=PUBLIC,
        INBOUND_SECRET=HOOK_SECRET,
        INBOUND_ADDRESS=SUPPORT,
        MAIL_FROM=f"Haneul Market <{SUPPORT}>",
        SMTP_URL=smtp.url,
    )
    result = app.test_cli_runner().invoke(cli, ["users", "demo"])
    assert result.exit_code == 0, result.output
    return app


def post_mail(base: str, raw: bytes) -> tuple[int, str]:
    """Deliver raw MIME to the webhook as a mail provider does."""
    request = urllib.request.Request(
        f"{base}/api/v1/inbound/email",
        data=raw,
        headers={"Authorization": f"Bearer {HOOK_SECRET}", "Content-Type": "message/rfc822"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def korean_mail(*, subject: str, body: str, message_id: str, to: str = SUPPORT, **extra) -> bytes:
    """A Korean mail as a webmail sends it: encoded-word headers, quoted-printable UTF-8."""
    headers = {
        "From": f"{Header('김민지', 'utf-8').encode()} <minji@example.kr>",
        "To": to,
        "Subject": Header(subject, "utf-8").encode(),
        "Date": "Mon, 07 Dec 2026 10:00:00 +0900",
        "Message-ID": message_id,
        **extra,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "quoted-printable",
    }
    head = "".join(f"{key}: {value}\r\n" for key, value in headers.items())
    encoded = quopri.encodestring(body.replace("\n", "\r\n").encode()).decode()
    return f"{head}\r\n{encoded}\r\n".encode()


def inbox(smtp, to: str, subject_part: str, *, wait: float = 60.0):
    """The first message the customer's server received for ``to`` whose subject has
    ``subject_part`` (the worker delivers in the background)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with smtp.handler.lock:
            received = list(smtp.handler.received)
        for item in received:
            if to in item.recipients and subject_part in str(item.message["Subject"]):
                return item.message
        time.sleep(0.2)
    subjects = [str(r.message["Subject"]) for r in smtp.handler.received]
    raise AssertionError(f"no mail to {to} about {subject_part!r}; got {subjects}")


def test_a_korean_emailed_question_answered_in_the_queue_continues_by_email(
    live_url, smtp, new_page
):
    status, answer = post_mail(
        live_url,
        korean_mail(
            subject="배송이 안 와요",
            body="안녕하세요.\n주문한 상품이 아직 도착하지 않았어요. 배송 조회는 어디서 하나요?\n",
            message_id=QUESTION_ID,
        ),
    )
    assert status == 202, answer
    reference = re.search(r'"reference":\s*"(HM-[A-Z0-9]+)"', answer).group(1)
    received = inbox(smtp, "minji@example.kr", reference)  # the acknowledgment, in Korean
    assert received["In-Reply-To"] == QUESTION_ID
    assert "접수" in str(received["Subject"])

    agent = new_page()
    agent.goto(f"{live_url}/agent/tickets/{reference}")
    agent.get_by_label("Email").fill("agent@example.com")
    agent.get_by_label("Password").fill("agent-demo-pass")
    agent.get_by_role("button", name="Sign in").click()
    agent.wait_for_url(re.compile(rf"/agent/tickets/{reference}$"))
    expect(agent.locator("#conversation")).to_contain_text("배송 조회는 어디서 하나요?")
    agent.locator("#reply-body").fill("김민지 고객님, 아래 안내를 확인해 주세요.\n\n")
    agent.locator("#panel-q").fill("배송 조회")
    agent.locator("#panel-search").get_by_role("button", name="Search").click()
    hit = agent.locator('#panel-results li[data-article-id="track-order"]')
    expect(hit).to_contain_text(KOREAN_TITLE)
    hit.get_by_role("button", name="Insert link").click()
    expect(agent.locator("#reply-body")).to_have_value(
        re.compile(re.escape(f"[{KOREAN_TITLE}](article:track-order)"))
    )
    agent.get_by_role("button", name="Send reply").click()
    expect(agent.get_by_text("Reply sent to the customer.")).to_be_visible()

    reply = inbox(smtp, "minji@example.kr", "새 답변")
    acknowledgment_id = str(received["Message-ID"])
    assert reply["In-Reply-To"] == acknowledgment_id
    assert str(reply["References"]).split() == [QUESTION_ID, acknowledgment_id]
    assert reply["Auto-Submitted"] is None  # a person wrote it
    text = reply.get_body(("plain",)).get_content()
    assert f"{KOREAN_TITLE} ({PUBLIC}/ko/articles/track-order)" in text
    html = reply.get_body(("html",)).get_content()
    assert f'href="{PUBLIC}/ko/articles/track-order"' in html
    assert reply["Content-Language"] == "ko"
    reply_to = str(reply["Reply-To"])
    assert reply_to.startswith("support+t") and reply_to.endswith("@help.example.com")

    status, answer = post_mail(
        live_url,
        korean_mail(
            subject="Re: " + str(reply["Subject"]),
            body=(
                "감사합니다! 주문목록에서 확인했어요.\n\n"
                "2026년 12월 7일 (월) 오후 5:00, Haneul Market <support@help.example.com>님이 "
                "작성:\n> 김민지 고객님, 아래 안내를 확인해 주세요.\n"
            ),
            message_id="<ko-answer-2@mail.example.kr>",
            to=reply_to,
            **{"In-Reply-To": str(reply["Message-ID"]), "References": str(reply["References"])},
        ),
    )
    assert status == 202, answer
    assert f'"reference":"{reference}"' in answer.replace(" ", "")
    assert '"outcome":"follow_up"' in answer.replace(" ", "")

    agent.reload()
    last = agent.locator("#conversation li").last
    expect(last).to_contain_text("감사합니다! 주문목록에서 확인했어요.")
    expect(agent.locator("#conversation")).not_to_contain_text("님이 작성")
