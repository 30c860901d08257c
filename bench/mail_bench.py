"""Outbound mail throughput: N queued emails delivered by one in-process worker to a local
aiosmtpd server (SQLite, the same send_email job the real worker runs).

    PYTHONPATH=. python -m bench.mail_bench --count 300 [--database-url URL]

What it measures is the cost of the at-most-once bookkeeping (three committed updates per
message: sending, the commit point before the terminator, sent) plus one SMTP connection
per message; a remote server's round trips would add to it.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class _Counter:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(count: int, database_url: str | None) -> dict:
    """Queue ``count`` emails, deliver them all, return the figures."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.jobs.worker import Worker
    from portal.mail.outbox import queue_email

    handler = _Counter()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            app = create_app(
                {
                    "TESTING": True,
                    "SECRET_KEY": "bench",
                    "INSTANCE_DIR": root,
                    "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{root / 'bench.db'}",
                    "EMBEDDER": "fake",
                    "SMTP_URL": f"smtp://127.0.0.1:{port}",
                }
            )
            with app.app_context():
                upgrade()
            with app.test_request_context():
                started = time.perf_counter()
                for number in range(count):
                    queue_email(
                        to=f"customer{number}@example.com",
                        subject=f"[HM-BENCH] 문의가 접수되었습니다 {number}",
                        text="본문 " * 50,
                        html="<p>" + "본문 " * 50 + "</p>",
                        locale="ko",
                        kind="bench",
                    )
                db.session.commit()
                queued = time.perf_counter() - started
            worker = Worker(app, worker_id="bench")
            started = time.perf_counter()
            sent = worker.run_pending()
            elapsed = time.perf_counter() - started
    finally:
        controller.stop()
    return {
        "queued": count,
        "queue_seconds": queued,
        "jobs_run": sent,
        "received": handler.count,
        "seconds": elapsed,
        "per_second": handler.count / elapsed if elapsed else 0.0,
    }


def main() -> None:
    """Print one line of figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = run(args.count, args.database_url)
    print(
        f"{result['received']} of {result['queued']} delivered in {result['seconds']:.2f} s: "
        f"{result['per_second']:.1f} messages/s (queueing took {result['queue_seconds']:.2f} s)"
    )


if __name__ == "__main__":
    main()
