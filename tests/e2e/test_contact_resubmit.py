"""Browser tests: the contact form after Back (issue 25.6)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Ticket

pytestmark = pytest.mark.e2e


def fill_contact_form(page):
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("Name").fill("Sam")
    page.get_by_label("Subject").fill("My refund has not arrived")
    page.get_by_label("How can we help?").fill("I returned the jacket two weeks ago.")


def test_back_then_send_again_shows_the_ticket_already_filed(live_app, live_url, new_page):
    page = new_page()
    page.goto(f"{live_url}/en/contact")
    fill_contact_form(page)
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".filed-notice")).to_be_visible()
    reference = page.locator(".reference").inner_text()

    page.go_back()
    expect(page).to_have_url(f"{live_url}/en/contact")
    expect(page.get_by_label("Subject")).to_have_value("My refund has not arrived")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".reference")).to_have_text(reference)
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_another_request_from_the_same_tab_files_its_own_ticket(live_app, live_url, new_page):
    # The tab keeps its submission key, but the key only names the same submission with the
    # same text: a different request is a different ticket.
    page = new_page()
    page.goto(f"{live_url}/en/contact")
    fill_contact_form(page)
    page.get_by_role("button", name="Send request").click()
    first = page.locator(".reference").inner_text()

    page.goto(f"{live_url}/en/contact")
    fill_contact_form(page)
    page.get_by_label("Subject").fill("Where is my parcel?")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".filed-notice")).to_be_visible()
    assert page.locator(".reference").inner_text() != first
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 2
