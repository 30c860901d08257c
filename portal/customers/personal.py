"""The signed-in customer's own help center: their open requests and the articles they read
lately, on the home page.

Only for a customer signed in through "My requests" (:mod:`portal.customers.access`); an
anonymous visitor gets no cookie and no personal content. What they read is kept in their
own signed session cookie (article ids, nothing on the server), and a page that shows any of
it is sent ``Cache-Control: private, no-store`` so no shared cache can hand it to another.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import session

from portal.customers import access

VIEWED_KEY = "customer_viewed"
MAX_VIEWED = 6
MAX_OPEN_REQUESTS = 5


@dataclass(frozen=True)
class PersonalHome:
    email: str
    open_requests: list  # Ticket rows, newest activity first
    recently_viewed: list  # store articles in (or for) the page's locale


def remember_viewed(article_id: str) -> None:
    """Note that the signed-in customer read ``article_id`` (most recent first)."""
    if access.signed_in_email() is None:
        return
    viewed = [a for a in session.get(VIEWED_KEY, []) if isinstance(a, str) and a != article_id]
    session[VIEWED_KEY] = [article_id, *viewed][:MAX_VIEWED]


def personal_home(store, locale: str, resolve) -> PersonalHome | None:
    """What the home page shows the signed-in customer, or None for anyone else.
    ``resolve(store, article_id, locale)`` gives the public article to show, or None."""
    email = access.signed_in_email()
    if email is None:
        return None
    open_requests = [t for t in access.tickets_of(email) if t.status != "solved"]
    viewed = []
    for article_id in session.get(VIEWED_KEY, []):
        if isinstance(article_id, str) and (found := resolve(store, article_id, locale)):
            viewed.append(found)
    return PersonalHome(email, open_requests[:MAX_OPEN_REQUESTS], viewed)
