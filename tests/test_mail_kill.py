"""Real worker processes and a real SMTP server: a worker killed with -9 while 100 emails are
queued, and two workers at once. Each message must arrive exactly once; none may be lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.mail.outbox import queue_email
from portal.models import OutboxMessage
from tests.conftest import database_backends, drop_everything, make_app
from tests.mail_catcher import Catcher

ROOT = Path(__file__).resolve().parent.parent
COUNT = 100
pytestmark = pytest.mark.services


@pytest.fixture(params=database_backends())
def backend(request, tmp_path):
    """(SQLAlchemy URL for the test, URL handed to the worker processes)."""
    if request.param == "postgresql":
        url = os.environ["TEST_DATABASE_URL"]
        from portal.config import database_url

        return request.param, database_url(url), url
    path = tmp_path / "kill.db"
    return request.param, f"sqlite:///{path}", f"sqlite:///{path}"


@pytest.fixture
def catcher():
    # A little work per message, as a real server does, so the kill lands mid-stream.
    with Catcher(delay=0.01) as smtp:
        yield smtp


@pytest.fixture
def queued(tmp_path, articles_dir, backend, catcher):
    """An app whose outbox holds COUNT queued emails (and their send jobs)."""
    name, url, _ = backend
    app = make_app(tmp_path, articles_dir, url, SMTP_URL=catcher.url)
    with app.test_request_context():
        for number in range(COUNT):
            queue_email(
                to=f"customer{number}@example.com",
                subject=f"Message {number} 안녕하세요",
                text=f"Body {number}",
                html=f"<p>Body {number}</p>",
                locale="en",
                kind="test",
            )
        db.session.commit()
    yield app
    if name == "postgresql":
        drop_everything(app)


def start_worker(tmp_path, articles_dir, backend, catcher, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_DATABASE_URL": backend[2],
        "PORTAL_SMTP_URL": catcher.url,
        "PORTAL_JOB_LEASE_SECONDS": "2",
        "PORTAL_JOB_BACKOFF_SECONDS": "0.5",
        "PORTAL_WORKER_POLL_SECONDS": "0.2",
        "PORTAL_EMBEDDER": "fake",
        "PORTAL_SECRET_KEY": "kill-test-secret",
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
        "PORTAL_ARTICLES_DIR": str(articles_dir),
        "PORTAL_NODE_NAME": name,
        "HF_HUB_OFFLINE": "1",
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-c", "from portal.cli import cli; cli()", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.execute(sa.select(OutboxMessage)).scalars())
        db.session.expunge_all()
        db.session.remove()
        return found


def settled(app) -> bool:
    return all(row.state in ("sent", "unconfirmed", "failed") for row in rows(app))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assert_each_arrived_exactly_once(app, catcher) -> None:
    arrived = Counter(catcher.handler.message_ids())
    outbox = rows(app)
    assert len(outbox) == COUNT
    states = Counter(row.state for row in outbox)
    assert set(states) <= {"sent", "unconfirmed"}, states
    for row in outbox:
        # An unconfirmed row is allowed only as the price of a crash after its terminator:
        # its message must have arrived (and was not sent again).
        assert arrived[row.message_id] == 1, (row.id, row.state, arrived[row.message_id])
    assert sum(arrived.values()) == COUNT  # nothing else, nothing twice


def test_a_worker_killed_midway_loses_no_email_and_sends_none_twice(
    queued, tmp_path, articles_dir, backend, catcher
):
    first = start_worker(tmp_path, articles_dir, backend, catcher, "first")
    try:
        wait_for(lambda: len(catcher.handler.received) >= 30, 120, "the first 30 messages")
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = len(catcher.handler.received)
        assert at_kill < COUNT, "the worker finished before it could be killed"
        second = start_worker(tmp_path, articles_dir, backend, catcher, "second")
        try:
            wait_for(lambda: settled(queued), 180, "every row to be sent")
        finally:
            stop(second)
    finally:
        stop(first)
    assert_each_arrived_exactly_once(queued, catcher)


def test_two_workers_at_once_send_each_email_once(queued, tmp_path, articles_dir, backend, catcher):
    workers = [start_worker(tmp_path, articles_dir, backend, catcher, name) for name in ("a", "b")]
    try:
        wait_for(lambda: settled(queued), 180, "every row to be sent")
    finally:
        for process in workers:
            stop(process)
    assert_each_arrived_exactly_once(queued, catcher)
    logs = [(tmp_path / f"{name}.log").read_text() for name in ("a", "b")]
    assert all("started" in log for log in logs)
