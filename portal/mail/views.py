"""Email's HTTP doors: the inbound webhook and the agents' downloads of what mail carried.

``POST /api/v1/inbound/email``: a mail provider (or a relay script) posts one raw RFC 5322
message as the body with ``Authorization: Bearer $PORTAL_INBOUND_SECRET``. The answer is
202 with the ticket reference for a new message, 200 with the same reference for one
already ingested (a retried delivery), 401 without the secret, 413 over
``INBOUND_MAX_BYTES``, 503 when the database refuses (the provider retries later).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request, send_file

from portal import limits
from portal.auth import role_required
from portal.extensions import csrf, db
from portal.guards import reads_body
from portal.mail.inbound import IngestError, attachment_path, ingest, mail_dir
from portal.models import InboundAttachment, InboundEmail

bp = Blueprint("mail", __name__)
csrf.exempt(bp)


def _authorized() -> bool:
    secret = current_app.config.get("INBOUND_SECRET")
    header = request.headers.get("Authorization", "")
    if not secret or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), secret.encode())


@bp.post("/api/v1/inbound/email")
@reads_body
@limits.limit("inbound_email")
def inbound_email():
    """Ingest one raw message posted by a mail provider (see the module docstring)."""
    if not _authorized():
        return jsonify(error="a valid Authorization: Bearer secret is required"), 401
    limit = int(current_app.config["INBOUND_MAX_BYTES"])
    if (request.content_length or 0) > limit:
        return jsonify(error=f"the message is over {limit} bytes"), 413
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        return jsonify(error=f"the message is over {limit} bytes"), 413
    if not raw.strip():
        return jsonify(error="the body must be the raw message (RFC 5322)"), 400
    try:
        result = ingest(raw, source="webhook")
    except IngestError:
        return jsonify(error="could not store the message; retry later"), 503
    return jsonify(
        outcome=result.outcome,
        reference=result.reference,
        duplicate=result.duplicate,
    ), (200 if result.duplicate else 202)


@bp.get("/agent/mail/<int:email_id>.eml")
@role_required("agent")
def raw_email(email_id: int):
    """The full original of an inbound email, for agents (downloaded, never rendered)."""
    record = db.get_or_404(InboundEmail, email_id)
    path = mail_dir(current_app.config) / record.raw_path
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"inbound-{record.id}.eml",
    )


@bp.get("/agent/mail/attachments/<int:attachment_id>")
@role_required("agent")
def attachment(attachment_id: int):
    """An attachment an email carried, for agents: always a download, typed by its bytes."""
    item = db.get_or_404(InboundAttachment, attachment_id)
    path = attachment_path(mail_dir(current_app.config), item.sha256)
    if not item.stored or not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.filename
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
