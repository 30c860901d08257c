"""The send_email job against a real SMTP server (aiosmtpd on 127.0.0.1) and the Maildir
catcher: delivery, retries, permanent failures, and the states that keep a send single."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs.worker import Worker
from portal.mail.delivery import deliver
from portal.mail.transports import (
    MaildirCatcher,
    SmtpSender,
    SmtpSettings,
    transport_for,
)
from portal.models import Job, OutboxMessage, utcnow
from portal.tickets.service import TicketInput, file_ticket
from tests.conftest import make_app
from tests.mail_catcher import Catcher, free_port


class Crash(BaseException):
    """Stands for kill -9: nothing in the worker catches it, nothing after it runs."""


@pytest.fixture
def smtp():
    with Catcher() as catcher:
        yield catcher


def mail_app(tmp_path, articles_dir, smtp_url: str | None):
    return make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'mail.db'}", SMTP_URL=smtp_url)


@pytest.fixture
def app_smtp(tmp_path, articles_dir, smtp):
    return mail_app(tmp_path, articles_dir, smtp.url)


def queue_one(app, locale: str = "ko") -> int:
    """File a ticket (queueing its confirmation); the outbox row's id."""
    with app.test_request_context():
        file_ticket(
            TicketInput(
                email="minji@example.com",
                name="김민지",
                subject="환불은 언제 받을 수 있나요?",
                description="카드 환불은 며칠 걸리나요?",
                locale=locale,
            )
        )
        return db.session.execute(sa.select(sa.func.max(OutboxMessage.id))).scalar_one()


def row_of(app, outbox_id: int) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, outbox_id)
        db.session.expunge(row)
        return row


def job_of(app, outbox_id: int) -> Job:
    with app.app_context():
        job = db.session.execute(
            sa.select(Job).where(Job.payload["outbox_id"].as_integer() == outbox_id)
        ).scalar_one()
        db.session.expunge(job)
        return job


def make_due(app) -> None:
    """Skip the backoff wait: every queued job is due now."""
    with app.app_context():
        db.session.execute(sa.update(Job).where(Job.state == "queued").values(run_after=utcnow()))
        db.session.commit()


def run_worker(app) -> int:
    return Worker(app, worker_id="test-worker").run_pending()


def set_state(app, outbox_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values)
        )
        db.session.commit()


# -- delivered ---------------------------------------------------------------------


