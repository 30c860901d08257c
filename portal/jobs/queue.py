"""The job table's operations: enqueue, claim with a lease, finish, fail with backoff."""

from __future__ import annotations

import logging
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Job, as_utc, utcnow

log = logging.getLogger(__name__)

_HANDLERS: dict[str, Callable[[dict], None]] = {}


@dataclass(frozen=True)
class JobConfig:
    """How long a claim lasts and how retries back off (``PORTAL_JOB_*`` settings)."""

    lease_seconds: float = 60.0
    backoff_base_seconds: float = 5.0
    backoff_cap_seconds: float = 3600.0

    @classmethod
    def from_app(cls, app) -> JobConfig:
        """The app's settings (see :mod:`portal.config`)."""
        return cls(
            lease_seconds=float(app.config["JOB_LEASE_SECONDS"]),
            backoff_base_seconds=float(app.config["JOB_BACKOFF_SECONDS"]),
        )

    def backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter: base, 2x base, 4x base ... capped."""
        delay = min(self.backoff_base_seconds * 2 ** max(attempts - 1, 0), self.backoff_cap_seconds)
        return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def handler(kind: str):
    """Register ``function(payload)`` as what a worker does with jobs of ``kind``."""

    def register(function):
        _HANDLERS[kind] = function
        return function

    return register


def handlers() -> dict[str, Callable[[dict], None]]:
    """Every registered job kind (the handlers' modules register on import)."""
    return dict(_HANDLERS)


def enqueue(
    kind: str,
    payload: dict | None = None,
    *,
    dedupe_key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 8,
) -> Job:
    """Add a job to the current transaction (the caller commits, with its own change).

    With ``dedupe_key`` a job already waiting under that key is returned instead of a
    second one (the key is freed when the job finishes)."""
    if dedupe_key:
        existing = db.session.execute(
            sa.select(Job).where(Job.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    job = Job(
        kind=kind,
        payload=payload or {},
        dedupe_key=dedupe_key,
        state="queued",
        attempts=0,
        max_attempts=max_attempts,
        run_after=run_after or utcnow(),
    )
    db.session.add(job)
    return job


def _claimable(now: datetime):
    """Queued and due, or running under a lease nobody renewed (its worker died)."""
    return sa.or_(
        sa.and_(Job.state == "queued", Job.run_after <= now),
        sa.and_(Job.state == "running", Job.locked_until < now),
    )


def claim_next(worker_id: str, config: JobConfig, kinds: tuple[str, ...] | None = None):
    """Take the next due job for ``worker_id``, or None.

    Portable: a candidate is read (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent
    workers read different rows) and then claimed by a conditional UPDATE that only one
    worker can win, which is what keeps SQLite (one writer at a time) correct too.
    """
    now = utcnow()
    query = sa.select(Job.id).where(_claimable(now)).order_by(Job.run_after, Job.id).limit(1)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    try:
        job_id = db.session.execute(query).scalar_one_or_none()
        if job_id is None:
            db.session.rollback()
            return None
        claimed = db.session.execute(
            sa.update(Job)
            .where(Job.id == job_id, _claimable(now))
            .values(
                state="running",
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=config.lease_seconds),
                attempts=Job.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()  # SQLite busy: another worker is claiming; try again later
        return None
    if claimed != 1:
        return None
    return db.session.get(Job, job_id, populate_existing=True)


def _renew(app, job_id: int, worker_id: str, config: JobConfig, stop: threading.Event) -> None:
    """Extend the lease while the handler runs, so a long index build is not taken over."""
    interval = max(config.lease_seconds / 3, 0.2)
    while not stop.wait(interval):
        with app.app_context():
            try:
                db.session.execute(
                    sa.update(Job)
                    .where(Job.id == job_id, Job.locked_by == worker_id, Job.state == "running")
                    .values(locked_until=utcnow() + timedelta(seconds=config.lease_seconds))
                    .execution_options(synchronize_session=False)
                )
                db.session.commit()
            except sa.exc.SQLAlchemyError:
                db.session.rollback()
                log.warning("could not renew the lease of job %s", job_id)
            finally:
                db.session.remove()


def run_one(app, job: Job, worker_id: str, config: JobConfig) -> bool:
    """Run a claimed job's handler; mark it done, or schedule a retry, or fail it for good.
    Returns True when the job succeeded."""
    job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
    function = _HANDLERS.get(kind)
    stop = threading.Event()
    renewer = threading.Thread(
        target=_renew, args=(app, job_id, worker_id, config, stop), daemon=True
    )
    renewer.start()
    error = None
    try:
        if function is None:
            raise LookupError(f"no handler for job kind {kind!r}")
        function(payload)
    except Exception:  # noqa: BLE001 - recorded on the job for an admin to read
        db.session.rollback()
        error = traceback.format_exc(limit=8)
        log.warning("job %s (%s) failed: %s", job_id, kind, error.strip().splitlines()[-1])
    finally:
        stop.set()
        renewer.join()
    _finish(job_id, worker_id, config, error)
    return error is None


def _finish(job_id: int, worker_id: str, config: JobConfig, error: str | None) -> None:
    job = db.session.get(Job, job_id, populate_existing=True)
    if job is None or job.locked_by != worker_id:
        db.session.rollback()
        return  # the lease ran out and another worker owns the job now
    now = utcnow()
    job.locked_by = None
    job.locked_until = None
    job.updated_at = now
    if error is None:
        job.state = "done"
        job.finished_at = now
        job.last_error = None
        job.dedupe_key = None
    else:
        job.last_error = error[-4000:]
        if job.attempts >= job.max_attempts:
            job.state = "failed"
            job.finished_at = now
        else:
            job.state = "queued"
            job.run_after = now + config.backoff(job.attempts)
    db.session.commit()


def failed_jobs(limit: int = 100) -> list[Job]:
    """Jobs that used up their attempts, newest first (the admin page lists them)."""
    query = sa.select(Job).where(Job.state == "failed").order_by(Job.updated_at.desc())
    return list(db.session.execute(query.limit(limit)).scalars())


def retry_job(job_id: int) -> Job | None:
    """Queue a failed job again with fresh attempts (an admin asked); None if not failed."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != "failed":
        return None
    job.state = "queued"
    job.attempts = 0
    job.run_after = utcnow()
    job.finished_at = None
    job.updated_at = utcnow()
    db.session.commit()
    return job


def pending_count() -> int:
    """Jobs queued or running (for the admin page and tests)."""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Job).where(Job.state.in_(("queued", "running")))
    ).scalar_one()


def lease_expired(job: Job) -> bool:
    """True when a running job's worker stopped renewing its lease."""
    return (
        job.state == "running"
        and job.locked_until is not None
        and (as_utc(job.locked_until) < utcnow())
    )
