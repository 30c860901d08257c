"""Ticket search at scale: p50/p95 of :func:`portal.agent.ticket_search.search_tickets`.

Builds a throw-away database through the app's migrations (SQLite by default, or the
PostgreSQL named by ``--database-url``, whose tables are dropped afterwards), loads
``--tickets`` tickets (default 100,000) in English and Korean with ``--messages`` messages
each, tags, groups, assignees and statuses, then times each kind of query (one word, two
words, a rare word, an address, a reference, words with filters, filters alone) over
``--runs`` queries per kind. ``--like`` also times the portable LIKE fallback (slow: fewer
runs). Run: ``python -m bench.ticket_search_bench [--tickets N] [--database-url URL]``.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa

from bench.analytics_bench import EN_WORDS, KO_WORDS

BATCH = 5_000
STATUSES = (("open", 0.3), ("pending", 0.15), ("on_hold", 0.05), ("solved", 0.5))
CHANNELS = (("web", 0.5), ("email", 0.35), ("chat", 0.1), ("api", 0.05))
TAGS = "refund vip late-delivery damaged coupon bank 환불 배송지연 파손 쿠폰".split()
EXTRA_EN = (
    "please help thanks hello order today yesterday week again still never arrived wrong "
    "item box parcel courier driver website app error message screen button charged twice"
).split()
EXTRA_KO = "안녕하세요 감사합니다 주문했는데 아직 안 왔어요 다시 확인 부탁드립니다 오류 화면 버튼 두번".split()


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _words(rng: random.Random, vocabulary: list[str], weights: list[float], n: int) -> str:
    return " ".join(rng.choices(vocabulary, weights=weights, k=n))


def load(app, n_tickets: int, n_messages: int, seed: int) -> dict:
    """Insert the synthetic tickets, messages and tags; what was made, for the queries."""
    from portal.extensions import db
    from portal.models import Group, Ticket, TicketMessage, TicketTag, User

    rng = random.Random(seed)
    en = EN_WORDS + EXTRA_EN
    ko = KO_WORDS + EXTRA_KO
    en_w = [1 / (i + 1) ** 0.9 for i in range(len(en))]
    ko_w = [1 / (i + 1) ** 0.9 for i in range(len(ko))]
    now = datetime.now(UTC)
    made = {"references": [], "emails": [], "rare": []}
    with app.app_context():
        conn = db.session.connection()
        agents = []
        for i in range(10):
            agents.append(
                conn.execute(
                    sa.insert(User).values(
                        email=f"agent{i}@example.com",
                        name=f"Agent {i}",
                        password_hash="x",
                        roles="agent",
                        session_token=f"bench-token-{i}",
                        created_at=now,
                    )
                ).inserted_primary_key[0]
            )
        groups = [
            conn.execute(
                sa.insert(Group).values(name=n, description="", created_at=now)
            ).inserted_primary_key[0]
            for n in ("Billing", "Korean desk", "Delivery")
        ]
        db.session.commit()
        message_id = 0
        for start in range(0, n_tickets, BATCH):
            tickets, messages, tags = [], [], []
            for i in range(start, min(start + BATCH, n_tickets)):
                korean = rng.random() < 0.4
                vocab, weights = (ko, ko_w) if korean else (en, en_w)
                created = now - timedelta(days=rng.random() * 365)
                reference = f"T-{i:08X}"
                email = f"customer{rng.randrange(n_tickets // 3 + 1)}@example.com"
                rare = f"ord{rng.randrange(10**7):07d}"
                if i % 1000 == 0:
                    made["references"].append(reference)
                    made["emails"].append(email)
                    made["rare"].append(rare)
                status = _weighted(rng, STATUSES)
                tickets.append(
                    {
                        "id": i + 1,
                        "reference": reference,
                        "token_hash": f"{i:064x}",
                        "email": email,
                        "name": f"Customer {i}",
                        "subject": _words(rng, vocab, weights, rng.randint(3, 7)),
                        "locale": "ko" if korean else "en",
                        "channel": _weighted(rng, CHANNELS),
                        "status": status,
                        "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
                        "assignee_id": rng.choice([None, *agents]),
                        "group_id": rng.choice([None, *groups]),
                        "suggested_articles": [],
                        "opened_articles": [],
                        "created_at": created,
                        "updated_at": created + timedelta(hours=rng.random() * 48),
                        "solved_at": None,
                    }
                )
                for m in range(n_messages):
                    message_id += 1
                    body = _words(rng, vocab, weights, rng.randint(15, 45))
                    if m == 0:
                        body += f" {rare}"
                    messages.append(
                        {
                            "id": message_id,
                            "ticket_id": i + 1,
                            "author_type": "customer" if m % 2 == 0 else "agent",
                            "body": body,
                            "internal": False,
                            "created_at": created + timedelta(hours=m),
                        }
                    )
                for tag in rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))):
                    tags.append({"ticket_id": i + 1, "tag": tag})
            conn = db.session.connection()
            conn.execute(sa.insert(Ticket), tickets)
            conn.execute(sa.insert(TicketMessage), messages)
            if tags:
                conn.execute(sa.insert(TicketTag), tags)
            db.session.commit()
            click.echo(f"  loaded {min(start + BATCH, n_tickets):,} tickets", err=True)
        made["agents"], made["groups"] = agents, groups
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as c:
                c.execute(sa.text("ANALYZE"))
                c.execute(sa.text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
    return made


def queries(made: dict, rng: random.Random, runs: int) -> dict[str, list[dict]]:
    """``runs`` query-argument dicts per kind."""
    en, ko = EN_WORDS + EXTRA_EN, KO_WORDS + EXTRA_KO

    def word() -> str:
        return rng.choice(en if rng.random() < 0.6 else ko)

    def day(days_ago: int) -> str:
        return (date.today() - timedelta(days=days_ago)).isoformat()

    kinds = {
        "one word": lambda: {"q": word()},
        "two words": lambda: {"q": f"{word()} {word()}"},
        "three words, unsolved": lambda: {"q": f"{word()} {word()} {word()}", "status": "unsolved"},
        "rare word (order number)": lambda: {"q": rng.choice(made["rare"])},
        "customer address": lambda: {"q": rng.choice(made["emails"])},
        "reference": lambda: {"q": rng.choice(made["references"])},
        "word + group + status": lambda: {
            "q": word(),
            "group": str(rng.choice(made["groups"])),
            "status": "open",
        },
        "word + tag + last 30 days": lambda: {
            "q": word(),
            "tag": rng.choice(TAGS),
            "since": day(30),
        },
        "filters only (assignee, channel)": lambda: {
            "assignee": str(rng.choice(made["agents"])),
            "channel": "email",
        },
    }
    return {name: [make() for _ in range(runs)] for name, make in kinds.items()}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(app, plan: dict[str, list[dict]], mode: str) -> list[tuple[str, float, float, float]]:
    """(kind, p50 ms, p95 ms, mean hits) per kind, each query a fresh session."""
    from portal.agent.ticket_search import parse_search, search_tickets
    from portal.extensions import db

    rows = []
    with app.test_request_context():
        for kind, args_list in plan.items():
            times, hits = [], []
            for args in args_list:
                flt, _ = parse_search(args)
                began = time.perf_counter()
                page = search_tickets(flt, mode=mode)
                times.append((time.perf_counter() - began) * 1000)
                hits.append(page.total)
                db.session.remove()
            rows.append(
                (kind, _percentile(times, 0.5), _percentile(times, 0.95), statistics.mean(hits))
            )
    return rows


def _print(title: str, rows) -> None:
    click.echo(f"\n{title}")
    click.echo(f"{'query':36} {'p50 ms':>9} {'p95 ms':>9} {'mean hits':>10}")
    for kind, p50, p95, hits in rows:
        click.echo(f"{kind:36} {p50:9.1f} {p95:9.1f} {hits:10.0f}")
    every = [r[1] for r in rows]
    click.echo(f"{'(median of the kinds)':36} {statistics.median(every):9.1f}")


@click.command("ticket-search")
@click.option("--tickets", "n_tickets", default=100_000, show_default=True)
@click.option("--messages", "n_messages", default=3, show_default=True)
@click.option("--runs", default=30, show_default=True, help="queries per kind")
@click.option("--like/--no-like", default=True, show_default=True, help="also time LIKE")
@click.option("--like-runs", default=5, show_default=True)
@click.option("--database-url", default="", help="PostgreSQL to use (tables dropped after)")
@click.option("--seed", default=29, show_default=True)
def ticket_search_command(n_tickets, n_messages, runs, like, like_runs, database_url, seed):
    """Time ticket search on a large synthetic ticket base."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="ticket-search-bench-"))
    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "INSTANCE_DIR": workdir / "instance",
            "INDEX_DIR": workdir / "index",
            "EMBEDDER": "none",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        with app.app_context():
            upgrade()
            backend = db.engine.dialect.name
        click.echo(
            f"loading {n_tickets:,} tickets x {n_messages} messages into {backend}", err=True
        )
        began = time.perf_counter()
        made = load(app, n_tickets, n_messages, seed)
        click.echo(f"loaded in {time.perf_counter() - began:.0f} s", err=True)
        rng = random.Random(seed)
        plan = queries(made, rng, runs)
        with app.test_request_context():
            from portal.agent.ticket_search import search_mode

            mode = search_mode()
        _print(
            f"{backend}, {n_tickets:,} tickets, {n_tickets * n_messages:,} messages: "
            f"{mode} ({runs} queries per kind)",
            measure(app, plan, mode),
        )
        if like:
            small = {k: v[:like_runs] for k, v in plan.items()}
            _print(
                f"{backend}: LIKE fallback ({like_runs} queries per kind)",
                measure(app, small, "like"),
            )
    finally:
        if database_url:
            with app.app_context():
                db.session.remove()
                db.drop_all()
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(ticket_search_command())
