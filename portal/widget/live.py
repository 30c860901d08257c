"""Live replies in the widget: after "Talk to a person" files a ticket, the customer's panel
follows the conversation as Server-Sent Events and can write more.

The stream reads the database (the shared record of every node), so a reply written on any
node reaches the customer within ``poll_seconds``. Each stream ends after ``max_seconds``:
the browser's EventSource reconnects by itself with ``Last-Event-ID`` (the id of the last
message it got), so nothing is missed or repeated, a page reload resumes where it was, and a
web worker is never held for long (the shipped gunicorn workers are synchronous).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.models import TicketMessage
from portal.tickets.messages import render_message


@dataclass(frozen=True)
class LiveConfig:
    """How a stream polls and how long it lives (tuned for sync gunicorn workers)."""

    poll_seconds: float = 1.0
    max_seconds: float = 20.0
    retry_ms: int = 1000  # how soon the browser reconnects after a stream ends

    @classmethod
    def from_settings(cls, config) -> LiveConfig:
        """``PORTAL_LIVE_POLL_SECONDS`` / ``PORTAL_LIVE_STREAM_SECONDS`` override."""
        return cls(
            poll_seconds=float(config.get("LIVE_POLL_SECONDS") or cls.poll_seconds),
            max_seconds=float(config.get("LIVE_STREAM_SECONDS") or cls.max_seconds),
        )


def public_messages_after(ticket_id: int, after_id: int) -> list[TicketMessage]:
    """The ticket's messages the customer may see, newer than ``after_id``, oldest first."""
    return list(
        db.session.execute(
            sa.select(TicketMessage)
            .where(
                TicketMessage.ticket_id == ticket_id,
                TicketMessage.id > after_id,
                TicketMessage.internal.is_(False),
            )
            .order_by(TicketMessage.id)
        ).scalars()
    )


def message_event(message: TicketMessage, locale: str) -> str:
    """One message as an SSE event (``id`` is the message's, for ``Last-Event-ID``)."""
    data = {
        "id": message.id,
        "author": "agent" if message.author_type == "agent" else "customer",
        "html": str(render_message(message, locale)),  # sanitized: the customer page's
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }
    return f"id: {message.id}\nevent: message\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def parse_last_id(value: str | None) -> int:
    """``Last-Event-ID`` (or ``?after=``) as a message id; 0 for anything else."""
    try:
        number = int(value or 0)
    except ValueError:
        return 0
    return number if 0 <= number < 2**63 else 0


def event_stream(
    ticket_id: int,
    locale: str,
    after_id: int,
    config: LiveConfig,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[str]:
    """The events of one stream: new messages as they are stored, a comment now and then
    so proxies keep the connection, and the end after ``config.max_seconds``."""
    yield f"retry: {config.retry_ms}\n\n"
    deadline = clock() + config.max_seconds
    last = after_id
    while True:
        for message in public_messages_after(ticket_id, last):
            last = message.id
            yield message_event(message, locale)
        db.session.remove()  # the next poll sees rows other workers committed since
        if clock() >= deadline:
            return
        yield ": waiting\n\n"
        sleep(config.poll_seconds)
