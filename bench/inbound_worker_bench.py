"""``python -m bench inbound``: the real worker fetching 1,000 mails from a real IMAP server,
killed with SIGKILL halfway, restarted, and every mail stored exactly once.

What runs is what production runs: a private dovecot on 127.0.0.1 (Debian's
``dovecot-imapd``, ``--dovecot``) holding the messages of :func:`bench.inbound_bench.generate`
(English and Korean, quoted-printable and base64, a third of them replies threaded to an
earlier mail of the same customer); ``portal db upgrade``; then ``portal worker`` as a
subprocess with ``PORTAL_IMAP_URL`` pointing at the mailbox. Once about half the messages are
in the database the worker gets ``kill -9``; a second worker is started and runs until every
message is stored and the mailbox has nothing unseen. The worker also delivers each new
ticket's acknowledgment (to the Maildir catcher, ``PORTAL_SMTP_URL`` being unset), as it would
in production, so messages per second is the whole inbound path, not the parser alone.

Checked at the end: each Message-ID stored once, one ticket per new thread, one ticket message
per mail, one acknowledgment per ticket, nothing left unseen.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa

from bench.inbound_bench import generate

USER, PASSWORD = "support", "bench-imap-password"
DOVECOT_CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = portal-bench-{port}
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    """A throw-away dovecot with one passwd-file user and a Maildir."""

    def __init__(self, binary: str):
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="portal-bench-dovecot-"))
        self.root.chmod(0o755)  # as root, the mailbox belongs to nobody: it must reach it
        self.port = _free_port()
        self.conf = self.root / "dovecot.conf"

    @property
    def url(self) -> str:
        """What ``PORTAL_IMAP_URL`` is set to."""
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def __enter__(self) -> Dovecot:
        home = self.root / "mail" / USER
        home.mkdir(parents=True)
        for sub in ("run", "state"):
            (self.root / sub).mkdir()
        if os.getuid() == 0:  # dovecot refuses to run mail processes as root
            uid = gid = 65534
            os.chown(home, uid, gid)
            users = ""
        else:
            uid, gid = os.getuid(), os.getgid()
            name = pwd.getpwuid(uid).pw_name
            users = f"default_internal_user = {name}\ndefault_login_user = {name}"
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::\n")
        self.conf.write_text(DOVECOT_CONFIG.format(root=self.root, port=self.port, users=users))
        subprocess.run([self.binary, "-c", str(self.conf)], check=True, timeout=30)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen: {(self.root / 'dovecot.log').read_text()}")

    def __exit__(self, *exc) -> None:
        subprocess.run([self.binary, "-c", str(self.conf), "stop"], timeout=30, check=False)
        time.sleep(0.3)
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        """A logged-in client with INBOX selected."""
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(USER, PASSWORD)
        client.select("INBOX")
        return client

    def append(self, messages: list[bytes]) -> None:
        """Deliver ``messages`` into INBOX (unseen)."""
        client = self.client()
        for raw in messages:
            client.append("INBOX", None, None, raw)
        client.logout()

    def unseen(self) -> int:
        """How many messages nobody has ingested yet."""
        client = self.client()
        found = client.uid("SEARCH", None, "UNSEEN")[1][0].split()
        client.logout()
        return len(found)


@dataclass(frozen=True)
class Expected:
    """What 1,000 generated mails must leave behind."""

    mails: int
    threads: int


def expected(messages: list[bytes]) -> Expected:
    """New threads are the mails without ``In-Reply-To``."""
    threads = sum(b"\r\nIn-Reply-To:" not in raw for raw in messages)
    return Expected(len(messages), threads)


def site_env(workdir: Path, imap_url: str, database_url: str | None) -> dict[str, str]:
    """The environment of ``portal`` commands for the bench site."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")]),
        "PORTAL_SECRET_KEY": "bench-secret",
        "PORTAL_PUBLIC_URL": "https://help.example.com",
        "PORTAL_INSTANCE_DIR": str(workdir / "instance"),
        "PORTAL_INDEX_DIR": str(workdir / "index"),
        "PORTAL_EMBEDDER": "fake",
        "PORTAL_DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.db'}",
        "PORTAL_IMAP_URL": imap_url,
        "PORTAL_IMAP_POLL_SECONDS": "0",
        "PORTAL_INBOUND_ADDRESS": "support@help.example.com",
        "PORTAL_INBOUND_SENDER_LIMIT_PER_HOUR": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for name in ("DATABASE_URL", "PORTAL_SMTP_URL"):
        env.pop(name, None)
    return env


