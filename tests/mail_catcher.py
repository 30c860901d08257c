"""A real SMTP server for the mail tests: aiosmtpd on a free 127.0.0.1 port, keeping what it
receives. Tests can make it answer 4xx/5xx or slow down, like a real server having a bad day.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One accepted message: the envelope and the bytes as the server got them."""

    sender: str
    recipients: list[str]
    content: bytes

    @property
    def message(self):
        """The parsed message (``email.message.EmailMessage``)."""
        return message_from_bytes(self.content, policy=default)


@dataclass
class CatchingHandler:
    """aiosmtpd handler: answers ``rcpt_reply``/``data_reply`` when set, else accepts."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Accept the recipient (after ``delay``) unless told to refuse."""
        if self.delay:
            # Before DATA, not after the terminator: a slow answer to the terminator would
            # widen the one window where a killed client cannot know what happened.
            await asyncio.sleep(self.delay)
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Keep the message unless told to refuse it."""
        if self.data_reply:
            return self.data_reply
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted"

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, in arrival order."""
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


class Catcher:
    """``with Catcher() as smtp: ... smtp.url ... smtp.handler.received``."""

    def __init__(self, **behaviour):
        self.handler = CatchingHandler(**behaviour)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        """What ``PORTAL_SMTP_URL`` is set to."""
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> Catcher:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
