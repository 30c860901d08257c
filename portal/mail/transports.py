"""Where mail goes: an SMTP server, or (without one) a Maildir folder the developer reads.

Both share one call, ``send(message, sender, recipients, commit_point)``. ``commit_point`` is
called once the server holds the whole message except the end-of-data terminator: it
records (and commits) that the send is about to be final and returns False when this worker
no longer owns the row, in which case the transport hangs up without the terminator and the
server discards the incomplete message (RFC 5321, 4.1.1.4). See :mod:`portal.mail.delivery`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from portal.mail.compose import POLICY

CommitPoint = Callable[[], bool]


class TemporaryFailure(Exception):
    """Try again later: a 4xx answer, a refused or dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Never retry: the server refused the message for good (5xx)."""


class Superseded(Exception):
    """Another worker took the row over: this send was abandoned before the terminator."""


class Unconfirmed(Exception):
    """The terminator was (or may have been) sent and no answer came: the message may be
    delivered. Never resent automatically."""


@dataclass(frozen=True)
class SmtpSettings:
    """Parsed ``PORTAL_SMTP_URL`` (``smtp://user:pass@host:port?starttls=1`` or ``smtps://``)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    starttls: bool = False
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, *, starttls: bool = False, timeout: float = 30.0):
        """Read the URL; a wrong scheme or a missing host is a clear error at start-up."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "PORTAL_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465"
            )
        query = parse_qs(parts.query)
        flag = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=(flag or starttls) and not implicit,
            timeout=timeout,
        )

    def describe(self) -> str:
        """Where mail goes, without the password (for logs and ``portal mail list``)."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        tls = " (STARTTLS)" if self.starttls else ""
        return f"{scheme}://{self.host}:{self.port}{tls}"


def _classify(code: int, reply: bytes | str, stage: str) -> Exception:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    error = f"{stage}: {code} {text}".strip()
    return PermanentFailure(error) if 500 <= code < 600 else TemporaryFailure(error)


class _Smtp(smtplib.SMTP):
    # True between DATA's 354 and the terminator's reply: hanging up is then the only safe
    # way out (a QUIT would become part of the message).
    in_data = False

    def data_with_commit_point(self, content: bytes, commit_point: CommitPoint) -> None:
        """DATA, the dot-stuffed body, ``commit_point()``, then the terminator and its reply:
        :meth:`smtplib.SMTP.data` with the last write held back."""
        code, reply = self.docmd("data")
        if code != 354:
            raise _classify(code, reply, "DATA")
        body = smtplib.quotedata(content.decode("ascii")).encode("ascii")
        if body.endswith(b"\r\n"):
            body = body[:-2]
        self.in_data = True
        self.send(body)
        if not commit_point():
            raise Superseded("another worker took the message over before its end")
        try:
            self.send(b"\r\n.\r\n")
            code, reply = self.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            raise Unconfirmed(f"no answer after the end of the message: {exc}") from exc
        self.in_data = False
        if code != 250:
            raise _classify(code, reply, "end of DATA")


class _SmtpSsl(_Smtp, smtplib.SMTP_SSL):
    """Implicit TLS (``smtps://``, port 465) with the same held-back terminator."""


class SmtpSender:
    """Deliver over SMTP, one connection per message (a worker sends a few a second at most;
    a fresh connection never inherits a half-finished transaction)."""

    idempotent = False

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def describe(self) -> str:
        """Where this transport delivers."""
        return self.settings.describe()

    def _connect(self) -> _Smtp:
        settings = self.settings
        if settings.implicit_tls:
            client = _SmtpSsl(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = _Smtp(settings.host, settings.port, timeout=settings.timeout)
        client.ehlo_or_helo_if_needed()
        if settings.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.username:
            client.login(settings.username, settings.password or "")
        return client

    def send(
        self,
        message: EmailMessage,
        sender: str,
        recipients: list[str],
        commit_point: CommitPoint,
    ) -> None:
        """Send one message; raises one of this module's failures (see the module)."""
        content = message.as_bytes(policy=POLICY)
        client = None
        try:
            client = self._connect()
            code, reply = client.mail(sender)
            if code != 250:
                raise _classify(code, reply, "MAIL FROM")
            for address in recipients:
                code, reply = client.rcpt(address)
                if code not in (250, 251):
                    raise _classify(code, reply, f"RCPT TO {address}")
            client.data_with_commit_point(content, commit_point)
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc.smtp_code, exc.smtp_error, "SMTP") from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timeout, TLS
            raise TemporaryFailure(f"{self.describe()}: {exc.__class__.__name__}: {exc}") from exc
        finally:
            if client is not None and not client.in_data:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    client.quit()
                with contextlib.suppress(OSError):
                    client.close()


class MaildirCatcher:
    """Without an SMTP server: each message becomes ``<dir>/new/<outbox-id>.<hash>.eml``.

    Written to ``tmp/`` and hard-linked into ``new/`` (atomic, and refusing a second copy),
    so a reader never sees half a message and a resent row finds its first copy instead of
    making another: the catcher is idempotent on its own, no commit point needed.
    """

    idempotent = True

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def describe(self) -> str:
        """Where this transport delivers."""
        return f"Maildir {self.directory}"

    def ensure(self) -> None:
        """Create ``new/``, ``cur/`` and ``tmp/``."""
        for sub in ("new", "cur", "tmp"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)

    @staticmethod
    def base_name(message: EmailMessage) -> str:
        """The file name of a message: its outbox id and a digest of its Message-ID."""
        from portal.mail.compose import outbox_id_of

        message_id = str(message["Message-ID"] or "")
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:16]
        return f"{outbox_id_of(message_id) or 0}.{digest}"

    def find(self, base: str) -> Path | None:
        """The stored copy of a message, read (``cur/``, with flags) or not (``new/``)."""
        for sub in ("new", "cur"):
            folder = self.directory / sub
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if entry.name == f"{base}.eml" or entry.name.startswith(f"{base}.eml:"):
                    return entry
        return None

    def send(self, message, sender, recipients, commit_point) -> None:
        """Store the message once (``sender``, ``recipients`` and ``commit_point`` unused)."""
        try:
            self.ensure()
            base = self.base_name(message)
            if self.find(base) is not None:
                return  # delivered before a crash kept the row from being marked
            temporary = self.directory / "tmp" / f"{base}.{os.getpid()}.{socket.gethostname()}"
            with open(temporary, "wb") as handle:
                handle.write(message.as_bytes(policy=POLICY))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, self.directory / "new" / f"{base}.eml")
            except FileExistsError:
                pass  # a concurrent attempt stored it first
            finally:
                temporary.unlink(missing_ok=True)
        except OSError as exc:
            raise TemporaryFailure(f"{self.describe()}: {exc}") from exc


def transport_for(app):
    """The app's transport: SMTP when ``SMTP_URL`` is set, else the Maildir catcher."""
    url = app.config.get("SMTP_URL")
    if url:
        settings = SmtpSettings.from_url(
            url,
            starttls=bool(app.config.get("SMTP_STARTTLS")),
            timeout=float(app.config.get("SMTP_TIMEOUT_SECONDS", 30)),
        )
        return SmtpSender(settings)
    folder = app.config.get("MAIL_DIR") or Path(app.config["INSTANCE_DIR"]) / "mail"
    return MaildirCatcher(Path(folder))
