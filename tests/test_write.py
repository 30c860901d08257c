"""Writers publish Markdown: editor, preview, validation, conflicts, revisions, translations,
tickets turned into articles, and the files on disk staying the source of truth."""

from __future__ import annotations

import hashlib
import html
import os
import re
import secrets

import pytest
import sqlalchemy as sa

from portal.cli import cli
from portal.extensions import db
from portal.models import Revision, Ticket, TicketMessage, TranslationRequest, User, utcnow
from portal.rendering import render_markdown
from portal.search import get_search
from portal.store import MAX_ARTICLE_BYTES, atomic_write
from portal.users import save_user
from portal.write.drafts import Draft
from portal.write.editor import Editor
from tests.workers import run_worker

PASSWORD = "correct-horse-battery"
QUESTION = "새벽배송 주문을 문 앞이 아니라 경비실에 맡기고 싶어요. 어떻게 바꾸나요?"
ANSWER = (
    "주문 상세에서 배송 요청사항 > 경비실 보관을 선택하면 됩니다. 밤 11시 전까지 바꿀 수 있어요."
)
NOTE = "내부 메모: 고객 주소 확인 완료"


# -- helpers -----------------------------------------------------------------------


def sign_in(client, email: str, *roles: str) -> None:
    """Create a staff account with ``roles`` and sign ``client`` in as it."""
    save_user(email, PASSWORD, roles=roles)
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def writer(app):
    """A client signed in as a writer; the app context stays pushed for model access."""
    with app.app_context():
        client = app.test_client()
        sign_in(client, "writer@example.com", "writer")
        yield client


@pytest.fixture
def search_writer(search_app):
    """A writer's client on the app whose search index is built."""
    with search_app.app_context():
        client = search_app.test_client()
        sign_in(client, "writer@example.com", "writer")
        yield client


def text(response) -> str:
    return response.get_data(as_text=True)


def form_fields(page: str) -> dict[str, str]:
    """The editor form's current values, as a browser would submit them."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("submit", "checkbox", "radio")):
            continue
        fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = html.unescape(value).removeprefix("\r\n").removeprefix("\n")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', options
        )
        if chosen:
            fields[name] = chosen.group(1) or chosen.group(2)
    return fields


def open_editor(client, locale: str, article_id: str) -> dict[str, str]:
    response = client.get(f"/write/{locale}/{article_id}/edit")
    assert response.status_code == 200, text(response)
    return form_fields(text(response))


def save(client, locale: str, article_id: str, fields: dict, action: str = "save"):
    return client.post(f"/write/{locale}/{article_id}/edit", data={**fields, action: "1"})


def new_article(**changes) -> dict[str, str]:
    fields = {
        "article_id": "gift-wrapping",
        "locale": "en",
        "category": "orders-delivery",
        "slug": "",
        "title": "Gift wrapping",
        "tags": "gift, wrapping",
        "visibility": "public",
        "body": "## Add gift wrapping\n\nTick **Gift wrap** at checkout.\n",
        "extra": "",
        "version": "",
    }
    fields.update(changes)
    return fields


def search_ids(app, query: str, locale: str = "en") -> list[str]:
    """Ids of what a customer searching in ``locale`` gets (borrowed translations left out).

    Asks the one search service that the search page, the widget and the JSON API all use.
    """
    with app.test_request_context():
        results = get_search().search(query, locale=locale, record=False)
    return [hit.id for hit in results.hits if hit.locale == locale]


def revisions_of(article_id: str, locale: str) -> list[Revision]:
    db.session.expire_all()
    query = sa.select(Revision).filter_by(article_id=article_id, locale=locale)
    return list(db.session.scalars(query.order_by(Revision.id)))


def make_solved_ticket(*, status: str = "solved", locale: str = "ko") -> Ticket:
    """A Korean ticket with the question, an internal note and the agent's public answer."""
    agent = save_user("agent@example.com", PASSWORD, roles=("agent",))
    ticket = Ticket(
        reference=f"T-{secrets.token_hex(4).upper()}",
        token_hash=hashlib.sha256(secrets.token_bytes(8)).hexdigest(),
        email="minji@example.com",
        name="Minji",
        subject="새벽배송 경비실 보관",
        category="orders-delivery",
        locale=locale,
        status=status,
        solved_at=utcnow() if status == "solved" else None,
    )
    db.session.add(ticket)
    db.session.add(TicketMessage(ticket=ticket, author_type="customer", body=QUESTION))
    db.session.add(
        TicketMessage(
            ticket=ticket, author_type="agent", author_id=agent.id, body=NOTE, internal=True
        )
    )
    db.session.add(
        TicketMessage(ticket=ticket, author_type="agent", author_id=agent.id, body=ANSWER)
    )
    db.session.commit()
    return ticket


