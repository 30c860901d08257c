"""Run a node's worker in a test: what the web records, the worker mirrors and indexes."""

from __future__ import annotations


def run_worker(app) -> int:
    """One full round of ``app``'s worker (every node duty, then every due job)."""
    from portal.jobs.worker import Worker

    return Worker(app).run_once()
