"""A rate-limited reply on the private ticket page keeps what the customer typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Ticket
from tests.test_tickets import GOOD, file_form, rate_limited_app, text_of

REPLY_LIMIT = 20  # a minute, per client: see tickets.views.private


@pytest.mark.parametrize(
    ("locale", "browser", "message"),
    [
        ("ko", "en", "몇 분 뒤에 다시 보내 주세요. 작성하신 내용은 아래에 그대로 있어요."),
        ("en", "ko", "then send this one again: your text is still below."),
    ],
    ids=["ko-ticket", "en-ticket"],
)
def test_a_rate_limited_reply_comes_back_filled_in_and_saying_to_wait(
    tmp_path, articles_dir, locale, browser, message
):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()
    private = file_form(client, locale=locale).location.split("?")[0]
    for i in range(REPLY_LIMIT):
        assert client.post(private, data={"body": f"답장 {i}"}).status_code == 302
    typed = '아직 메일이 안 왔어요.\n<스팸함> & "전체 메일함"도 확인했어요.'
    response = client.post(private, data={"body": typed}, headers={"Accept-Language": browser})
    html = text_of(response)
    assert response.status_code == 429
    assert f'<html lang="{locale}">' in html and 'class="reply-form"' in html
    assert message in html  # in the ticket's language, not the browser's
    escaped = "아직 메일이 안 왔어요.\n&lt;스팸함&gt; &amp; &#34;전체 메일함&#34;도 확인했어요."
    assert escaped + "</textarea>" in html
    assert GOOD["description"] in html  # the conversation is still there
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert len(ticket.messages) == 1 + REPLY_LIMIT  # the limited reply was not saved


def test_a_rate_limited_reply_to_an_unknown_link_is_the_plain_error_page(tmp_path, articles_dir):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()
    unknown = "/tickets/" + "A" * 43
    statuses = [
        client.post(unknown, data={"body": "x"}).status_code for _ in range(REPLY_LIMIT + 1)
    ]
    assert statuses == [404] * REPLY_LIMIT + [429]
    assert 'class="reply-form"' not in text_of(client.post(unknown, data={"body": "x"}))
