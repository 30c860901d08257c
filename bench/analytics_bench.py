"""``analytics``: how fast is the self-service dashboard on a large signal log?

Builds a throw-away SQLite database through the app's migrations, bulk-loads N search-log
rows (default 1,000,000) plus proportional deflections, votes, tickets, agent links and
translation requests spread over the last ``--days`` days, then prints:

* each dashboard aggregate's p50 over ``--runs`` runs, per period and locale, with the index
  SQLite's planner picks for it (``EXPLAIN QUERY PLAN``);
* the whole dashboard page (``GET /agent/analytics/``) through the test client, signed in as
  an agent;
* the cost of recording one signal (ORM insert + commit of a ``search_log`` row, as
  :func:`portal.search.record_search` does), p50/p95 over ``--signals`` inserts.

The command is a plain click command (``analytics_command``); the CLI registers it.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import click
import sqlalchemy as sa

BATCH = 10_000
PASSWORD = "correct-horse-battery-staple"

# Share of each signal per search-log row.
RATES = {
    "tickets": 0.04,
    "deflections": 0.03,
    "votes": 0.05,
    "links": 0.02,
    "translation_requests": 0.02,
}
SIDES = (("customer", 0.6), ("form", 0.2), ("api", 0.05), ("agent", 0.15))
LOCALES = (("en", 0.6), ("ko", 0.4))

EN_WORDS = (
    "refund order track delivery password reset email change payment card cancel return "
    "locker pickup coupon gift wrap invoice receipt address shipping late damaged missing "
    "exchange size account login verify phone points membership subscription store review"
).split()
KO_WORDS = (
    "환불 주문 배송 조회 비밀번호 재설정 이메일 변경 결제 카드 취소 반품 보관함 픽업 쿠폰 "
    "선물 포장 영수증 주소 지연 파손 누락 교환 사이즈 계정 로그인 인증 휴대폰 포인트 멤버십"
).split()


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _vocabulary(rng: random.Random, words: list[str], size: int) -> list[str]:
    """``size`` distinct one-to-three-word queries."""
    found: set[str] = set()
    while len(found) < size:
        found.add(" ".join(rng.sample(words, rng.choice((1, 2, 2, 3)))))
    return sorted(found)


def _zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def _times(rng: random.Random, start: datetime, span: timedelta, n: int) -> list[datetime]:
    """``n`` timestamps spread over ``span`` in insertion (time) order, as a live log has."""
    step = span.total_seconds() / max(n, 1)
    return [start + timedelta(seconds=i * step + rng.random() * step) for i in range(n)]


def _insert(conn, table: sa.Table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[i : i + BATCH])


def load(app, rows: int, days: int, seed: int) -> dict[str, int]:
    """Bulk-insert the synthetic signals (executemany in batches, one transaction per table)."""
    from portal.extensions import db
    from portal.models import (
        ArticleLink,
        ArticleVote,
        Deflection,
        SearchLog,
        Ticket,
        TranslationRequest,
    )
    from portal.search import get_store

    rng = random.Random(seed)
    end = datetime.now(UTC)
    span = timedelta(days=days)
    start = end - span
    counts = {name: int(rows * rate) for name, rate in RATES.items()}
    counts["search_log"] = rows

    with app.app_context():
        store = get_store()
        article_ids = sorted({a.id for a in store.all()}) or ["refund-timelines"]
        article_ids += [f"synthetic-{i}" for i in range(40)]
        vocab = {
            "en": _vocabulary(rng, EN_WORDS, 3000),
            "ko": _vocabulary(rng, KO_WORDS, 3000),
        }
        cum_weights = {loc: list(accumulate(_zipf_weights(len(v)))) for loc, v in vocab.items()}
        locales, locale_w = zip(*LOCALES, strict=True)
        sides, side_w = zip(*SIDES, strict=True)
        engine = db.engine

        def chunks(total: int):
            for offset in range(0, total, BATCH * 10):
                yield offset, min(BATCH * 10, total - offset)

        # search_log: generated and inserted in chunks to keep memory flat.
        when_all = _times(rng, start, span, rows)
        with engine.begin() as conn:
            for offset, n in chunks(rows):
                locs = rng.choices(locales, locale_w, k=n)
                batch = []
                for i, loc in enumerate(locs):
                    query = rng.choices(vocab[loc], cum_weights=cum_weights[loc])[0]
                    if rng.random() < 0.05:
                        query = query.upper()
                    results = 0 if rng.random() < 0.08 else rng.randint(1, 20)
                    opened = rng.choice(article_ids) if results and rng.random() < 0.35 else None
                    batch.append(
                        {
                            "query": query,
                            "locale": loc,
                            "side": rng.choices(sides, side_w)[0],
                            "result_count": results,
                            "opened_article_id": opened,
                            "created_at": when_all[offset + i],
                        }
                    )
                _insert(conn, SearchLog.__table__, batch)
                _progress(f"  search_log {offset + n:,}/{rows:,}")
        del when_all

        with engine.begin() as conn:
            tickets = []
            for i, created in enumerate(_times(rng, start, span, counts["tickets"])):
                responded = solved = None
                if rng.random() < 0.85:
                    responded = created + timedelta(minutes=rng.lognormvariate(4.5, 1.0))
                    if rng.random() < 0.7:
                        solved = responded + timedelta(minutes=rng.lognormvariate(6.5, 1.2))
                tickets.append(
                    {
                        "reference": f"B-{i:08d}",
                        "token_hash": f"{i:064d}",
                        "email": "customer@example.com",
                        "name": "Customer",
                        "subject": "Bench ticket",
                        "locale": rng.choices(locales, locale_w)[0],
                        "channel": "web",
                        "status": "solved" if solved else "open",
                        "suggested_articles": [],
                        "opened_articles": [],
                        "created_at": created,
                        "updated_at": created,
                        "first_response_at": responded,
                        "solved_at": solved,
                    }
                )
            _insert(conn, Ticket.__table__, tickets)
            ticket_ids = [i for (i,) in conn.execute(sa.select(Ticket.id))]
            _progress(f"  tickets {len(tickets):,}")
            del tickets

            _insert(
                conn,
                Deflection.__table__,
                [
                    {
                        "article_id": rng.choice(article_ids),
                        "locale": rng.choices(locales, locale_w)[0],
                        "query": "",
                        "created_at": when,
                    }
                    for when in _times(rng, start, span, counts["deflections"])
                ],
            )
            _insert(
                conn,
                ArticleVote.__table__,
                [
                    {
                        "article_id": rng.choice(article_ids),
                        "locale": rng.choices(locales, locale_w)[0],
                        "visitor_id": f"visitor-{i}",
                        "helpful": rng.random() < 0.7,
                        "reason": None,
                        "created_at": when,
                        "updated_at": when,
                    }
                    for i, when in enumerate(_times(rng, start, span, counts["votes"]))
                ],
            )
            _insert(
                conn,
                ArticleLink.__table__,
                [
                    {
                        "ticket_id": rng.choice(ticket_ids),
                        "message_id": None,
                        "article_id": rng.choice(article_ids),
                        "locale": rng.choices(locales, locale_w)[0],
                        "agent_id": None,
                        "created_at": when,
                    }
                    for when in _times(rng, start, span, counts["links"])
                ],
            )
            _insert(
                conn,
                TranslationRequest.__table__,
                [
                    {
                        "article_id": rng.choice(article_ids),
                        "source_locale": "en",
                        "wanted_locale": "ko",
                        "query": "",
                        "created_at": when,
                    }
                    for when in _times(rng, start, span, counts["translation_requests"])
                ],
            )
            _progress("  deflections, votes, links, translation requests")
    return counts


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def query_plans(engine, fn: Callable[[], object]) -> str:
    """The tables/indexes SQLite's planner picks for the statements ``fn`` runs."""
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    used = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters):
                detail = row[-1]
                if detail.startswith(("SEARCH", "SCAN")):
                    words = detail.split()
                    table = words[1]
                    if "INDEX" in words:
                        index = words[words.index("INDEX") + 1]
                        kind = "covering " if "COVERING" in words else ""
                        used.append(f"{table}: {kind}{index}")
                    else:
                        used.append(f"{table}: full scan")
    finally:
        raw.close()
    return "; ".join(dict.fromkeys(used))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)), line]
    for row in rows:
        out.append(
            "  ".join(
                str(c).rjust(w) if i in (3, 4) else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(out)


@click.command("analytics")
@click.option("--rows", type=int, default=1_000_000, show_default=True, help="search_log rows.")
@click.option("--days", type=int, default=180, show_default=True, help="Days of history.")
@click.option("--runs", type=int, default=5, show_default=True, help="Runs per aggregate.")
@click.option("--signals", type=int, default=1000, show_default=True, help="Signal inserts.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--keep", is_flag=True, help="Keep the temporary database and print its path.")
def analytics_command(rows: int, days: int, runs: int, signals: int, seed: int, keep: bool):
    """Time the analytics dashboard's aggregates on a large synthetic signal log."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.analytics import service
    from portal.analytics.service import Period
    from portal.analytics.views import translation_exists
    from portal.extensions import db
    from portal.models import SearchLog
    from portal.users import save_user

    workdir = Path(tempfile.mkdtemp(prefix="analytics-bench-"))
    database = workdir / "bench.db"
    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-secret",
                "INSTANCE_DIR": workdir / "instance",
                "INDEX_DIR": workdir / "index",
                "EMBEDDER": "none",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
        _progress(f"loading {rows:,} search-log rows over {days} days into {database}")
        began = time.perf_counter()
        counts = load(app, rows, days, seed)
        load_s = time.perf_counter() - began
        size_mb = database.stat().st_size / 1e6

        table: list[list[str]] = []
        with app.test_request_context():
            engine = db.engine
            today = datetime.now(UTC).date()
            for label, n, locale in (
                ("7 days", 7, None),
                ("30 days", 30, None),
                ("90 days", 90, None),
                ("90 days", 90, "ko"),
            ):
                period = Period.last_days(n, today)
                aggregates = {
                    "self-service ratio": lambda p=period, lo=locale: service.self_service(p, lo),
                    "volume + medians": lambda p=period, lo=locale: service.ticket_times(p, lo),
                    "searches (top + gaps)": lambda p=period, lo=locale: service.search_summary(
                        p, lo
                    ),
                    "least helpful": lambda p=period, lo=locale: service.least_helpful(p, lo),
                    "most linked": lambda p=period, lo=locale: service.most_linked(p, lo),
                    "missing translations": lambda p=period, lo=locale: (
                        service.missing_translations(p, lo, exists=translation_exists)
                    ),
                }
                for name, fn in aggregates.items():
                    samples = timed(fn, runs)
                    plan = query_plans(engine, fn) if n == 90 else ""
                    table.append([name, label, locale or "all", f"{p50(samples):.1f}", "", plan])
                    _progress(f"  {name} {label} {locale or 'all'}: {p50(samples):.1f} ms")
            db.session.remove()

        with app.app_context():
            save_user("bench-agent@example.com", PASSWORD, roles=("agent",))
        client = app.test_client()
        response = client.post(
            "/login", data={"email": "bench-agent@example.com", "password": PASSWORD}
        )
        assert response.status_code == 302, response.status_code
        for preset in ("7", "30", "90"):

            def page(preset=preset):
                result = client.get(f"/agent/analytics/?period={preset}")
                assert result.status_code == 200, result.status_code

            samples = timed(page, runs)
            table.append(
                ["dashboard page (GET)", f"{preset} days", "all", f"{p50(samples):.1f}", "", ""]
            )
            _progress(f"  page {preset} days: {p50(samples):.1f} ms")

        with app.app_context():
            samples = []
            for i in range(signals):
                began = time.perf_counter()
                db.session.add(
                    SearchLog(
                        query=f"bench signal {i % 50}",
                        locale="en",
                        side="customer",
                        result_count=i % 7,
                    )
                )
                db.session.commit()
                samples.append((time.perf_counter() - began) * 1000)
            table.append(
                [
                    "record one signal",
                    f"{signals} inserts",
                    "-",
                    f"{p50(samples):.2f}",
                    f"{p95(samples):.2f}",
                    "insert + commit (ORM)",
                ]
            )
            db.session.remove()

        sizes = ", ".join(f"{name} {n:,}" for name, n in counts.items())
        click.echo(f"SQLite {sqlite_version()} · {sizes}")
        click.echo(f"load {load_s:.1f} s · database {size_mb:.0f} MB · p50 of {runs} runs")
        click.echo(format_table(["measure", "period", "locale", "p50 ms", "p95 ms", "plan"], table))
        if keep:
            click.echo(f"database kept: {database}")
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":  # pragma: no cover
    analytics_command(sys.argv[1:])
