"""``python -m bench.inbound_bench``: how fast is inbound mail ingested, and is it ever doubled?

Builds a throw-away app (SQLite through the migrations, or ``--database-url``), generates
``--messages`` MIME messages (default 1,000: English and Korean, quoted-printable and base64,
a third of them replies threaded by ``References`` to an earlier message of the same
customer), ingests them through :func:`portal.mail.inbound.ingest` and prints messages per
second. Then it ingests every message again and counts what that added (must be 0).

``--kill-halfway``: first a child process ingests the messages and is killed with SIGKILL
once about half are in; the parent then ingests all of them (the ones the child did, the
one it may have been in the middle of, the rest) and checks each Message-ID is stored once
and every ticket and message exists once.
"""

from __future__ import annotations

import argparse
import base64
import os
import quopri
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

KOREAN = [
    "배송이 아직 안 왔어요",
    "환불은 언제 되나요",
    "비밀번호를 잊어버렸어요",
    "쿠폰이 안 돼요",
]
ENGLISH = ["Where is my parcel", "Refund please", "I cannot sign in", "Coupon not working"]


def generate(count: int, seed: int = 7) -> list[bytes]:
    """``count`` messages; about a third reply to an earlier one of the same sender."""
    rng = random.Random(seed)
    messages, threads = [], []
    for i in range(count):
        korean = i % 2 == 0
        if threads and rng.random() < 0.33:
            sender, parent, subject = rng.choice(threads)
            subject = "Re: " + subject
            extra = f"In-Reply-To: {parent}\r\nReferences: {parent}\r\n"
        else:
            sender = f"customer{i}@example.{'kr' if korean else 'com'}"
            subject = rng.choice(KOREAN if korean else ENGLISH) + f" #{i}"
            extra, parent = "", None
        message_id = f"<bench-{i}@example.test>"
        body = (f"{subject}. 확인 부탁드립니다." if korean else f"{subject}. Thanks!") + "\n"
        if i % 3 == 0:
            encoding, payload = "base64", base64.encodebytes(body.encode()).decode()
        else:
            encoding, payload = "quoted-printable", quopri.encodestring(body.encode()).decode()
        encoded_subject = "=?UTF-8?B?" + base64.b64encode(subject.encode()).decode() + "?="
        messages.append(
            (
                f"From: Customer {i} <{sender}>\r\nTo: support@help.example.com\r\n"
                f"Subject: {encoded_subject}\r\nMessage-ID: {message_id}\r\n{extra}"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: {encoding}\r\n\r\n{payload}"
            ).encode()
        )
        if parent is None:
            threads.append((sender, message_id, subject))
    return messages


def make_app(workdir: Path, database_url: str | None):
    """A testing app on a fresh database, migrated."""
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "INSTANCE_DIR": workdir / "instance",
            "INDEX_DIR": workdir / "index",
            "EMBEDDER": "fake",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{workdir / 'bench.db'}",
            "INBOUND_ADDRESS": "support@help.example.com",
            "INBOUND_SENDER_LIMIT_PER_HOUR": 0,
            "SERVER_NAME": "help.example.com",
            "PREFERRED_URL_SCHEME": "https",
        }
    )
    with app.app_context():
        upgrade()
    return app


def ingest_all(app, messages: list[bytes]) -> tuple[int, int]:
    """Ingest every message; (new, duplicates)."""
    from portal.extensions import db
    from portal.mail.inbound import ingest

    new = dup = 0
    with app.app_context():
        for raw in messages:
            result = ingest(raw, source="bench")
            dup += result.duplicate
            new += not result.duplicate
            db.session.remove()
    return new, dup


def totals(app) -> dict[str, int]:
    """Rows per table, and Message-IDs stored more than once."""
    from portal.extensions import db
    from portal.models import InboundEmail, OutboxMessage, Ticket, TicketMessage

    with app.app_context():
        count = {
            model.__tablename__: db.session.execute(
                sa.select(sa.func.count()).select_from(model)
            ).scalar_one()
            for model in (Ticket, TicketMessage, InboundEmail, OutboxMessage)
        }
        count["doubled_message_ids"] = db.session.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(InboundEmail.message_id)
                .group_by(InboundEmail.message_id)
                .having(sa.func.count() > 1)
                .subquery()
            )
        ).scalar_one()
    return count


def child(workdir: Path, count: int, database_url: str | None) -> None:
    """The process that gets killed: ingests the messages one by one."""
    app = make_app(workdir, database_url)
    ingest_all(app, generate(count))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--kill-halfway", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.messages, args.database_url)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="inbound-bench-"))
    messages = generate(args.messages)
    app = make_app(workdir, args.database_url)
    killed_at = None
    if args.kill_halfway:
        killed_at = kill_child_halfway(app, workdir, args)
    start = time.perf_counter()
    new, dup = ingest_all(app, messages)
    elapsed = time.perf_counter() - start
    first = totals(app)
    again_new, again_dup = ingest_all(app, messages)
    second = totals(app)
    print(f"messages: {len(messages)}")
    if killed_at is not None:
        print(f"child killed (SIGKILL) after {killed_at} stored; the re-run stored {new} more")
    print(
        f"ingest: {new} new + {dup} already stored in {elapsed:.2f} s "
        f"= {len(messages) / elapsed:.0f} messages/s"
    )
    print(f"after ingest: {first}")
    print(
        f"re-ingest of all {len(messages)}: {again_new} new, {again_dup} duplicates; "
        f"rows added: {sum(second[k] - first[k] for k in first)}"
    )
    ok = again_new == 0 and second == first and first["doubled_message_ids"] == 0
    ok = ok and first["inbound_emails"] == len(messages)
    print("OK: every message stored once" if ok else "FAILED: duplicates or losses")
    return 0 if ok else 1


def kill_child_halfway(app, workdir: Path, args) -> int:
    """Start a child ingesting everything; SIGKILL it once half the messages are in."""
    command = [
        sys.executable,
        "-m",
        "bench.inbound_bench",
        "--child",
        str(workdir),
        "--messages",
        str(args.messages),
    ]
    if args.database_url:
        command += ["--database-url", args.database_url]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path.cwd()), *sys.path]))
    process = subprocess.Popen(command, env=env)
    target = args.messages // 2
    stored = 0
    while process.poll() is None:
        stored = totals(app)["inbound_emails"]
        if stored >= target:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait()
    return totals(app)["inbound_emails"]


if __name__ == "__main__":
    sys.exit(main())
