"""``portal mail list|show|requeue``: read the outbox and the local catcher, resend by hand."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db
from portal.mail.compose import build_message
from portal.mail.transports import MaildirCatcher, transport_for
from portal.models import OutboxMessage

STATES = ("queued", "sending", "unconfirmed", "sent", "failed")


@click.group("mail")
def mail_group():
    """Outgoing email: what was sent, what is waiting, what needs an admin."""


@mail_group.command("list")
@click.option("--state", type=click.Choice(STATES), help="Only messages in this state.")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@with_appcontext
def mail_list(state: str | None, limit: int):
    """Outbox messages, newest first: id, state, recipient, subject, and any error."""
    click.echo(f"Delivering to: {transport_for(current_app).describe()}")
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if state:
        query = query.where(OutboxMessage.state == state)
    rows = list(db.session.execute(query).scalars())
    for row in rows:
        error = (row.last_error or "").strip().splitlines()[-1:] or [""]
        click.echo(f"{row.id}\t{row.state}\t{row.to_email}\t{row.subject}")
        if error[0] and row.state != "sent":
            click.echo(f"\t{error[0]}")
    click.echo(f"{len(rows)} message(s).")


@mail_group.command("show")
@click.argument("outbox_id", type=int)
@click.option("--raw", is_flag=True, help="The whole MIME source instead of the text part.")
@with_appcontext
def mail_show(outbox_id: int, raw: bool):
    """One message: as the catcher stored it when it did, else as it will be sent."""
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None:
        raise click.ClickException(f"there is no outbox message {outbox_id}")
    message = build_message(row, current_app.config["MAIL_FROM"])
    catcher = transport_for(current_app)
    stored = None
    if isinstance(catcher, MaildirCatcher):
        stored = catcher.find(catcher.base_name(message))
        if stored is not None:
            message = message_from_bytes(stored.read_bytes(), policy=default)
    click.echo(f"State: {row.state}" + (f" ({stored})" if stored else ""))
    if row.last_error and row.state != "sent":
        click.echo(f"Error: {row.last_error}")
    if raw:
        click.echo(message.as_bytes(policy=default).decode("ascii", "replace"))
        return
    for name in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "Auto-Submitted"):
        if message[name]:
            click.echo(f"{name}: {message[name]}")
    click.echo("")
    click.echo(message.get_body(("plain",)).get_content())


@mail_group.command("requeue")
@click.argument("outbox_id", type=int)
@with_appcontext
def mail_requeue(outbox_id: int):
    """Send an unconfirmed or failed message again (check first that it did not arrive)."""
    from portal.mail.delivery import requeue

    if requeue(outbox_id) is None:
        raise click.ClickException(f"message {outbox_id} is not unconfirmed or failed")
    click.echo(f"Message {outbox_id} queued again.")
