"""The contact form, deflections, private ticket pages and the tickets API."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import itsdangerous.timed
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Deflection, OutboxMessage, SearchLog, Ticket, TicketMessage
from portal.search import get_search
from tests.conftest import make_app

GOOD = {
    "email": "minji@example.com",
    "name": "김민지",
    "subject": "비밀번호 재설정 메일이 안 와요",
    "description": "비밀번호를 재설정하려고 하는데 인증 메일이 오지 않습니다.",
    "category": "account-sign-in",
    "locale": "ko",
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def file_form(client, **changes):
    return client.post("/ko/contact", data={**GOOD, "submission_key": "k1", **changes})


def test_the_contact_form_is_prefilled_with_the_customers_locale(client):
    html = text_of(client.get("/ko/contact"))
    assert 'name="locale" type="hidden" value="ko"' in html
    assert "계정 및 로그인" in html  # categories in Korean


def test_the_form_carries_a_csrf_token_when_csrf_is_on(tmp_path, articles_dir):
    app = make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True
    )
    client = app.test_client()
    assert 'name="csrf_token"' in text_of(client.get("/en/contact"))
    response = client.post("/en/contact", data={**GOOD, "locale": "en"})
    assert response.status_code == 400
    with app.app_context():
        assert count(Ticket) == 0


@pytest.mark.parametrize(
    ("locale", "message"),
    [("en", "Enter a valid email address"), ("ko", "올바른 이메일 주소")],
)
def test_validation_messages_are_in_the_customers_language(client, app, locale, message):
    response = client.post(
        f"/{locale}/contact", data={**GOOD, "locale": locale, "email": "not-an-email"}
    )
    html = text_of(response)
    assert response.status_code == 400
    assert message in html
    assert GOOD["description"] in html  # the customer's text is kept
    with app.app_context():
        assert count(Ticket) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": ""},
        {"description": "x" * 5001},
        {"name": "n" * 121},
        {"locale": "xx"},
        {"category": "no-such-topic"},
        {"website": "http://spam.example"},  # the honeypot
    ],
)
def test_bad_or_hostile_fields_file_nothing(client, app, changes):
    assert file_form(client, **changes).status_code == 400
    with app.app_context():
        assert count(Ticket) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize(
    "email",
    [
        "o'brien@example.com",
        "first.last+tag@example.co.kr",
        "x!#$%&*/=?^_`{|}~-y@example.com",
        "김민지@example.com",
    ],
)
def test_valid_email_addresses_are_accepted(client, app, email):
    assert file_form(client, email=email).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Ticket.email)).one() == email


@pytest.mark.parametrize(
    "email",
    [
        "minji@example",  # no dot in the domain
        "min ji@example.com",
        "minji@example.com\nBcc: victim@example.org",
        "minji@example.com\n",
        "<minji@example.com>",
        "Minji <minji@example.com>",
        "min..ji@example.com",
        ".minji@example.com",
        '"minji"@example.com',
        "minji@@example.com",
    ],
)
def test_malformed_or_header_injecting_email_addresses_are_refused(client, app, email):
    response = file_form(client, email=email)
    assert response.status_code == 400
    assert "올바른 이메일 주소" in text_of(response)
    with app.app_context():
        assert count(Ticket) == 0


def test_filing_creates_one_ticket_with_a_private_link_and_a_localized_email(client, app):
    response = file_form(client, suggested="reset-password,change-email", opened="reset-password")
    assert response.status_code == 302
    private = client.get(response.location)
    html = text_of(private)
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert (ticket.status, ticket.locale, ticket.channel) == ("open", "ko", "web")
        assert ticket.suggested_articles == ["reset-password", "change-email"]
        assert ticket.opened_articles == ["reset-password"]
        assert ticket.messages[0].body == GOOD["description"]
        email = db.session.scalars(sa.select(OutboxMessage)).one()
        reference = ticket.reference
    assert reference in html and GOOD["description"] in html
    assert private.headers["Referrer-Policy"] == "no-referrer"
    assert (email.to_email, email.locale, email.kind) == (GOOD["email"], "ko", "ticket_received")
    assert reference in email.subject and "문의" in email.body
    token = response.location.split("/tickets/")[1].split("?")[0]
    assert f"http://localhost/tickets/{token}" in email.body
    assert len(token) >= 40


def test_a_double_submit_files_one_ticket_and_shows_the_same_page(client, app):
    first = file_form(client)
    second = file_form(client)
    assert first.location == second.location
    with app.app_context():
        assert count(Ticket) == 1 and count(OutboxMessage) == 1


def test_a_database_error_loses_nothing_the_customer_typed(client, app):
    with app.app_context():
        db.session.execute(sa.text("DROP TABLE outbox"))
        db.session.commit()
    response = file_form(client)
    html = text_of(response)
    assert response.status_code == 503
    assert GOOD["description"] in html and GOOD["subject"] in html and GOOD["email"] in html
    with app.app_context():
        assert count(Ticket) == 0


def test_private_links_show_one_ticket_and_nothing_to_guessers(client, app):
    mine = file_form(client, submission_key="mine").location.split("?")[0]
    theirs = file_form(
        client,
        submission_key="theirs",
        subject="다른 사람의 문의",
        description="다른 고객의 내용입니다.",
    ).location.split("?")[0]
    assert "다른 고객의 내용입니다" not in text_of(client.get(mine))
    assert "다른 고객의 내용입니다" in text_of(client.get(theirs))
    with app.app_context():
        reference = db.session.scalars(sa.select(Ticket.reference)).first()
    for guess in (f"/tickets/{reference}", "/tickets/1", "/tickets/" + "A" * 43, mine[:-1]):
        assert client.get(guess).status_code == 404


def test_internal_notes_never_reach_the_customer_and_replies_reopen(client, app):
    private = file_form(client).location.split("?")[0]
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        ticket.status = "solved"
        db.session.add_all(
            [
                TicketMessage(
                    ticket=ticket, author_type="agent", body="secret note", internal=True
                ),
                TicketMessage(
                    ticket=ticket,
                    author_type="agent",
                    body="[비밀번호 재설정하기](article:reset-password)을 참고해 주세요.",
                ),
            ]
        )
        db.session.commit()
    html = text_of(client.get(private))
    assert "secret note" not in html
    assert '<a href="/ko/articles/reset-password" rel="noopener noreferrer">' in html
    assert client.post(private, data={"body": "아직 안 돼요"}).status_code == 302
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert ticket.status == "open" and ticket.messages[-1].body == "아직 안 돼요"


def test_answered_records_one_deflection_and_files_nothing(client, app):
    response = client.post(
        "/ko/contact/answered",
        data={
            "article_id": "reset-password",
            "subject": "비밀번호",
            "description": "메일이 안 와요",
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200 and response.get_json()["ok"] is True
    assert (
        client.post("/ko/contact/answered", data={"article_id": "pickup-lockers"}).status_code
        == 400
    )
    with app.app_context():
        deflection = db.session.scalars(sa.select(Deflection)).one()
        log = db.session.scalars(sa.select(SearchLog)).one()
        assert (deflection.article_id, deflection.locale, deflection.query) == (
            "reset-password",
            "ko",
            "비밀번호",
        )
        assert (log.side, log.opened_article_id) == ("form", "reset-password")
        assert count(Ticket) == 0


def test_form_suggestions_are_the_search_services_results(search_client, search_app):
    typed = "비밀번호 재설정 메일이 안 와요"
    body = search_client.get(
        "/api/v1/search",
        query_string={"q": typed, "locale": "ko", "limit": 5, "side": "form", "suggest": 1},
    ).get_json()
    with search_app.test_request_context():
        expected = get_search().search(typed, locale="ko", k=5, record=False)
        assert count(SearchLog) == 0  # typing is not logged
    assert [r["id"] for r in body["results"]] == [h.id for h in expected.hits]
    assert body["results"][0]["id"] == "reset-password"


# -- expired or missing CSRF tokens --------------------------------------------------


def csrf_app(tmp_path, articles_dir):
    return make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True
    )


def csrf_token_in(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_contact_form_left_open_for_hours_still_sends(tmp_path, articles_dir, monkeypatch):
    app = csrf_app(tmp_path, articles_dir)
    client = app.test_client()
    two_hours_ago = time.time() - 2 * 3600
    with monkeypatch.context() as past:  # the page was opened two hours ago
        past.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: two_hours_ago))
        token = csrf_token_in(text_of(client.get("/ko/contact")))
    response = client.post("/ko/contact", data={**GOOD, "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert count(Ticket) == 1


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_an_unverifiable_contact_form_comes_back_filled_in_and_can_be_sent_again(
    tmp_path, articles_dir, token
):
    app = csrf_app(tmp_path, articles_dir)
    client = app.test_client()  # no page was opened: no session, as after a browser restart
    response = client.post("/ko/contact", data={**GOOD, "csrf_token": token})
    html = text_of(response)
    assert response.status_code == 400
    assert '<html lang="ko">' in html and 'id="contact-form"' in html
    assert "양식의 유효 시간이 지나" in html  # said in Korean, not a bare "Bad Request"
    for typed in (GOOD["email"], GOOD["name"], GOOD["subject"], GOOD["description"]):
        assert typed in html
    again = client.post("/ko/contact", data={**GOOD, "csrf_token": csrf_token_in(html)})
    assert again.status_code == 302
    with app.app_context():
        assert count(Ticket) == 1


def test_other_unverifiable_forms_explain_themselves_in_the_visitors_language(
    tmp_path, articles_dir
):
    app = csrf_app(tmp_path, articles_dir)
    client = app.test_client()
    korean = {"Accept-Language": "ko"}
    for url, headers in [
        ("/ko/articles/reset-password/vote", {}),
        ("/agent/tickets/T-1/messages", korean),  # the agent's reply form
        ("/login", korean),
    ]:
        response = client.post(url, data={"body": "답변"}, headers=headers)
        html = text_of(response)
        assert response.status_code == 400, url
        assert '<html lang="ko">' in html and 'class="site-header"' in html, url
        assert "양식의 유효 시간이 지났어요" in html and "뒤로 돌아가" in html, url
    english = client.post("/en/articles/reset-password/vote", data={"helpful": "yes"})
    assert "This form has expired" in text_of(english)
    script = client.post(
        "/ko/contact/answered",
        data={"article_id": "reset-password"},
        headers={"Accept": "application/json"},
    )
    assert script.status_code == 400 and "error" in script.get_json()


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_an_unverifiable_reply_comes_back_filled_in_and_can_be_sent_again(
    tmp_path, articles_dir, token
):
    app = csrf_app(tmp_path, articles_dir)
    client = app.test_client()
    filed = client.post(
        "/ko/contact",
        data={**GOOD, "csrf_token": csrf_token_in(text_of(client.get("/ko/contact")))},
    )
    private = filed.location.split("?")[0]
    restarted = app.test_client()  # the session cookie is gone, as after a browser restart
    reply = {"body": "아직 메일이 안 왔어요.\n스팸함도 확인했어요.", "csrf_token": token}
    response = restarted.post(private, data=reply, headers={"Accept-Language": "en"})
    html = text_of(response)
    assert response.status_code == 400
    assert '<html lang="ko">' in html and 'class="reply-form"' in html  # the ticket's language
    assert "양식의 유효 시간이 지나서 아직 아무것도 보내지 않았어요" in html
    assert "아직 메일이 안 왔어요.\n스팸함도 확인했어요.</textarea>" in html
    assert GOOD["description"] in html  # the conversation is still there
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    again = restarted.post(private, data={**reply, "csrf_token": csrf_token_in(html)})
    assert again.status_code == 302
    with app.app_context():
        ticket = db.session.scalars(sa.select(Ticket)).one()
        assert [m.body for m in ticket.messages] == [GOOD["description"], reply["body"]]


# -- rate limits ---------------------------------------------------------------------


def rate_limited_app(tmp_path, articles_dir):
    """An app with its rate limits on (the test configuration turns them off)."""
    return make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'rl.db'}", RATELIMIT_ENABLED=True
    )


def test_filing_and_suggestions_are_rate_limited_per_client(tmp_path, articles_dir):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()
    statuses = [file_form(client, submission_key=f"k{i}").status_code for i in range(6)]
    assert statuses[:5] == [302] * 5 and statuses[5] == 429
    other = client.post("/ko/contact", data=GOOD, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 302
    api = [client.get("/api/v1/search?q=x&suggest=1").status_code for _ in range(121)]
    assert api[-1] == 429


def test_failed_attempts_do_not_use_up_the_filing_limit(tmp_path, articles_dir):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()
    typo = [file_form(client, email="minji@example").status_code for _ in range(6)]
    assert typo == [400] * 6
    assert file_form(client).status_code == 302
    with app.app_context():
        assert count(Ticket) == 1


def test_sending_the_same_request_again_does_not_use_up_the_filing_limit(tmp_path, articles_dir):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()
    refreshed = [file_form(client, submission_key="k0").status_code for _ in range(3)]
    others = [file_form(client, submission_key=f"k{i}").status_code for i in range(1, 5)]
    assert refreshed + others == [302] * 7  # five tickets: the limit is five a minute
    assert file_form(client, submission_key="k5").status_code == 429
    with app.app_context():
        assert count(Ticket) == 5


def test_api_retries_under_one_key_do_not_use_up_the_filing_limit(tmp_path, articles_dir):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()

    def post(key):
        return client.post("/api/v1/tickets", json=GOOD, headers={"Idempotency-Key": key})

    retried = [post("k0").status_code for _ in range(3)]
    others = [post(f"k{i}").status_code for i in range(1, 5)]
    assert retried + others == [201, 200, 200] + [201] * 4  # five tickets a minute
    assert post("k5").status_code == 429


def test_a_rate_limited_contact_form_comes_back_filled_in(tmp_path, articles_dir):
    app = rate_limited_app(tmp_path, articles_dir)
    client = app.test_client()
    for i in range(5):
        assert file_form(client, submission_key=f"k{i}").status_code == 302
    response = file_form(client, submission_key="k5", description="여섯 번째 문의 내용입니다.")
    html = text_of(response)
    assert response.status_code == 429
    assert '<html lang="ko">' in html and 'id="contact-form"' in html
    assert "몇 분 뒤에" in html
    assert "여섯 번째 문의 내용입니다." in html and GOOD["subject"] in html
    with app.app_context():
        assert count(Ticket) == 5


def test_with_a_public_url_the_private_link_ignores_the_host_header(
    tmp_path, articles_dir, monkeypatch
):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://help.example.com")
    app = make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'public.db'}")
    client = app.test_client()
    evil = "http://help.evil.test"  # plain http, as behind a proxy that terminates TLS
    response = client.post("/ko/contact", data={**GOOD, "submission_key": "k1"}, base_url=evil)
    assert response.status_code == 302
    page = text_of(client.get(response.location, base_url=evil))
    token = response.location.split("/tickets/")[1].split("?")[0]
    assert f"https://help.example.com/tickets/{token}" in page
    assert "help.evil.test" not in page
    with app.app_context():
        email = db.session.scalars(sa.select(OutboxMessage)).one()
    assert f"https://help.example.com/tickets/{token}" in email.body
    assert "help.evil.test" not in email.body


def test_the_served_address_stands_in_for_a_missing_public_url(tmp_path, articles_dir):
    from portal.config import default_public_url

    app = make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'serve.db'}")
    default_public_url(app.config, "0.0.0.0", 5077)  # what `portal serve` does
    client = app.test_client()
    evil = "http://attacker.example"
    response = client.post("/ko/contact", data={**GOOD, "submission_key": "k1"}, base_url=evil)
    with app.app_context():
        email = db.session.scalars(sa.select(OutboxMessage)).one()
    token = response.location.split("/tickets/")[1].split("?")[0]
    assert f"http://127.0.0.1:5077/tickets/{token}" in email.body
    assert "attacker.example" not in email.body


def test_trusted_hosts_refuse_any_other_host(tmp_path, articles_dir, monkeypatch):
    monkeypatch.setenv("PORTAL_TRUSTED_HOSTS", "help.example.com, .help.example.com")
    app = make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'hosts.db'}")
    client = app.test_client()
    assert client.get("/ko/contact", headers={"Host": "help.example.com"}).status_code == 200
    assert client.get("/ko/contact", headers={"Host": "eu.help.example.com"}).status_code == 200
    assert client.get("/ko/contact", headers={"Host": "help.evil.test"}).status_code == 400


def test_without_a_public_url_links_follow_the_request_as_before(client):
    response = file_form(client)
    page = text_of(client.get(response.location, headers={"Host": "127.0.0.1:5000"}))
    assert "http://127.0.0.1:5000/tickets/" in page


# -- POST /api/v1/tickets -------------------------------------------------------------


def test_the_api_files_a_ticket(client, app):
    response = client.post("/api/v1/tickets", json={**GOOD, "locale": "en"})
    body = response.get_json()
    assert response.status_code == 201
    assert re.fullmatch(r"HM-[2-9A-Z]{7}", body["reference"])
    assert body["url"].startswith("http://localhost/tickets/")
    page = client.get(body["url"].removeprefix("http://localhost"))
    assert body["reference"] in text_of(page)
    with app.app_context():
        assert db.session.scalars(sa.select(Ticket.channel)).one() == "api"


def test_the_api_answers_field_errors(client, app):
    response = client.post(
        "/api/v1/tickets", json={"email": "x", "name": 5, "subject": "", "locale": "xx"}
    )
    errors = response.get_json()["errors"]
    assert response.status_code == 400
    assert set(errors) >= {"email", "name", "subject", "description", "locale"}
    assert (
        client.post("/api/v1/tickets", data="[1, 2]", content_type="application/json").status_code
        == 400
    )
    assert client.post("/api/v1/tickets", data="not json").status_code == 400
    with app.app_context():
        assert count(Ticket) == 0


def test_the_api_is_idempotent_with_a_key(client, app):
    headers = {"Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/tickets", json=GOOD, headers=headers)
    second = client.post("/api/v1/tickets", json=GOOD, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json()
    with app.app_context():
        assert count(Ticket) == 1


def test_the_private_page_has_no_language_switch_carrying_its_link(client):
    private = file_form(client).location.split("?")[0]
    html = text_of(client.get(private))
    assert "비밀번호 재설정 메일이 안 와요" in html
    assert 'class="language-switcher"' not in html
    assert "next=/tickets/" not in html and "next=%2Ftickets%2F" not in html
    assert 'class="language-switcher"' in text_of(client.get("/ko/contact"))


def test_every_page_names_an_icon_that_exists(client):
    html = text_of(client.get("/en/contact"))
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    assert client.get(icon).status_code == 200


def test_times_are_shown_in_the_help_centers_zone_and_say_which(client, app):
    private = file_form(client).location.split("?")[0]
    with app.app_context():
        message = db.session.scalars(sa.select(TicketMessage)).one()
        message.created_at = datetime(2026, 11, 29, 2, 56, 35, tzinfo=UTC)
        db.session.commit()
    html = text_of(client.get(private))
    assert "오전 11:56:35 (한국 표준시)" in html  # filed at 11:56 in Seoul, not "2:56"
    assert 'datetime="2026-11-29T02:56:35+00:00"' in html
