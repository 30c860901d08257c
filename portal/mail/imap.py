"""Polling an IMAP mailbox (``PORTAL_IMAP_URL``) into the inbound pipeline.

Python's ``imaplib`` (no IMAP client library is installed here; ``imapclient`` would be the
one to add). Each poll takes the mailbox's unseen messages by UID, reads each with
``BODY.PEEK[]`` (reading does not mark it seen), ingests it through
:func:`portal.mail.inbound.ingest`, and only after that committed sets ``\\Seen``. A crash
between the two leaves the message unseen: the next poll ingests it again and the Message-ID
dedupe answers "already have it". A message over ``INBOUND_MAX_BYTES`` is left in the
mailbox, flagged ``$PortalTooLarge`` and seen, and logged.

One poller at a time: on PostgreSQL the poll holds an advisory lock, so the other nodes'
workers skip their turn; on SQLite (one machine) there is one worker. Two polls at once
would still ingest each message once (the dedupe), they would only do the work twice.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs.worker import node_duty
from portal.mail.inbound import IngestError, ingest

log = logging.getLogger(__name__)

POLL_LOCK_KEY = 0x6D61696C  # "mail": the advisory lock every node's poll tries
TOO_LARGE_FLAG = "$PortalTooLarge"


@dataclass(frozen=True)
class ImapSettings:
    """Where the mailbox is: parsed from ``imap[s]://user:pass@host:port/FOLDER``."""

    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> ImapSettings:
        """Parse the URL; a clear error names what is wrong (never the password)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError("PORTAL_IMAP_URL must look like imaps://user:password@host:993/INBOX")
        tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            tls=tls,
        )


@dataclass(frozen=True)
class PollResult:
    """What one poll did."""

    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    too_large: int = 0
    failed: int = 0
    more: bool = False  # unseen messages beyond this batch are waiting


def connect(settings: ImapSettings, timeout: float = 30.0) -> imaplib.IMAP4:
    """Log in and select the folder."""
    if settings.tls:
        client = imaplib.IMAP4_SSL(
            settings.host,
            settings.port,
            ssl_context=ssl.create_default_context(),
            timeout=timeout,
        )
    else:
        client = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
    client.login(settings.user, settings.password)
    status, _ = client.select(_quote(settings.folder))
    if status != "OK":
        client.logout()
        raise imaplib.IMAP4.error(f"cannot select folder {settings.folder!r}")
    return client


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _sizes(client: imaplib.IMAP4, uids: list[bytes]) -> dict[bytes, int]:
    status, data = client.uid("FETCH", b",".join(uids), "(RFC822.SIZE)")
    sizes = {}
    for item in data if status == "OK" else ():
        line = item if isinstance(item, bytes) else item[0]
        found = re.search(rb"UID (\d+).*RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*UID (\d+)", line)
        if found:
            uid = found.group(1) or found.group(4)
            sizes[uid] = int(found.group(2) or found.group(3))
    return sizes


def _body(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def poll_mailbox(app, settings: ImapSettings | None = None) -> PollResult:
    """One poll: ingest every unseen message (up to ``IMAP_BATCH``), then flag it seen."""
    settings = settings or ImapSettings.from_url(app.config["IMAP_URL"])
    limit = int(app.config["INBOUND_MAX_BYTES"])
    counts = dict(fetched=0, new=0, duplicates=0, too_large=0, failed=0)
    client = connect(settings)
    try:
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split() if status == "OK" else []
        counts["more"] = len(uids) > int(app.config["IMAP_BATCH"])
        uids = uids[: int(app.config["IMAP_BATCH"])]
        sizes = _sizes(client, uids) if uids else {}
        for uid in uids:
            if sizes.get(uid, 0) > limit:
                client.uid("STORE", uid, "+FLAGS", f"({TOO_LARGE_FLAG} \\Seen)")
                log.warning("IMAP message UID %s over %s bytes: left in the mailbox", uid, limit)
                counts["too_large"] += 1
                continue
            raw = _body(client, uid)
            if raw is None:
                counts["failed"] += 1
                continue
            counts["fetched"] += 1
            try:
                result = ingest(raw, source="imap")
            except IngestError:
                log.exception("IMAP message UID %s not ingested; next poll retries", uid)
                counts["failed"] += 1
                continue
            counts["duplicates" if result.duplicate else "new"] += 1
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")  # only after the ingest committed
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return PollResult(**counts)


def _with_poll_lock(app, function):
    """Run ``function`` holding the cluster-wide poll lock (PostgreSQL), else just run it."""
    if db.engine.dialect.name != "postgresql":
        return function()
    with db.engine.connect() as conn:
        if not conn.execute(sa.select(sa.func.pg_try_advisory_lock(POLL_LOCK_KEY))).scalar():
            log.info("another node is polling the mailbox")
            return None
        try:
            return function()
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(POLL_LOCK_KEY)))
            conn.commit()


_last_poll: dict[int, float] = {}


@node_duty("fetch_mail", every=5)
def fetch_mail(app) -> None:
    """The worker's duty: poll ``PORTAL_IMAP_URL`` every ``IMAP_POLL_SECONDS`` (off when unset)."""
    if not app.config.get("IMAP_URL"):
        return
    if not app.config.get("SERVER_NAME"):
        log.error(
            "PORTAL_IMAP_URL is set but PORTAL_PUBLIC_URL is not: mail is not fetched "
            "(acknowledgments carry links to the help center)"
        )
        return
    now = time.monotonic()
    if now - _last_poll.get(id(app), -1e9) < float(app.config["IMAP_POLL_SECONDS"]):
        return
    _last_poll[id(app)] = now
    # A backlog (the worker was down, a burst of mail) is drained batch after batch for up to
    # IMAP_DRAIN_SECONDS instead of one batch per poll interval (50 a minute by default); a
    # batch with a failure stops the draining so one bad message is not retried in a loop.
    budget = float(app.config["IMAP_DRAIN_SECONDS"])
    while True:
        result = _with_poll_lock(app, lambda: poll_mailbox(app))
        if result and (result.fetched or result.too_large or result.failed):
            log.info("mail poll: %s", result)
        if not result or not result.more or result.failed or time.monotonic() - now > budget:
            return
