"""Polling a REAL IMAP server: a private dovecot on 127.0.0.1 with a passwd-file user and a
Maildir, fed with APPEND, polled by the worker's ``fetch_mail`` duty."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs.worker import Worker
from portal.mail.imap import ImapSettings, poll_mailbox
from portal.models import InboundEmail, OutboxMessage, Ticket, TicketMessage

MAIL = Path(__file__).parent / "data" / "mail"
DOVECOT = os.environ.get("TEST_DOVECOT_BIN", "/usr/sbin/dovecot")
USER, PASSWORD = "support", "imap-test-password"

pytestmark = pytest.mark.services

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = portal-test-{port}
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dovecot():
    """A dovecot of our own; as root the mailbox belongs to ``nobody`` (dovecot refuses
    uid 0), so it lives in a folder every user can reach, not under pytest's private tmp."""
    if not Path(DOVECOT).exists():
        pytest.skip(f"dovecot not installed at {DOVECOT} (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
    root.chmod(0o755)
    port = free_port()
    home = root / "mail" / USER
    home.mkdir(parents=True)
    for sub in ("run", "state"):
        (root / sub).mkdir()
    if os.getuid() == 0:
        uid = gid = 65534
        os.chown(home, uid, gid)
        users = ""
    else:
        uid, gid = os.getuid(), os.getgid()
        name = pwd.getpwuid(uid).pw_name
        users = f"default_internal_user = {name}\ndefault_login_user = {name}"
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::\n")
    conf = root / "dovecot.conf"
    conf.write_text(CONFIG.format(root=root, port=port, users=users))
    subprocess.run([DOVECOT, "-c", str(conf)], check=True, timeout=30)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"dovecot did not listen: {(root / 'dovecot.log').read_text()}")
        yield ImapSettings("127.0.0.1", port, USER, PASSWORD)
    finally:
        subprocess.run([DOVECOT, "-c", str(conf), "stop"], timeout=30, check=False)
        time.sleep(0.3)
        shutil.rmtree(root, ignore_errors=True)


def imap(settings: ImapSettings) -> imaplib.IMAP4:
    client = imaplib.IMAP4(settings.host, settings.port)
    client.login(settings.user, settings.password)
    client.select("INBOX")
    return client


def append(settings: ImapSettings, *names: str) -> None:
    client = imap(settings)
    for name in names:
        client.append("INBOX", None, None, (MAIL / name).read_bytes())
    client.logout()


def unseen(settings: ImapSettings) -> list[bytes]:
    client = imap(settings)
    found = client.uid("SEARCH", None, "UNSEEN")[1][0].split()
    client.logout()
    return found


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
        for m in (Ticket, TicketMessage, InboundEmail, OutboxMessage)
    )


@pytest.fixture
def imap_app(db_app, dovecot):
    app, s = db_app, dovecot
    app.config.update(
        IMAP_URL=f"imap://{s.user}:{s.password}@{s.host}:{s.port}/INBOX",
        IMAP_POLL_SECONDS=0,
        INBOUND_ADDRESS="support@help.example.com",
        PUBLIC_URL="https://help.example.com",
        SERVER_NAME="help.example.com",
        PREFERRED_URL_SCHEME="https",
    )
    return app


FIXTURES = (
    "english_base64.eml",
    "korean_qp.eml",
    "gmail_reply_korean.eml",
    "bounce.eml",
    "out_of_office.eml",
    "attachments.eml",
)


def test_the_worker_fetches_unseen_mail_into_tickets_and_a_second_poll_adds_nothing(
    imap_app, dovecot
):
    append(dovecot, *FIXTURES)
    Worker(imap_app).run_once()
    with imap_app.app_context():
        assert counts() == (3, 4, 6, 3)  # 3 tickets, one with the Korean follow-up
        korean = db.session.execute(
            sa.select(Ticket).where(Ticket.email == "minji@example.kr")
        ).scalar_one()
        assert (korean.channel, korean.locale) == ("email", "ko")
        assert [m.body for m in korean.messages][-1] == "아직 환불이 안 됐어요. 확인 부탁드립니다."
        sources = set(db.session.execute(sa.select(InboundEmail.source)).scalars())
        assert sources == {"imap"}
    assert unseen(dovecot) == []
    Worker(imap_app).run_once()
    with imap_app.app_context():
        assert counts() == (3, 4, 6, 3)


def test_while_another_node_holds_the_poll_lock_this_node_fetches_nothing(imap_app, dovecot):
    from portal.mail.imap import POLL_LOCK_KEY, fetch_mail

    with imap_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the poll lock is PostgreSQL's advisory lock")
        append(dovecot, "english_base64.eml")
        with db.engine.connect() as other_node:
            other_node.execute(sa.select(sa.func.pg_advisory_lock(POLL_LOCK_KEY)))
            fetch_mail(imap_app)
            assert counts()[0] == 0 and len(unseen(dovecot)) == 1
            other_node.execute(sa.select(sa.func.pg_advisory_unlock(POLL_LOCK_KEY)))
            other_node.commit()
        fetch_mail(imap_app)
        assert counts()[0] == 1 and unseen(dovecot) == []


def test_a_crash_between_ingest_and_flagging_seen_duplicates_nothing(imap_app, dovecot):
    append(dovecot, *FIXTURES)
    with imap_app.app_context():
        poll_mailbox(imap_app, dovecot)
        before = counts()
    client = imap(dovecot)  # as if the worker died before its STORE \Seen
    client.uid("STORE", b"1:*", "-FLAGS", "(\\Seen)")
    client.logout()
    assert len(unseen(dovecot)) == len(FIXTURES)
    with imap_app.app_context():
        result = poll_mailbox(imap_app, dovecot)
        assert (result.new, result.duplicates) == (0, len(FIXTURES))
        assert counts() == before
    assert unseen(dovecot) == []


def test_a_message_over_the_size_limit_stays_in_the_mailbox_flagged_and_files_nothing(
    imap_app, dovecot
):
    imap_app.config["INBOUND_MAX_BYTES"] = 500
    append(dovecot, "attachments.eml")
    with imap_app.app_context():
        result = poll_mailbox(imap_app, dovecot)
        assert result.too_large == 1 and counts()[0] == 0
    client = imap(dovecot)
    flags = client.uid("FETCH", b"1", "(FLAGS)")[1][0]
    client.logout()
    assert b"$PortalTooLarge" in flags


def test_a_wrong_password_is_a_clear_error_and_ingests_nothing(imap_app, dovecot):
    wrong = ImapSettings(dovecot.host, dovecot.port, dovecot.user, "wrong")
    with imap_app.app_context(), pytest.raises(imaplib.IMAP4.error):
        poll_mailbox(imap_app, wrong)


def test_imap_urls_are_parsed_with_tls_and_default_ports():
    plain = ImapSettings.from_url("imap://u%40x:p%2Fw@mail.example:1143/Support")
    assert (plain.user, plain.password, plain.port, plain.folder, plain.tls) == (
        "u@x",
        "p/w",
        1143,
        "Support",
        False,
    )
    assert ImapSettings.from_url("imaps://u:p@mail.example").port == 993
    with pytest.raises(ValueError, match="imaps://"):
        ImapSettings.from_url("http://mail.example")
