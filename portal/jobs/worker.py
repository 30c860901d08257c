"""``portal worker``: runs due jobs from the shared table and this node's periodic duties.

Two kinds of work: **jobs** (a row each, done once by whichever worker claims it: sending an
email) and **node duties** (done by every node's worker for its own copy of things: mirror
the shared article record into this node's folder, bring this node's index up to date).
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.extensions import db
from portal.jobs.queue import JobConfig, claim_next, run_one

log = logging.getLogger(__name__)

# Modules that register job handlers and node duties when imported.
TASK_MODULES = (
    "portal.mail.delivery",
    "portal.mail.imap",
    "portal.replication",
    "portal.customers.privacy",
)


@dataclass
class Duty:
    """A node-local task run every ``every`` seconds (a failure is logged, then retried)."""

    name: str
    every: float | str  # seconds, or the name of the app setting that holds them
    function: Callable[[object], None]
    next_run: float = 0.0


_DUTIES: dict[str, Duty] = {}


def node_duty(name: str, every: float | str):
    """Register ``function(app)`` to run on every node's worker every ``every`` seconds
    (a number, or the name of the app setting that holds it, e.g. ``"MIRROR_SECONDS"``)."""

    def register(function):
        _DUTIES[name] = Duty(name, every, function)
        return function

    return register


def load_tasks() -> None:
    """Import every module that registers handlers and duties."""
    for module in TASK_MODULES:
        importlib.import_module(module)


def default_worker_id() -> str:
    """host:pid, unique among running workers."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Worker:
    """One worker process's loop. ``run_pending`` is what tests call directly."""

    app: object
    worker_id: str = field(default_factory=default_worker_id)
    poll_seconds: float = 1.0
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        load_tasks()
        self.config = JobConfig.from_app(self.app)
        self.duties = [Duty(d.name, self._seconds(d.every), d.function) for d in _DUTIES.values()]

    def _seconds(self, every: float | str) -> float:
        """A duty's interval: a number, or read from the app's settings."""
        return float(self.app.config[every]) if isinstance(every, str) else float(every)

    def run_duties(self, *, force: bool = False) -> None:
        """Run every node duty that is due (all of them with ``force``)."""
        now = time.monotonic()
        for duty in self.duties:
            if not force and now < duty.next_run:
                continue
            duty.next_run = now + duty.every
            with self.app.app_context():
                try:
                    duty.function(self.app)
                except Exception:  # noqa: BLE001 - the next round tries again
                    db.session.rollback()
                    log.exception("node duty %s failed", duty.name)
                finally:
                    db.session.remove()

    def run_pending(self, limit: int | None = None) -> int:
        """Claim and run due jobs until none is left (or ``limit``); returns how many ran."""
        done = 0
        while not self.stop.is_set() and (limit is None or done < limit):
            with self.app.app_context():
                try:
                    job = claim_next(self.worker_id, self.config)
                    if job is None:
                        return done
                    run_one(self.app, job, self.worker_id, self.config)
                finally:
                    db.session.remove()
            done += 1
        return done

    def run_once(self) -> int:
        """Every duty, then every due job: one full round."""
        self.run_duties(force=True)
        return self.run_pending()

    def run_forever(self) -> None:
        """Until SIGTERM/SIGINT: duties when due, jobs as they come, a short sleep between."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())
        log.info("worker %s started", self.worker_id)
        while not self.stop.is_set():
            self.run_duties()
            try:
                ran = self.run_pending()
            except Exception:  # noqa: BLE001 - a database outage: wait, then go on
                log.exception("worker round failed")
                ran = 0
            if not ran:
                self.stop.wait(self.poll_seconds)
        log.info("worker %s stopped", self.worker_id)
