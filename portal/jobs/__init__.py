"""Durable background jobs: a table in the application's own database.

Why a table and not a broker: a job is committed in the same transaction as the change that
asks for it (the transactional-outbox pattern), so a ticket is never stored without its
confirmation email, nor an email queued for a ticket that rolled back; one machine needs no
extra server; PostgreSQL's ``FOR UPDATE SKIP LOCKED`` lets several workers share the table.
A claimed job carries a lease (``locked_until``) that its worker renews while it runs; a
worker killed with -9 stops renewing and another worker takes the job over when the lease
ends. Delivery is therefore at least once: handlers are written to be safe to run again.

    enqueue(kind, payload)      # add to the caller's transaction (the caller commits)
    @handler("kind")            # register what a worker does with it
"""

from portal.jobs.queue import (
    JobConfig,
    claim_next,
    enqueue,
    failed_jobs,
    handler,
    handlers,
    retry_job,
    run_one,
)

__all__ = [
    "JobConfig",
    "claim_next",
    "enqueue",
    "failed_jobs",
    "handler",
    "handlers",
    "retry_job",
    "run_one",
]
