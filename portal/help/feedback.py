"""Customer signals from the article pages: "Was this helpful?" votes and opened results.

Visitors are anonymous: a random cookie id tells one visitor's votes apart, nothing more.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ArticleVote, SearchLog, utcnow
from portal.search import request_translation
from portal.store import Article

VISITOR_COOKIE = "visitor"
MAX_REASON_CHARS = 300
OPEN_WINDOW = timedelta(hours=1)


def new_visitor_id() -> str:
    """A random id for an anonymous visitor."""
    return uuid.uuid4().hex


def valid_visitor_id(value: str | None) -> bool:
    """True for ids this site issued (32 hex characters)."""
    return bool(value) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def clean_reason(text: str | None) -> str | None:
    """The reason as staff read it: line breaks, tabs and other control characters (which
    PostgreSQL refuses as NUL, and spreadsheets show as garbage) become single spaces."""
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f]+", " ", text or "").strip()[:MAX_REASON_CHARS] or None


def cast_vote(
    article_id: str, locale: str, visitor_id: str, helpful: bool, reason: str | None
) -> ArticleVote:
    """Record or change this visitor's vote on the article: one vote per visitor."""
    reason = clean_reason(reason)
    for _attempt in range(2):
        vote = db.session.execute(
            sa.select(ArticleVote).where(
                ArticleVote.article_id == article_id,
                ArticleVote.locale == locale,
                ArticleVote.visitor_id == visitor_id,
            )
        ).scalar_one_or_none()
        if vote is None:
            vote = ArticleVote(article_id=article_id, locale=locale, visitor_id=visitor_id)
            db.session.add(vote)
        vote.helpful = helpful
        vote.reason = reason
        vote.updated_at = utcnow()
        try:
            db.session.commit()
            return vote
        except sa.exc.IntegrityError:  # the same visitor voting twice at once: update instead
            db.session.rollback()
    raise RuntimeError("could not record the vote")


def current_vote(article_id: str, locale: str, visitor_id: str | None) -> ArticleVote | None:
    """The visitor's vote on the article, if they voted."""
    if not valid_visitor_id(visitor_id):
        return None
    return db.session.execute(
        sa.select(ArticleVote).where(
            ArticleVote.article_id == article_id,
            ArticleVote.locale == locale,
            ArticleVote.visitor_id == visitor_id,
        )
    ).scalar_one_or_none()


def _search_link_signer():
    from flask import current_app
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="search-log-opened")


def search_link_token(search_log_id: int | None) -> str | None:
    """What a result link carries to say which search it came from: the log row's id,
    signed, so a visitor can only mark the searches they were shown (a bare id let anyone
    mark every recent row as opened and add translation requests at will)."""
    return None if search_log_id is None else _search_link_signer().dumps(search_log_id)


def opened_search_id(token: str | None) -> int | None:
    """The search-log id a result link was signed for; None when missing, forged or odd."""
    from itsdangerous import BadData

    if not token or len(token) > 100:
        return None
    try:
        value = _search_link_signer().loads(token)
    except BadData:
        return None
    return value if isinstance(value, int) and 0 < value < 2**63 else None


def record_opened(search_log_id: int, article: Article, reader_locale: str) -> None:
    """Note which result a recent search led to (first opened result only). An article
    the reader opened in another language asks writers for its translation."""
    try:
        opened = db.session.execute(
            sa.update(SearchLog)
            .where(
                SearchLog.id == search_log_id,
                SearchLog.opened_article_id.is_(None),
                SearchLog.created_at >= utcnow() - OPEN_WINDOW,
            )
            .values(opened_article_id=article.id)
        )
        if opened.rowcount == 1 and article.locale != reader_locale:
            query = db.session.get(SearchLog, search_log_id).query
            request_translation(article.id, article.locale, reader_locale, query)
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