# -- roles -------------------------------------------------------------------------


def test_writer_pages_send_anonymous_visitors_to_the_login_page(client):
    response = client.get("/write/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("roles", "status"), [((), 403), (("agent",), 403), (("writer",), 200), (("admin",), 200)]
)
def test_only_writers_and_admins_may_use_the_editor(app, roles, status):
    with app.app_context():
        client = app.test_client()
        sign_in(client, "someone@example.com", *roles)
        for url in (
            "/write/",
            "/write/new",
            "/write/translations",
            "/write/en/reset-password/edit",
        ):
            assert client.get(url).status_code == status, url


def test_agents_may_turn_a_solved_ticket_into_a_draft_but_not_edit_articles(app, articles_dir):
    with app.app_context():
        ticket = make_solved_ticket()
        client = app.test_client()
        sign_in(client, "agent2@example.com", "agent")
        page = client.get(f"/write/from-ticket/{ticket.reference}")
        assert page.status_code == 200

        response = client.post(
            f"/write/from-ticket/{ticket.reference}", data=form_fields(text(page)) | {"save": "1"}
        )

        assert response.status_code == 302
        written = list(articles_dir.glob("ko/*/*.md"))
        assert any(ticket.reference in p.read_text(encoding="utf-8") for p in written)
        assert client.get("/write/en/reset-password/edit").status_code == 403


# -- files stay the truth ----------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_whole_and_no_partial_file(articles_dir):
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    before = path.read_bytes()

    with pytest.raises(UnicodeEncodeError):
        atomic_write(path, "---\nid: reset-password\n---\nhalf written \ud800 never lands")

    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["change-email.md", "reset-password.md"]


def test_a_save_that_fails_on_disk_changes_nothing_and_records_no_revision(
    writer, app, articles_dir, monkeypatch
):
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    before = path.read_bytes()
    fields = open_editor(writer, "en", "reset-password")

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        save(writer, "en", "reset-password", fields | {"body": "New text that cannot be written"})
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    assert revisions_of("reset-password", "en") == []


def test_saving_in_the_browser_writes_the_markdown_file_and_a_revision(writer, articles_dir):
    response = writer.post("/write/new", data=new_article())

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/write/en/gift-wrapping/edit")
    path = articles_dir / "en" / "orders-delivery" / "gift-wrapping.md"
    content = path.read_text(encoding="utf-8")
    assert content.startswith("---\nid: gift-wrapping\ntitle: Gift wrapping\n")
    assert "status: draft" in content and "Tick **Gift wrap** at checkout." in content
    (revision,) = revisions_of("gift-wrapping", "en")
    assert revision.content == content and revision.note == "created"
    user = db.session.scalar(sa.select(User).filter_by(email="writer@example.com"))
    assert revision.author_id == user.id and revision.created_at is not None


def test_editing_a_file_changed_in_git_keeps_the_disk_version_in_the_history(writer, articles_dir):
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    fields = open_editor(writer, "en", "reset-password")
    original = path.read_text(encoding="utf-8")
    assert save(writer, "en", "reset-password", fields | {"body": "Edited."}).status_code == 302

    disk, edit = revisions_of("reset-password", "en")
    assert disk.content == original and disk.author_id is None and disk.note == "on-disk"
    assert edit.content == path.read_text(encoding="utf-8") and "Edited." in edit.content


def test_articles_sync_reindexes_added_changed_and_deleted_files(search_app, articles_dir):
    root = articles_dir / "en"
    (root / "orders-delivery" / "snow-chains.md").write_text(
        "---\nid: snow-chains\ntitle: Deliveries in snow\nlocale: en\ncategory: orders-delivery\n"
        "updated: 2026-11-20\n---\nCouriers fit zorblefrost chains when it snows.\n",
        encoding="utf-8",
    )
    reset = root / "account-sign-in" / "reset-password.md"
    reset.write_text(
        reset.read_text(encoding="utf-8") + "\nAsk for a quintarvel code.\n", encoding="utf-8"
    )
    (root / "account-sign-in" / "change-email.md").unlink()
    assert "change-email" in search_ids(search_app, "change your email address")

    result = search_app.test_cli_runner().invoke(cli, ["articles", "sync"])

    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated, 1 removed" in result.output
    assert search_ids(search_app, "zorblefrost") == ["snow-chains"]
    assert search_ids(search_app, "quintarvel") == ["reset-password"]
    assert "change-email" not in search_ids(search_app, "change your email address")
    again = search_app.test_cli_runner().invoke(cli, ["articles", "sync"])
    assert "0 added, 0 updated, 0 removed" in again.output


