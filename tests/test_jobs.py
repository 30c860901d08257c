"""The durable job queue and the worker: claims, retries, failures, and the admin page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import JobConfig, claim_next, enqueue, failed_jobs, handler, retry_job, run_one
from portal.jobs.worker import Worker
from portal.models import Job, OutboxMessage, as_utc, utcnow
from portal.users import save_user

PASSWORD = "correct-horse-battery"
calls: list[dict] = []


@handler("test.record")
def _record(payload):
    calls.append(payload)


@handler("test.explode")
def _explode(payload):
    raise RuntimeError("the mail server said no")


@pytest.fixture(autouse=True)
def _clear_calls():
    calls.clear()


def test_a_queued_job_runs_once_and_is_marked_done(db_app):
    with db_app.app_context():
        enqueue("test.record", {"n": 1})
        db.session.commit()
    assert Worker(db_app).run_pending() == 1
    assert Worker(db_app).run_pending() == 0
    assert calls == [{"n": 1}]
    with db_app.app_context():
        job = db.session.execute(sa.select(Job)).scalar_one()
        assert (job.state, job.attempts, job.finished_at is not None) == ("done", 1, True)


def test_a_job_rolled_back_with_its_change_never_runs(db_app):
    with db_app.app_context():
        enqueue("test.record", {"n": 1})
        db.session.rollback()
    assert Worker(db_app).run_pending() == 0
    assert calls == []


def test_a_failing_job_is_retried_later_then_failed_with_its_error(db_app):
    with db_app.app_context():
        enqueue("test.explode", max_attempts=2)
        db.session.commit()
    worker = Worker(db_app)
    assert worker.run_pending() == 1
    with db_app.app_context():
        job = db.session.execute(sa.select(Job)).scalar_one()
        assert job.state == "queued" and job.attempts == 1
        assert "the mail server said no" in job.last_error
        assert as_utc(job.run_after) > utcnow()  # backed off, not due again at once
        job.run_after = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert worker.run_pending() == 1
    with db_app.app_context():
        [job] = failed_jobs()
        assert job.state == "failed" and job.attempts == 2
        assert retry_job(job.id).state == "queued"
        assert retry_job(job.id) is None  # only a failed job can be retried


def test_a_job_whose_worker_died_is_taken_over_when_its_lease_ends(db_app):
    config = JobConfig(lease_seconds=30)
    with db_app.app_context():
        enqueue("test.record", {"n": 7})
        db.session.commit()
        claimed = claim_next("dead-worker", config)
        assert claimed is not None
        assert claim_next("other-worker", config) is None  # leased: nobody else takes it
        claimed.locked_until = utcnow() - timedelta(seconds=1)  # the dead worker stopped renewing
        db.session.commit()
        taken = claim_next("other-worker", config)
        assert taken is not None and taken.attempts == 2
        run_one(db_app, taken, "other-worker", config)
    assert calls == [{"n": 7}]


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(db_app):
    config = JobConfig(lease_seconds=30)
    with db_app.app_context():
        enqueue("test.record", {"n": 1})
        db.session.commit()
        first = claim_next("first", config)
        first.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        second = claim_next("second", config)
        job_id = second.id
        run_one(db_app, first, "first", config)  # the slow first worker finishes late
        job = db.session.get(Job, job_id, populate_existing=True)
        assert job.state == "running" and job.locked_by == "second"


def test_an_unknown_job_kind_fails_visibly(db_app):
    with db_app.app_context():
        enqueue("no.such.kind", max_attempts=1)
        db.session.commit()
    Worker(db_app).run_pending()
    with db_app.app_context():
        [job] = failed_jobs()
        assert "no handler for job kind" in job.last_error


def test_enqueueing_a_waiting_key_twice_adds_one_job(db_app):
    with db_app.app_context():
        first = enqueue("test.record", {"n": 1}, dedupe_key="k")
        db.session.commit()
        assert enqueue("test.record", {"n": 2}, dedupe_key="k").id == first.id
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.count()).select_from(Job)).scalar_one() == 1


# -- the admin page -----------------------------------------------------------------


def _sign_in(app, client, *roles):
    with app.app_context():
        save_user(f"{'-'.join(roles) or 'none'}@example.com", PASSWORD, roles=roles)
    email = f"{'-'.join(roles) or 'none'}@example.com"
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("roles", [("agent",), ("writer",), ()])
def test_only_admins_see_background_work(app, client, roles):
    assert client.get("/admin/jobs").status_code == 302  # anonymous: to the login page
    _sign_in(app, client, *roles)
    assert client.get("/admin/jobs").status_code == 403
    assert client.post("/admin/jobs/1/retry").status_code == 403


def test_an_admin_sees_a_failed_job_with_its_error_and_retries_it(app, client):
    with app.app_context():
        enqueue("test.explode", max_attempts=1)
        db.session.commit()
    Worker(app).run_pending()
    _sign_in(app, client, "admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "test.explode" in page and "the mail server said no" in page
    with app.app_context():
        job_id = failed_jobs()[0].id
    assert client.post(f"/admin/jobs/{job_id}/retry").status_code == 302
    with app.app_context():
        assert db.session.get(Job, job_id).state == "queued"


def test_an_admin_sends_an_unconfirmed_email_again_with_the_same_message_id(app, client):
    with app.app_context():
        message = OutboxMessage(
            to_email="c@example.com",
            subject="s",
            body="b",
            locale="en",
            kind="ticket_received",
            state="unconfirmed",
            message_id="<outbox-1@example.com>",
        )
        db.session.add(message)
        db.session.commit()
        outbox_id = message.id
    _sign_in(app, client, "admin")
    assert "c@example.com" in client.get("/admin/jobs").get_data(as_text=True)
    assert client.post(f"/admin/mail/{outbox_id}/resend").status_code == 302
    with app.app_context():
        message = db.session.get(OutboxMessage, outbox_id)
        assert message.state == "queued" and message.message_id == "<outbox-1@example.com>"
        job = db.session.execute(sa.select(Job).where(Job.kind == "send_email")).scalar_one()
        assert job.payload == {"outbox_id": outbox_id}