def counts(engine) -> dict[str, int]:
    """Rows per table, and Message-IDs stored more than once."""
    tables = ("tickets", "ticket_messages", "inbound_emails", "outbox")
    with engine.connect() as conn:
        found = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}  # nosec B608 - fixed names
        found["doubled_message_ids"] = conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT message_id FROM inbound_emails "
                "GROUP BY message_id HAVING count(*) > 1) AS doubled"
            )
        ).scalar_one()
    return found


def stored(engine) -> int:
    """Inbound mails committed so far (0 before the first commit)."""
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM inbound_emails")).scalar_one()
    except (sa.exc.OperationalError, sqlite3.OperationalError):
        return 0


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """``portal worker`` in its own process group, logging to ``log_path``."""
    log = open(log_path, "ab")  # noqa: SIM115 - the child keeps it; closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "worker"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def run(count: int, database_url: str | None, dovecot_bin: str, timeout: float) -> int:
    """The whole bench; prints the figures, returns the exit status."""
    workdir = Path(tempfile.mkdtemp(prefix="inbound-worker-bench-"))
    messages = generate(count)
    want = expected(messages)
    with Dovecot(dovecot_bin) as dovecot:
        dovecot.append(messages)
        env = site_env(workdir, dovecot.url, database_url)
        subprocess.run(
            [sys.executable, "-m", "portal.cli", "db", "upgrade"],
            env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        engine = sa.create_engine(env["PORTAL_DATABASE_URL"])
        log_path = workdir / "worker.log"

        start = time.perf_counter()
        first = start_worker(env, log_path)
        deadline = time.monotonic() + timeout
        while stored(engine) < count // 2:
            if first.poll() is not None or time.monotonic() > deadline:
                print(log_path.read_text()[-3000:])
                raise SystemExit("the first worker stopped or stalled before half the mail")
            time.sleep(0.1)  # SQLite: a reader polling too often delays the worker's commits
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = stored(engine)
        killed_after = time.perf_counter() - start

        restart = time.perf_counter()
        second = start_worker(env, log_path)
        while stored(engine) < count or dovecot.unseen():
            if second.poll() is not None or time.monotonic() > deadline:
                print(log_path.read_text()[-3000:])
                raise SystemExit("the second worker stopped or stalled")
            time.sleep(0.25)
        finished = time.perf_counter()
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(60)
        found = counts(engine)
        engine.dispose()

    rest = count - killed_at
    print(f"messages: {count} in a real IMAP mailbox (dovecot), fetched by `portal worker`")
    print(
        f"first worker: {killed_at} stored in {killed_after:.2f} s "
        f"({killed_at / killed_after:.0f} messages/s), then kill -9"
    )
    print(
        f"second worker: the other {rest} in {finished - restart:.2f} s "
        f"({rest / (finished - restart):.0f} messages/s, start-up included)"
    )
    print(f"overall: {count / (finished - start):.0f} messages/s")
    print(f"rows: {found}; unseen left: 0")
    ok = (
        found["doubled_message_ids"] == 0
        and found["inbound_emails"] == want.mails
        and found["ticket_messages"] == want.mails
        and found["tickets"] == want.threads
        and found["outbox"] == want.threads
    )
    print(
        f"expected: {want.mails} mails, {want.threads} tickets, {want.mails} ticket messages, "
        f"{want.threads} acknowledgments"
    )
    print("OK: 0 duplicates, nothing lost" if ok else "FAILED: duplicates or losses")
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept for inspection: {workdir}")
    return 0 if ok else 1


@click.command("inbound")
@click.option("--messages", type=int, default=1000, show_default=True)
@click.option("--database-url", default=None, help="PostgreSQL instead of a fresh SQLite file.")
@click.option(
    "--dovecot",
    "dovecot_bin",
    default=lambda: os.environ.get("TEST_DOVECOT_BIN", "/usr/sbin/dovecot"),
    show_default="/usr/sbin/dovecot or $TEST_DOVECOT_BIN",
    help="The dovecot binary (Debian: apt-get install dovecot-imapd).",
)
@click.option("--timeout", type=float, default=1800, show_default=True, help="Seconds in all.")
def inbound_command(messages: int, database_url: str | None, dovecot_bin: str, timeout: float):
    """Inbound mail: the worker fetches N mails over IMAP, is killed -9 halfway, restarts;
    prints messages per second and checks nothing is stored twice or lost."""
    if not Path(dovecot_bin).exists():
        raise click.ClickException(f"no dovecot at {dovecot_bin} (apt-get install dovecot-imapd)")
    if messages < 2:
        raise click.BadParameter("at least 2 messages", param_hint="--messages")
    sys.exit(run(messages, database_url, dovecot_bin, timeout))