# -- publishing and the search index -----------------------------------------------


def test_publishing_makes_new_text_searchable_once_the_worker_ran_and_removed_text_unfindable(
    search_writer, search_app
):
    fields = open_editor(search_writer, "en", "reset-password")
    body = fields["body"] + "\nA glimmerquartz token also works.\n"
    assert save(search_writer, "en", "reset-password", fields | {"body": body}).status_code == 302
    run_worker(search_app)  # the web records; this node's worker indexes
    assert search_ids(search_app, "glimmerquartz") == ["reset-password"]

    fields = open_editor(search_writer, "en", "reset-password")
    body = fields["body"].replace("glimmerquartz", "velvetmoss")
    assert save(search_writer, "en", "reset-password", fields | {"body": body}).status_code == 302
    run_worker(search_app)

    assert search_ids(search_app, "velvetmoss") == ["reset-password"]
    assert search_ids(search_app, "glimmerquartz") == []


def test_a_new_article_is_searchable_after_publish_and_gone_after_unpublish_once_the_worker_ran(
    search_writer, search_app
):
    body = "## Wrap a present\n\nChoose the plumfeather paper at checkout.\n"
    draft = search_writer.post("/write/new", data=new_article(body=body))
    assert draft.status_code == 302
    run_worker(search_app)
    assert search_ids(search_app, "plumfeather") == []  # drafts are never indexed

    fields = open_editor(search_writer, "en", "gift-wrapping")
    published = save(search_writer, "en", "gift-wrapping", fields, "publish")
    assert published.status_code == 302
    page = text(search_writer.get("/write/en/gift-wrapping/edit"))
    assert (
        "search finds it within a few seconds" in page and 'id="article-status">Published' in page
    )
    run_worker(search_app)
    assert search_ids(search_app, "plumfeather") == ["gift-wrapping"]

    fields = open_editor(search_writer, "en", "gift-wrapping")
    assert save(search_writer, "en", "gift-wrapping", fields, "unpublish").status_code == 302
    run_worker(search_app)
    assert search_ids(search_app, "plumfeather") == []


def test_delete_asks_for_confirmation_then_removes_the_file_and_the_search_entry(
    search_writer, search_app, articles_dir
):
    path = articles_dir / "en" / "account-sign-in" / "change-email.md"
    confirm = search_writer.get("/write/en/change-email/delete")
    assert confirm.status_code == 200 and "Delete this article" in text(confirm)
    assert path.exists()

    response = search_writer.post("/write/en/change-email/delete", data=form_fields(text(confirm)))

    assert response.status_code == 302 and not path.exists()
    run_worker(search_app)
    assert "change-email" not in search_ids(search_app, "change your email address")
    last = revisions_of("change-email", "en")[-1]
    assert last.note == "deleted" and "Change your email address" in last.content
    restored = search_writer.post(f"/write/revisions/{last.id}/restore", data={"version": ""})
    assert restored.status_code == 302 and path.exists()


# -- validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"article_id": "Gift Wrapping!"}, "lowercase letters, digits and hyphens"),
        ({"article_id": "reset-password"}, "already exists in en"),
        ({"slug": "track-order"}, "The slug “track-order” is already used by “Track your order”"),
        ({"category": "gardening"}, "Unknown category “gardening”"),
        ({"locale": "xx"}, "Unknown locale “xx”"),
        ({"body": "x" * (MAX_ARTICLE_BYTES + 10)}, "the limit is 256 KB"),
        ({"extra": "reviewer: [unclosed"}, "Extra front matter is not valid YAML"),
        ({"extra": "status: published"}, "Set status with the form fields"),
        ({"title": ""}, "This field is required."),
    ],
)
def test_invalid_articles_are_refused_with_a_clear_message_and_the_text_kept(
    writer, articles_dir, changes, message
):
    fields = new_article(body="My carefully written **text**.\n") | changes

    response = writer.post("/write/new", data=fields)

    page = text(response)
    assert response.status_code == 400
    assert html.escape(message, quote=False) in page or message in page
    kept = fields["body"] if len(fields["body"]) < 1000 else fields["body"][:1000]
    assert html.escape(kept, quote=False) in page
    assert not list(articles_dir.glob("*/*/gift-wrapping.md"))
    assert not list(articles_dir.glob("*/*/.*.tmp"))


# -- two writers, one article ------------------------------------------------------