def test_the_worker_delivers_a_queued_confirmation_over_smtp_once(app_smtp, smtp):
    outbox_id = queue_one(app_smtp)

    assert run_worker(app_smtp) == 1

    row = row_of(app_smtp, outbox_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None and row.send_started_at is not None
    assert job_of(app_smtp, outbox_id).state == "done"
    (received,) = smtp.handler.received
    assert received.sender == "support@localhost"
    assert received.recipients == ["minji@example.com"]
    message = received.message
    assert message["Message-ID"] == row.message_id
    assert "문의가 접수되었습니다" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"


def test_a_sent_row_run_again_is_not_sent_again(app_smtp, smtp):
    outbox_id = queue_one(app_smtp)
    run_worker(app_smtp)

    with app_smtp.app_context():
        assert deliver(outbox_id) == "sent"

    assert len(smtp.handler.received) == 1


def test_a_crash_before_the_terminator_is_resent_and_arrives_once(app_smtp, smtp):
    outbox_id = queue_one(app_smtp)
    settings = SmtpSettings.from_url(smtp.url)

    class DiesBeforeTheEnd(SmtpSender):
        def send(self, message, sender, recipients, commit_point):
            def crash():
                raise Crash  # the whole body is on the wire, the terminator is not

            super().send(message, sender, recipients, crash)

    with app_smtp.app_context(), pytest.raises(Crash):
        deliver(outbox_id, DiesBeforeTheEnd(settings))
    assert row_of(app_smtp, outbox_id).state == "sending"
    assert smtp.handler.received == []  # the server threw the incomplete message away

    with app_smtp.app_context():
        assert deliver(outbox_id) == "sent"
    assert smtp.handler.message_ids() == [row_of(app_smtp, outbox_id).message_id]
    assert row_of(app_smtp, outbox_id).attempts == 2


def test_a_crash_after_the_terminator_is_not_resent_but_left_unconfirmed(app_smtp, smtp):
    outbox_id = queue_one(app_smtp)
    settings = SmtpSettings.from_url(smtp.url)

    class DiesBeforeMarking(SmtpSender):
        def send(self, *args):
            super().send(*args)
            raise Crash  # the server said 250; the row was never marked sent

    with app_smtp.app_context(), pytest.raises(Crash):
        deliver(outbox_id, DiesBeforeMarking(settings))
    with app_smtp.app_context():
        db.session.execute(sa.update(Job).values(state="running", locked_until=utcnow()))
        db.session.commit()  # the job as a killed worker leaves it: lease about to expire

    run_worker(app_smtp)  # another worker takes the job over

    row = row_of(app_smtp, outbox_id)
    assert row.state == "unconfirmed" and "may have been delivered" in row.last_error
    assert f"portal mail requeue {outbox_id}" in row.last_error
    assert len(smtp.handler.received) == 1
    assert job_of(app_smtp, outbox_id).state == "done"


def test_an_admin_can_requeue_an_unconfirmed_message(app_smtp, smtp):
    outbox_id = queue_one(app_smtp)
    set_state(app_smtp, outbox_id, state="unconfirmed", last_error="crashed")
    with app_smtp.app_context():
        db.session.execute(sa.update(Job).values(state="done", dedupe_key=None))
        db.session.commit()

    result = app_smtp.test_cli_runner().invoke(args=["mail", "requeue", str(outbox_id)])
    assert result.exit_code == 0, result.output
    run_worker(app_smtp)

    assert row_of(app_smtp, outbox_id).state == "sent"
    assert len(smtp.handler.received) == 1
    again = app_smtp.test_cli_runner().invoke(args=["mail", "requeue", str(outbox_id)])
    assert again.exit_code != 0 and "not unconfirmed or failed" in again.output


def test_a_worker_that_lost_its_row_hangs_up_before_the_terminator(app_smtp, smtp):
    outbox_id = queue_one(app_smtp)
    settings = SmtpSettings.from_url(smtp.url)

    class Overtaken(SmtpSender):
        def send(self, message, sender, recipients, commit_point):
            def taken_over():
                set_state(app_smtp, outbox_id, attempts=OutboxMessage.attempts + 1)
                return commit_point()  # another worker started a newer attempt

            super().send(message, sender, recipients, taken_over)

    with app_smtp.app_context():
        assert deliver(outbox_id, Overtaken(settings)) == "superseded"
    assert smtp.handler.received == []
    assert row_of(app_smtp, outbox_id).state == "sending"


# -- retried and failed ---------------------------------------------------------


@pytest.mark.parametrize("where", ["rcpt", "data"])
def test_a_4xx_answer_is_retried_with_backoff_and_then_delivered(app_smtp, smtp, where):
    setattr(smtp.handler, f"{where}_reply", "451 4.3.0 Try again later")
    outbox_id = queue_one(app_smtp)

    run_worker(app_smtp)

    row, job = row_of(app_smtp, outbox_id), job_of(app_smtp, outbox_id)
    assert row.state == "queued" and "451" in row.last_error
    assert job.state == "queued" and job.attempts == 1 and "451" in job.last_error
    assert run_worker(app_smtp) == 0  # waiting for its backoff
    setattr(smtp.handler, f"{where}_reply", None)
    make_due(app_smtp)
    run_worker(app_smtp)
    assert row_of(app_smtp, outbox_id).state == "sent"
    assert len(smtp.handler.received) == 1


def test_a_refused_connection_is_retried(tmp_path, articles_dir):
    app = mail_app(tmp_path, articles_dir, f"smtp://127.0.0.1:{free_port()}")
    outbox_id = queue_one(app)

    run_worker(app)

    row = row_of(app, outbox_id)
    assert row.state == "queued" and "ConnectionRefusedError" in row.last_error
    assert job_of(app, outbox_id).state == "queued"


def test_a_server_down_for_every_attempt_fails_the_row_and_the_job(tmp_path, articles_dir):
    app = mail_app(tmp_path, articles_dir, f"smtp://127.0.0.1:{free_port()}")
    outbox_id = queue_one(app)
    for _ in range(8):
        make_due(app)
        run_worker(app)

    assert row_of(app, outbox_id).state == "failed"
    job = job_of(app, outbox_id)
    assert job.state == "failed" and job.attempts == 8


@pytest.mark.parametrize("where", ["rcpt", "data"])
def test_a_5xx_answer_fails_at_once_without_retrying(app_smtp, smtp, where):
    setattr(smtp.handler, f"{where}_reply", "550 5.1.1 No such user")
    outbox_id = queue_one(app_smtp)

    run_worker(app_smtp)
    make_due(app_smtp)
    assert run_worker(app_smtp) == 0

    row, job = row_of(app_smtp, outbox_id), job_of(app_smtp, outbox_id)
    assert row.state == "failed" and "550 5.1.1 No such user" in row.last_error
    assert job.state == "failed" and job.attempts == 1 and "550" in job.last_error
    assert smtp.handler.received == []


def test_retrying_the_failed_job_sends_the_failed_row(app_smtp, smtp):
    smtp.handler.rcpt_reply = "550 5.1.1 No such user"
    outbox_id = queue_one(app_smtp)
    run_worker(app_smtp)
    smtp.handler.rcpt_reply = None  # the admin fixed the mailbox

    with app_smtp.app_context():
        from portal.jobs import retry_job

        retry_job(job_of(app_smtp, outbox_id).id)
    run_worker(app_smtp)

    assert row_of(app_smtp, outbox_id).state == "sent"
    assert len(smtp.handler.received) == 1


# -- the Maildir catcher ---------------------------------------------------------


@pytest.fixture
def app_maildir(tmp_path, articles_dir):
    return mail_app(tmp_path, articles_dir, None)


def test_without_an_smtp_server_mail_lands_in_the_maildir(app_maildir, tmp_path):
    outbox_id = queue_one(app_maildir)

    run_worker(app_maildir)

    folder = tmp_path / "instance" / "mail"
    (stored,) = list((folder / "new").iterdir())
    assert stored.name.startswith(f"{outbox_id}.") and stored.suffix == ".eml"
    assert list((folder / "tmp").iterdir()) == []
    assert row_of(app_maildir, outbox_id).state == "sent"
    assert row_of(app_maildir, outbox_id).message_id.encode() in stored.read_bytes()


def test_the_maildir_keeps_one_copy_when_a_row_is_resent(app_maildir, tmp_path):
    outbox_id = queue_one(app_maildir)
    run_worker(app_maildir)
    set_state(app_maildir, outbox_id, state="sending")  # killed after storing, before marking

    with app_maildir.app_context():
        assert deliver(outbox_id) == "sent"

    assert len(list((tmp_path / "instance" / "mail" / "new").iterdir())) == 1


def test_portal_mail_list_and_show_read_the_catcher(app_maildir):
    outbox_id = queue_one(app_maildir)
    runner = app_maildir.test_cli_runner()
    queued = runner.invoke(args=["mail", "list"])
    run_worker(app_maildir)

    listed = runner.invoke(args=["mail", "list"])
    shown = runner.invoke(args=["mail", "show", str(outbox_id)])
    raw = runner.invoke(args=["mail", "show", str(outbox_id), "--raw"])

    assert "Maildir" in queued.output and f"{outbox_id}\tqueued\tminji@example.com" in queued.output
    assert f"{outbox_id}\tsent\tminji@example.com" in listed.output
    assert shown.exit_code == 0 and "State: sent" in shown.output
    assert "문의가 접수되었습니다" in shown.output and "카드 환불은 며칠 걸리나요?" in shown.output
    assert "Content-Type: multipart/alternative" in raw.output
    missing = runner.invoke(args=["mail", "show", "999"])
    assert missing.exit_code != 0 and "no outbox message 999" in missing.output


def test_the_transport_follows_the_settings(app_maildir):
    assert isinstance(transport_for(app_maildir), MaildirCatcher)
    app_maildir.config["SMTP_URL"] = "smtp://u:p@mail.example:587"
    assert isinstance(transport_for(app_maildir), SmtpSender)


# -- settings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("mail.example", 25, None, None, False, False)),
        (
            "smtp://me%40shop:p%3Ass@mail.example:587?starttls=1",
            ("mail.example", 587, "me@shop", "p:ss", False, True),
        ),
        ("smtps://u:p@mail.example", ("mail.example", 465, "u", "p", True, False)),
    ],
)
def test_the_smtp_url_names_host_port_login_and_tls(url, expected):
    s = SmtpSettings.from_url(url)
    assert (s.host, s.port, s.username, s.password, s.implicit_tls, s.starttls) == expected
    assert "p:ss" not in s.describe() and ":p@" not in s.describe()


def test_starttls_can_also_come_from_its_own_setting():
    assert SmtpSettings.from_url("smtp://mail.example:587", starttls=True).starttls


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_a_malformed_smtp_url_is_a_clear_error(url):
    with pytest.raises(ValueError, match="PORTAL_SMTP_URL must look like"):
        SmtpSettings.from_url(url)
