"""Delivering outbox messages from the worker (job kind ``send_email``), at most once per row.

A job is delivered *at least* once (a worker killed with -9 loses its lease and another
worker runs the job again), but an email must reach the customer *at most* once per outbox
row. SMTP has exactly one moment where a message becomes the server's responsibility: the
server's ``250`` after the end-of-data terminator ``<CRLF>.<CRLF>``. Before the terminator
the server throws an incomplete message away when the connection drops (RFC 5321 4.1.1.4);
after it, the message may be delivered whether or not we heard the answer. So the row's
``state`` records which side of that moment a send is on, each step committed before the
next network write:

    queued --(claim, committed)--> sending --(body sent, committed just before the
    terminator)--> unconfirmed --(server's 250, committed)--> sent

and a run of the job reads the state it finds:

- ``sent``: done, skipped.
- ``sending``: the last attempt died before the terminator; the server discarded it; send again.
- ``unconfirmed``: the terminator may have gone out; the message may have arrived. It is
  **not** resent automatically (that is the one way to send twice); it stays ``unconfirmed``
  with the reason in ``last_error`` for an admin, who checks the mailbox or the server's log
  and requeues it (:func:`requeue`, ``portal mail requeue N``) if it never arrived.
- ``failed``: an admin asked for this run (retrying a failed job): send again.

The window in which a crash leaves a row ``unconfirmed`` is one round trip (the terminator
and its answer), not the whole SMTP conversation.

Two workers on one row (a stalled worker whose lease ran out while a second took over) are
told apart by ``attempts``: every start increments it in a conditional UPDATE, and the
commit point only moves a row from ``sending`` to ``unconfirmed`` for the attempt that set
it. The worker that lost the race hangs up before its terminator.

Failures: a 5xx answer fails the row for good at once (no retry can help: a bad address, a
refused message); a 4xx answer, a refused or dropped connection, a timeout go back to
``queued`` and the job retries with its backoff, up to ``SEND_ATTEMPTS``, then ``failed``.
Either way the job ends ``failed`` with the server's words, where admins look.

Without ``PORTAL_SMTP_URL`` the :class:`~portal.mail.transports.MaildirCatcher` stores each
message under ``instance/mail/`` instead: nothing is dropped, and the catcher is idempotent
by itself (one file name per Message-ID), so it needs no commit point.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.jobs import enqueue, handler
from portal.mail.compose import build_message, envelope_sender, recipients
from portal.mail.outbox import SEND_ATTEMPTS, SEND_JOB, dedupe_key
from portal.mail.transports import (
    PermanentFailure,
    Superseded,
    TemporaryFailure,
    Unconfirmed,
    transport_for,
)
from portal.models import Job, OutboxMessage, utcnow

log = logging.getLogger(__name__)

UNCONFIRMED_REASON = (
    "Not confirmed: the end of the message went to the server at {at} and no answer was "
    "recorded (the worker stopped or the connection dropped). It may have been delivered; "
    "requeue it (portal mail requeue {id}) only if it did not arrive."
)


class SendFailed(RuntimeError):
    """The send job failed; the message says why (the job keeps it for admins)."""


def _update(outbox_id: int, where, **values) -> bool:
    """A conditional UPDATE of one outbox row, committed; True when it applied."""
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, *where)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return done == 1


def _running_job(outbox_id: int) -> Job | None:
    return db.session.execute(
        sa.select(Job).where(Job.dedupe_key == dedupe_key(outbox_id))
    ).scalar_one_or_none()


def _end_job_now(outbox_id: int) -> None:
    """Make this run the job's last (a 5xx: retrying cannot help). The job table has no
    'permanent error' of its own, so the attempts it allows are lowered to those it used."""
    job = _running_job(outbox_id)
    if job is not None:
        job.max_attempts = job.attempts
        db.session.commit()


def _attempts_left(outbox_id: int) -> bool:
    job = _running_job(outbox_id)
    if job is None:
        return False
    return job.attempts < job.max_attempts


def deliver(outbox_id: int, transport=None) -> str:
    """Send outbox row ``outbox_id`` unless it is sent or may have been; returns the row's
    state afterwards. Raises :class:`SendFailed` when the job should end failed or retry."""
    transport = transport or transport_for(current_app)
    row = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    if row is None:
        log.warning("outbox row %s is gone; nothing to send", outbox_id)
        return "missing"
    if row.state == "sent":
        return "sent"
    if row.state == "unconfirmed":
        if not row.last_error:
            _update(
                outbox_id,
                [OutboxMessage.state == "unconfirmed"],
                last_error=UNCONFIRMED_REASON.format(at="an unknown time", id=outbox_id),
            )
        log.warning("outbox row %s is unconfirmed: not resent", outbox_id)
        return "unconfirmed"
    seen = row.attempts or 0
    attempt = seen + 1
    mail_from = current_app.config["MAIL_FROM"]
    message = build_message(row, mail_from)
    started = _update(
        outbox_id,
        [
            OutboxMessage.attempts == seen,
            OutboxMessage.state.in_(("queued", "sending", "failed")),
        ],
        state="sending",
        attempts=attempt,
        send_started_at=utcnow(),
    )
    if not started:
        return "superseded"  # another worker moved the row meanwhile

    def commit_point() -> bool:
        reason = UNCONFIRMED_REASON.format(at=utcnow().isoformat(timespec="seconds"), id=outbox_id)
        return _update(
            outbox_id,
            [OutboxMessage.attempts == attempt, OutboxMessage.state == "sending"],
            state="unconfirmed",
            last_error=reason,
        )

    mine = [OutboxMessage.attempts == attempt]
    try:
        transport.send(message, envelope_sender(mail_from), recipients(message), commit_point)
    except Superseded:
        log.warning("outbox row %s was taken over by another worker", outbox_id)
        return "superseded"
    except Unconfirmed as exc:
        log.warning("outbox row %s is unconfirmed: %s", outbox_id, exc)
        return "unconfirmed"
    except PermanentFailure as exc:
        db.session.rollback()
        _update(outbox_id, mine, state="failed", last_error=str(exc)[:4000])
        _end_job_now(outbox_id)
        raise SendFailed(f"refused for good: {exc}") from exc
    except (TemporaryFailure, UnicodeError) as exc:
        db.session.rollback()
        if isinstance(exc, UnicodeError):  # an address that cannot be written in 7-bit
            _update(outbox_id, mine, state="failed", last_error=f"cannot encode: {exc}")
            _end_job_now(outbox_id)
            raise SendFailed(f"cannot encode the message: {exc}") from exc
        state = "queued" if _attempts_left(outbox_id) else "failed"
        _update(outbox_id, mine, state=state, last_error=str(exc)[:4000])
        raise SendFailed(f"will retry: {exc}" if state == "queued" else str(exc)) from exc
    _update(
        outbox_id,
        [*mine, OutboxMessage.state.in_(("sending", "unconfirmed"))],
        state="sent",
        sent_at=utcnow(),
        last_error=None,
    )
    return "sent"


@handler(SEND_JOB)
def send_email(payload: dict) -> None:
    """The worker's job: deliver one outbox row (see the module for the states)."""
    deliver(int(payload["outbox_id"]))


def requeue(outbox_id: int) -> OutboxMessage | None:
    """An admin sends an ``unconfirmed`` or ``failed`` row again (having checked that it did
    not arrive); None when the row is not in one of those states."""
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None or row.state not in ("unconfirmed", "failed"):
        return None
    row.state = "queued"
    row.last_error = None
    job = _running_job(outbox_id)
    if job is not None and job.state == "failed":
        job.state, job.attempts, job.max_attempts = "queued", 0, SEND_ATTEMPTS
        job.run_after = job.updated_at = utcnow()
        job.finished_at = None
    elif job is None:
        enqueue(
            SEND_JOB,
            {"outbox_id": outbox_id},
            dedupe_key=dedupe_key(outbox_id),
            max_attempts=SEND_ATTEMPTS,
        )
    db.session.commit()
    return row