def test_a_second_writer_saving_a_stale_version_is_told_and_loses_nothing(
    writer, app, articles_dir
):
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    mine = open_editor(writer, "en", "reset-password")
    other = app.test_client()
    sign_in(other, "other@example.com", "writer")
    theirs = open_editor(other, "en", "reset-password")
    assert (
        save(other, "en", "reset-password", theirs | {"body": "Their wording."}).status_code == 302
    )

    response = save(writer, "en", "reset-password", mine | {"body": "My wording."})

    page = text(response)
    assert response.status_code == 409
    assert "Someone changed this article since you opened it" in page
    assert "My wording." in page and "Their wording." in page  # my text, and the diff
    assert "Their wording." in path.read_text(encoding="utf-8")
    again = save(writer, "en", "reset-password", form_fields(page) | {"body": "My wording."})
    assert again.status_code == 302
    assert "My wording." in path.read_text(encoding="utf-8")
    notes = [r.content for r in revisions_of("reset-password", "en")]
    assert any("Their wording." in content for content in notes)


def test_a_file_edited_on_disk_after_the_editor_opened_is_a_conflict(writer, articles_dir):
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    fields = open_editor(writer, "en", "reset-password")
    path.write_text(path.read_text(encoding="utf-8") + "\nFrom git.\n", encoding="utf-8")

    response = save(writer, "en", "reset-password", fields | {"body": "Mine."})

    assert response.status_code == 409 and "Mine." in text(response)
    assert path.read_text(encoding="utf-8").endswith("From git.\n")


# -- revisions ---------------------------------------------------------------------


def test_restoring_a_revision_saves_it_again_as_a_new_revision(writer, articles_dir):
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    for wording in ("First wording.", "Second wording."):
        fields = open_editor(writer, "en", "reset-password")
        assert save(writer, "en", "reset-password", fields | {"body": wording}).status_code == 302
    first = next(r for r in revisions_of("reset-password", "en") if "First wording." in r.content)
    page = text(writer.get(f"/write/revisions/{first.id}"))
    assert "First wording." in page and "Restore this revision" in page

    response = writer.post(f"/write/revisions/{first.id}/restore", data=form_fields(page))

    assert response.status_code == 302
    content = path.read_text(encoding="utf-8")
    assert "First wording." in content and "Second wording." not in content
    history = revisions_of("reset-password", "en")
    assert history[-1].note == f"restored:{first.id}" and history[-1].content == content
    assert any("Second wording." in r.content for r in history)  # nothing rewritten
    listing = text(writer.get("/write/en/reset-password/history"))
    assert f"Restored from revision {first.id}" in listing


def test_history_diff_shows_what_changed_between_two_revisions(writer):
    for wording in ("Tap Forgot password.", "Tap Reset password."):
        fields = open_editor(writer, "en", "reset-password")
        assert save(writer, "en", "reset-password", fields | {"body": wording}).status_code == 302
    older, newer = revisions_of("reset-password", "en")[-2:]

    page = text(writer.get(f"/write/en/reset-password/diff?a={older.id}&b={newer.id}"))

    assert re.search(r'class="diff-remove">.*?Tap Forgot password\.', page, re.S)
    assert re.search(r'class="diff-add">.*?Tap Reset password\.', page, re.S)


def test_a_stale_restore_is_refused_and_changes_nothing(writer, articles_dir):
    fields = open_editor(writer, "en", "reset-password")
    save(writer, "en", "reset-password", fields | {"body": "One."})
    (revision,) = [r for r in revisions_of("reset-password", "en") if "One." in r.content]
    page = form_fields(text(writer.get(f"/write/revisions/{revision.id}")))
    fields = open_editor(writer, "en", "reset-password")
    save(writer, "en", "reset-password", fields | {"body": "Two."})

    response = writer.post(f"/write/revisions/{revision.id}/restore", data=page)

    assert response.status_code == 302
    path = articles_dir / "en" / "account-sign-in" / "reset-password.md"
    assert "Two." in path.read_text(encoding="utf-8")
    assert "Someone changed this article" in text(writer.get(response.headers["Location"]))


# -- preview -----------------------------------------------------------------------


def test_preview_is_rendered_by_the_customer_renderer_and_sanitizer(writer):
    markdown = "# Hi\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) **bold**\n"

    response = writer.post("/write/preview", data={"markdown": markdown, "locale": "en"})

    assert response.status_code == 200
    rendered = response.get_json()["html"]
    assert rendered == render_markdown(markdown).html
    assert "<script" not in rendered and "javascript:" not in rendered
    assert "<strong>bold</strong>" in rendered


