"""Probes for load balancers: ``/healthz`` (the process answers) and ``/readyz`` (this worker
can serve: the database answers and the search index is open and warm). Neither sets a
cookie, is rate-limited or cached."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from portal.extensions import csrf, db, limiter
from portal.search import get_search

bp = Blueprint("health", __name__)


def _uncached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process is alive."""
    return _uncached(jsonify(status="ok"))


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """200 when the database answers and the index is loaded and warm; 503 with reasons."""
    problems = []
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        problems.append(f"database: {str(exc).splitlines()[0][:200]}")
    service = get_search()
    status = service.engine.status()
    if not status.get("ready"):
        problems.append(f"search index: {status.get('reason', 'not ready')}")
    elif not service.warmed:
        problems.append("search: warming up")
    if problems:
        response = jsonify(status="unavailable", problems=problems)
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return _uncached(response)
    # A damaged part is served around (the other leg answers): ready, but say what is wrong.
    damaged = sorted(status.get("damaged") or {})
    return _uncached(jsonify(status="ready", index=status.get("generation"), damaged=damaged))


def init_app(app) -> None:
    """Register the probes (no CSRF: they only read)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