def test_preview_names_article_links_customers_could_not_open(writer):
    markdown = (
        "See [reset](article:reset-password), [lockers](article:pickup-lockers), "
        "[playbook](article:refund-escalation-playbook) and [gone](article:no-such-article)."
    )
    rendered = writer.post("/write/preview", data={"markdown": markdown, "locale": "en"})
    html = rendered.get_json()["html"]
    warning = html.split("</p>", 1)[0]
    assert 'class="preview-warning"' in warning
    for target in ("pickup-lockers", "refund-escalation-playbook", "no-such-article"):
        assert f"article:{target}" in warning
    assert "reset-password" not in warning
    assert 'href="/en/articles/reset-password"' in html
    assert '<a href="#" rel="noopener noreferrer">lockers</a>' in html  # as customers see it
    clean = writer.post("/write/preview", data={"markdown": "[reset](article:reset-password)"})
    assert "preview-warning" not in clean.get_json()["html"]


def test_preview_needs_the_csrf_token(tmp_path, articles_dir):
    from tests.conftest import make_app

    app = make_app(
        tmp_path, articles_dir, f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True
    )
    with app.app_context():
        save_user("writer@example.com", PASSWORD, roles=("writer",))
        client = app.test_client()
        login = text(client.get("/login"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post(
            "/login",
            data={"email": "writer@example.com", "password": PASSWORD, "csrf_token": token},
        )
        assert client.post("/write/preview", data={"markdown": "hi"}).status_code == 400
        ok = client.post("/write/preview", data={"markdown": "hi"}, headers={"X-CSRFToken": token})
        assert ok.status_code == 200 and ok.get_json()["html"] == "<p>hi</p>"


# -- translations ------------------------------------------------------------------


def test_starting_a_translation_prefills_the_source_with_the_same_id(writer):
    page = text(writer.get("/write/new?translate=payment-methods&locale=ko"))

    fields = form_fields(page)
    assert fields["article_id"] == "payment-methods" and fields["locale"] == "ko"
    assert (
        fields["category"] == "billing-refunds" and fields["title"] == "Payment methods you can use"
    )
    assert "Translating from English" in page


def test_translation_dashboard_lists_missing_outdated_and_current_most_requested_first(
    writer,
):
    for article_id, times in (("payment-methods", 3), ("reset-password", 1)):
        for _ in range(times):
            db.session.add(
                TranslationRequest(
                    article_id=article_id, source_locale="en", wanted_locale="ko", query="q"
                )
            )
    db.session.commit()
    fields = open_editor(writer, "en", "reset-password")
    assert save(writer, "en", "reset-password", fields | {"body": "New steps."}).status_code == 302

    page = text(writer.get("/write/translations?locale=ko"))

    rows = re.findall(
        r'data-article-id="([^"]+)" data-state="([^"]+)">.*?class="requests">(\d+)<', page, re.S
    )
    assert rows[:2] == [("payment-methods", "missing", "3"), ("reset-password", "outdated", "1")]
    states = {article_id: state for article_id, state, _count in rows}
    assert states["change-email"] == "outdated"  # the source was updated after the translation
    assert states["track-order"] == "current" and states["pickup-lockers"] == "missing"


def test_a_minor_edit_keeps_translations_up_to_date(writer):
    fields = open_editor(writer, "en", "reset-password")
    save(writer, "en", "reset-password", fields | {"body": "Typo fixed.", "minor": "y"})

    page = text(writer.get("/write/translations?locale=ko"))

    assert 'data-article-id="reset-password" data-state="current"' in page


def test_translating_an_article_makes_it_up_to_date(writer, articles_dir):
    fields = form_fields(text(writer.get("/write/new?translate=payment-methods&locale=ko")))
    fields |= {"title": "결제 수단", "body": "카드와 하늘페이로 결제할 수 있어요.\n"}

    response = writer.post("/write/new", data=fields | {"publish": "1"})

    assert response.status_code == 302
    assert (articles_dir / "ko" / "billing-refunds" / "payment-methods.md").exists()
    page = text(writer.get("/write/translations?locale=ko"))
    assert 'data-article-id="payment-methods" data-state="current"' in page


# -- tickets -----------------------------------------------------------------------


def test_a_solved_ticket_becomes_a_draft_with_the_question_and_the_public_answer(
    writer, articles_dir
):
    ticket = make_solved_ticket()
    assert ticket.reference in text(writer.get("/write/tickets"))

    page = text(writer.get(f"/write/from-ticket/{ticket.reference}"))

    fields = form_fields(page)
    assert fields["locale"] == "ko" and fields["title"] == "새벽배송 경비실 보관"
    assert QUESTION in fields["body"] and ANSWER in fields["body"]
    assert NOTE not in page  # internal notes never leave the ticket
    assert f"source_ticket: {ticket.reference}" in fields["extra"]

    response = writer.post(f"/write/from-ticket/{ticket.reference}", data=fields | {"save": "1"})

    assert response.status_code == 302
    (path,) = [
        p for p in articles_dir.glob("ko/*/*.md") if ticket.reference in p.read_text("utf-8")
    ]
    content = path.read_text(encoding="utf-8")
    assert "status: draft" in content and f"source_ticket: {ticket.reference}" in content
    assert QUESTION in content and ANSWER in content and NOTE not in content
    assert path.parent.name == "orders-delivery"
    assert "Turn into article" not in text(writer.get("/write/tickets"))


def test_an_unsolved_ticket_cannot_become_an_article(writer):
    ticket = make_solved_ticket(status="open")

    response = writer.get(f"/write/from-ticket/{ticket.reference}", follow_redirects=True)

    assert "Only solved tickets can be turned into articles." in text(response)


# -- the service on its own --------------------------------------------------------


def test_the_editor_service_refuses_a_duplicate_id_in_the_same_locale(app):
    with app.test_request_context():
        store = app.extensions["article_store"]
        editor = Editor(store, app.instance_path)
        draft = Draft(
            article_id="track-order", locale="ko", category="orders-delivery", title="x", body="y"
        )
        from portal.write.drafts import EditError

        with pytest.raises(EditError, match="already exists in ko"):
            editor.save(draft, author=None, base_version="")


@pytest.mark.parametrize("page", ["/write/", "/write/translations"])
def test_language_tabs_switch_the_same_page_and_mark_the_current_language(writer, page):
    body = text(writer.get(f"{page}?locale=ko"))
    tabs = re.search(r'<ul class="locale-tabs".*?</ul>', body, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)"( aria-current="page")?', tabs)
    assert {(href, code) for href, code, _ in links} == {
        (f"{page}?locale=en", "en"),
        (f"{page}?locale=ko", "ko"),
    }
    assert [code for _, code, current in links if current] == ["ko"]


# -- restoring keeps the publish state ---------------------------------------------


def test_restoring_a_published_revision_keeps_an_unpublished_article_unpublished(
    writer, app, articles_dir
):
    path = articles_dir / "en" / "billing-refunds" / "payment-methods.md"
    customer = app.test_client()
    fields = open_editor(writer, "en", "payment-methods")
    assert save(writer, "en", "payment-methods", fields | {"body": "Old steps."}).status_code == 302
    published = revisions_of("payment-methods", "en")[-1]
    fields = open_editor(writer, "en", "payment-methods")
    # Other text since (restoring the text the file has already saves nothing, see below).
    unpublished = fields | {"body": "Newer steps."}
    assert save(writer, "en", "payment-methods", unpublished, "unpublish").status_code == 302
    assert customer.get("/en/articles/payment-methods").status_code == 404
    page = form_fields(text(writer.get(f"/write/revisions/{published.id}")))

    response = writer.post(
        f"/write/revisions/{published.id}/restore", data=page, follow_redirects=True
    )

    assert "The article stays unpublished" in text(response)
    content = path.read_text(encoding="utf-8")
    assert "Old steps." in content and "status: draft" in content
    assert customer.get("/en/articles/payment-methods").status_code == 404


def test_a_deleted_article_comes_back_from_its_history_as_a_draft(writer, app, articles_dir):
    path = articles_dir / "en" / "billing-refunds" / "payment-methods.md"
    confirm = form_fields(text(writer.get("/write/en/payment-methods/delete")))
    assert writer.post("/write/en/payment-methods/delete", data=confirm).status_code == 302
    deleted = revisions_of("payment-methods", "en")[-1]

    response = writer.post(
        f"/write/revisions/{deleted.id}/restore", data={"version": ""}, follow_redirects=True
    )

    assert "as a draft: customers see it once you publish it" in text(response)
    assert "status: draft" in path.read_text(encoding="utf-8")
    assert app.test_client().get("/en/articles/payment-methods").status_code == 404


# -- duplicate files -----------------------------------------------------------------


def write_stray_copy(articles_dir, name: str = "dup-reset.md"):
    """A copy/paste mistake in git: another Korean file with the id reset-password."""
    path = articles_dir / "ko" / "account-sign-in" / name
    path.write_text(
        "---\nid: reset-password\ntitle: 중복 비밀번호 글\nlocale: ko\ncategory: account-sign-in\n"
        "updated: 2026-11-29\n---\n복사한 글입니다.\n",
        encoding="utf-8",
    )
    return path


def test_a_stray_copy_of_an_article_is_reported_and_never_served(writer, app, articles_dir):
    write_stray_copy(articles_dir)

    page = text(writer.get("/write/?locale=ko"))
    checked = app.test_cli_runner().invoke(cli, ["articles", "check"])

    assert "중복 비밀번호 글" not in text(writer.get("/ko/articles/reset-password"))
    problems = re.search(r'id="store-problems".*?</div>', page, re.S).group(0)
    assert "<code>dup-reset.md</code>: duplicate id" in problems
    assert "<code>reset-password.md</code>" not in problems
    assert checked.exit_code == 1
    assert "dup-reset.md: duplicate id 'reset-password'" in checked.output
    assert "reset-password.md: duplicate" not in checked.output


# -- translations: outdated the same day, and articles written in Korean first -------


def translate(client, article_id: str, locale: str, title: str, body: str):
    """Start a translation with the Translate link and publish it."""
    page = text(client.get(f"/write/new?translate={article_id}&locale={locale}"))
    fields = form_fields(page) | {"title": title, "body": body}
    response = client.post("/write/new", data=fields | {"publish": "1"})
    assert response.status_code == 302, text(response)


def translation_state(client, article_id: str, locale: str) -> str | None:
    page = text(client.get(f"/write/translations?locale={locale}"))
    found = re.search(rf'data-article-id="{article_id}" data-state="([^"]+)"', page)
    return found.group(1) if found else None


def test_a_source_change_later_the_same_day_marks_the_translation_outdated(writer):
    translate(writer, "payment-methods", "ko", "결제 수단", "카드로 결제할 수 있어요.\n")
    assert translation_state(writer, "payment-methods", "ko") == "current"
    assert "source_version" not in open_editor(writer, "ko", "payment-methods")["extra"]

    fields = open_editor(writer, "en", "payment-methods")
    body = fields["body"] + "\n## Gift cards\n\nGift cards work too.\n"
    assert save(writer, "en", "payment-methods", fields | {"body": body}).status_code == 302

    assert translation_state(writer, "payment-methods", "ko") == "outdated"
    editor = text(writer.get("/write/ko/payment-methods/edit"))
    assert "Outdated: the source was updated after this translation." in editor


def test_a_minor_source_edit_keeps_the_translation_current_until_a_real_change(writer):
    translate(writer, "payment-methods", "ko", "결제 수단", "카드로 결제할 수 있어요.\n")

    fields = open_editor(writer, "en", "payment-methods")
    typo_fixed = fields["body"].replace("debit cards", "debit cards,", 1)
    assert typo_fixed != fields["body"]
    minor = save(writer, "en", "payment-methods", fields | {"body": typo_fixed, "minor": "y"})
    assert minor.status_code == 302
    assert translation_state(writer, "payment-methods", "ko") == "current"

    fields = open_editor(writer, "en", "payment-methods")
    changed = fields["body"] + "\nBank transfers take a day.\n"
    assert save(writer, "en", "payment-methods", fields | {"body": changed}).status_code == 302
    assert translation_state(writer, "payment-methods", "ko") == "outdated"


def write_korean_original(articles_dir):
    path = articles_dir / "ko" / "orders-delivery" / "chuseok-delivery.md"
    path.write_text(
        "---\nid: chuseok-delivery\ntitle: 추석 연휴 배송 안내\nlocale: ko\n"
        "category: orders-delivery\nstatus: published\nupdated: 2026-11-20\n---\n"
        "추석 연휴에는 배송이 이틀 늦어집니다.\n",
        encoding="utf-8",
    )


def test_an_article_written_in_korean_first_stays_the_source_of_its_english_translation(
    writer, articles_dir
):
    write_korean_original(articles_dir)
    translate(writer, "chuseok-delivery", "en", "Chuseok deliveries", "Two days late.\n")

    assert translation_state(writer, "chuseok-delivery", "ko") is None  # the original
    assert translation_state(writer, "chuseok-delivery", "en") == "current"
    korean = text(writer.get("/write/?locale=ko"))
    row = re.search(r'<tr data-article-id="chuseok-delivery">.*?</tr>', korean, re.S).group(0)
    assert 'data-locale="en" data-state="current"' in row
    assert "Translating from" not in text(writer.get("/write/ko/chuseok-delivery/edit"))
    english = text(writer.get("/write/en/chuseok-delivery/edit"))
    assert "Translating from Korean:" in english and "Outdated" not in english

    fields = open_editor(writer, "ko", "chuseok-delivery")
    body = fields["body"] + "\n제주 지역은 사흘 늦어집니다.\n"
    assert save(writer, "ko", "chuseok-delivery", fields | {"body": body}).status_code == 302

    assert translation_state(writer, "chuseok-delivery", "en") == "outdated"
    english = text(writer.get("/write/en/chuseok-delivery/edit"))
    assert "Outdated: the source was updated after this translation." in english


# -- a save changes only what the writer changed (issue 25.9) -------------------------------

RESET_EN = ("en", "account-sign-in", "reset-password")


def article_file(articles_dir, locale: str, category: str, slug: str):
    return articles_dir / locale / category / f"{slug}.md"


def test_putting_the_original_text_back_keeps_its_date_and_the_translation_current(
    writer, articles_dir
):
    path = article_file(articles_dir, *RESET_EN)
    original = path.read_text(encoding="utf-8")
    assert translation_state(writer, "reset-password", "ko") == "current"
    fields = open_editor(writer, "en", "reset-password")
    changed = fields["body"] + "\n## Still stuck?\n\nWrite to us.\n"
    assert save(writer, "en", "reset-password", fields | {"body": changed}).status_code == 302
    assert translation_state(writer, "reset-password", "ko") == "outdated"
    assert "updated: 2026-10-02" not in path.read_text(encoding="utf-8")

    fields = open_editor(writer, "en", "reset-password")
    put_back = fields | {"body": fields["body"].replace("\n## Still stuck?\n\nWrite to us.\n", "")}
    assert save(writer, "en", "reset-password", put_back).status_code == 302

    assert path.read_text(encoding="utf-8") == original  # its date too: 2026-10-02
    assert translation_state(writer, "reset-password", "ko") == "current"


def test_restoring_the_first_revision_brings_its_date_back(writer, articles_dir):
    path = article_file(articles_dir, *RESET_EN)
    original = path.read_text(encoding="utf-8")
    fields = open_editor(writer, "en", "reset-password")
    retitled = fields | {"title": "Reset or change your password"}
    assert save(writer, "en", "reset-password", retitled).status_code == 302
    assert translation_state(writer, "reset-password", "ko") == "outdated"

    first = revisions_of("reset-password", "en")[0]
    assert first.content == original
    page = text(writer.get(f"/write/revisions/{first.id}"))
    response = writer.post(f"/write/revisions/{first.id}/restore", data=form_fields(page))
    assert response.status_code == 302
    assert path.read_text(encoding="utf-8") == original
    assert translation_state(writer, "reset-password", "ko") == "current"


def test_a_save_keeps_the_lines_the_writer_did_not_change(writer, articles_dir):
    path = article_file(articles_dir, *RESET_EN)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "visibility: public\n", "visibility: public  # everyone\nreviewed_by: 'Jiwoo'\n"
        ),
        encoding="utf-8",
    )
    before = path.read_text(encoding="utf-8").splitlines()
    fields = open_editor(writer, "en", "reset-password")
    assert save(writer, "en", "reset-password", fields | {"title": "Reset it"}).status_code == 302

    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [
        ("title: Reset your password", "title: Reset it"),
        ("updated: 2026-10-02", f"updated: {today_utc()}"),
    ]
    assert "tags: [password, sign-in]" in after  # flow style kept

    fields = open_editor(writer, "en", "reset-password")
    more_tags = fields | {"tags": "password, sign-in, locked"}
    assert save(writer, "en", "reset-password", more_tags).status_code == 302
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "tags: [password, sign-in, locked]" in lines  # changed, in the style it had
    assert f"updated: {today_utc()}" in lines and "reviewed_by: 'Jiwoo'" in lines


def test_a_save_with_no_change_rewrites_nothing(writer, articles_dir):
    path = article_file(articles_dir, *RESET_EN)
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a blank end
    before = path.read_bytes()
    fields = open_editor(writer, "en", "reset-password")
    response = save(writer, "en", "reset-password", fields)
    assert response.status_code == 302
    assert path.read_bytes() == before
    assert revisions_of("reset-password", "en") == []
    page = text(writer.get(response.headers["Location"]))
    assert "Nothing changed, so nothing was saved." in page


def test_a_tag_only_change_keeps_the_date_readers_see(writer, articles_dir):
    path = article_file(articles_dir, *RESET_EN)
    fields = open_editor(writer, "en", "reset-password")
    assert save(writer, "en", "reset-password", fields | {"tags": "password"}).status_code == 302
    written = path.read_text(encoding="utf-8")
    assert "tags: [password]\n" in written and "updated: 2026-10-02\n" in written
    assert translation_state(writer, "reset-password", "ko") == "current"


def today_utc() -> str:
    from portal.write.drafts import today

    return today().isoformat()


def test_restoring_the_revision_the_article_already_has_saves_nothing(writer, articles_dir):
    fields = open_editor(writer, "en", "reset-password")
    assert save(writer, "en", "reset-password", fields | {"title": "Reset it"}).status_code == 302
    newest = revisions_of("reset-password", "en")[-1]
    page = text(writer.get(f"/write/revisions/{newest.id}"))
    response = writer.post(f"/write/revisions/{newest.id}/restore", data=form_fields(page))
    assert response.status_code == 302
    assert revisions_of("reset-password", "en")[-1].id == newest.id
    page = text(writer.get(response.headers["Location"]))
    assert "The article already has this revision&#39;s text: nothing was saved." in page
