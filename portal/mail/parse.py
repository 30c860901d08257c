"""Raw MIME bytes -> one typed, frozen :class:`InboundEmail`: the only parser of inbound mail.

Every way mail arrives (IMAP, the webhook, the bench) hands its bytes to :func:`parse_email`
and the pipeline (:mod:`portal.mail.inbound`) reads nothing but the result, as Zammad's
``Channel::EmailParser`` sits behind all of its channels. Malformed mail never raises out of
here: a header that cannot be decoded is decoded with replacement characters, a part that
cannot be read is skipped and named in ``defects``.

Korean mail still arrives as ``euc-kr`` or Outlook's ``ks_c_5601-1987``; both are read as
``cp949``, the superset the senders actually write (a strict ``euc-kr`` decoder loses the
syllables outside KS X 1001).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

# Charsets senders name for something else (or a superset of what they name).
CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601_1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "unicode-1-1-utf-7": "utf-7",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}
MAX_HEADER_CHARS = 2000


@dataclass(frozen=True)
class Attachment:
    """A file carried by the mail: its name as sent, its type as its bytes say."""

    filename: str
    declared_type: str
    content_type: str
    size: int
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        """Content address of the bytes (where the file is stored)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification (RFC 3464) says about one of our messages."""

    original_message_id: str | None
    recipient: str | None
    status: str | None
    diagnostic: str | None


@dataclass(frozen=True)
class InboundEmail:
    """One parsed message. Addresses are lower-cased; texts are decoded Unicode."""

    message_id: str
    has_message_id: bool
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_address: str
    from_name: str
    to: tuple[str, ...]
    reply_to: str | None
    subject: str
    text: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    auto_submitted: str | None
    precedence: str | None
    return_path: str | None
    x_autoreply: bool
    x_loop: bool
    auto_response_suppress: str | None
    is_report: bool
    bounce: Bounce | None
    size: int
    sha256: str
    defects: tuple[str, ...] = ()

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Every Message-ID this mail says it answers (In-Reply-To first, then References,
        then the one a bounce reports on), each once."""
        ids = list(self.in_reply_to) + list(reversed(self.references))
        if self.bounce and self.bounce.original_message_id:
            ids.append(self.bounce.original_message_id)
        return tuple(dict.fromkeys(ids))


def normalize_charset(charset: str | None) -> str:
    """The codec to read ``charset`` with (unknown or missing: utf-8)."""
    name = (charset or "utf-8").strip().strip('"').lower()
    return CHARSET_ALIASES.get(name, name)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset as text; undecodable bytes become U+FFFD, never an error."""
    codec = normalize_charset(charset)
    try:
        return data.decode(codec)
    except LookupError:
        codec = "utf-8"
    except UnicodeDecodeError:
        pass
    for fallback in (codec, "utf-8", "cp949"):
        try:
            return data.decode(fallback)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec, errors="replace")


def decode_header_value(value) -> str:
    """An RFC 2047 header (``=?ks_c_5601-1987?B?...?=``) as one line of text."""
    if value is None:
        return ""
    raw = str(value)
    try:
        pieces = decode_header(raw)
    except Exception:  # noqa: BLE001 - a broken encoded word: keep what was sent
        return _one_line(raw)
    out = []
    for chunk, charset in pieces:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset or "utf-8"))
        else:
            out.append(chunk)
    return _one_line("".join(out))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:MAX_HEADER_CHARS]


def message_ids(value) -> tuple[str, ...]:
    """``<a@b> <c@d>`` -> ("<a@b>", "<c@d>"); a bare id without brackets gets them."""
    text = str(value or "")
    found = re.findall(r"<[^<>\s]+>", text)
    if not found and text.strip() and " " not in text.strip():
        found = [f"<{text.strip().strip('<>')}>"]
    return tuple(dict.fromkeys(m[:255] for m in found))


def _address(value) -> tuple[str, str]:
    name, addr = parseaddr(str(value or ""))
    return decode_header_value(name), addr.strip().lower()[:254]


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: no script/style, block tags end lines, quotes marked."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    HIDDEN = {"script", "style", "head", "title", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.hidden = 0
        self.quote = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self.quote += 1
            self._newline()
        elif tag in self.BLOCKS:
            self._newline()
            if tag == "li":
                self.lines[-1] += "- "

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._newline()
        elif tag in self.BLOCKS:
            self._newline()

    def handle_data(self, data):
        if self.hidden:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1].strip():
            text = text.lstrip()
        if text:
            if not self.lines[-1] and self.quote:
                self.lines[-1] = "> " * self.quote
            self.lines[-1] += text

    def _newline(self):
        if self.lines[-1].strip(" >-"):
            self.lines.append("")

    def text(self) -> str:
        joined = "\n".join(line.rstrip() for line in self.lines)
        return re.sub(r"\n{3,}", "\n\n", joined).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML-only mail (the result is text: it is escaped where shown)."""
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken markup: strip tags bluntly
        return re.sub(r"<[^>]*>", " ", html)
    return parser.text()


SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
)


def sniff_type(data: bytes) -> str:
    """The content type the bytes show (never the one the sender declared)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            if kind == "application/zip":
                head = data[:4096]
                if b"word/" in head:
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if b"xl/" in head:
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return kind
    sample = data[:4096]
    if b"\x00" not in sample:
        lowered = sample.lstrip().lower()
        if lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script")):
            return "text/html" if b"<svg" not in lowered[:200] else "image/svg+xml"
        try:
            sample.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            if exc.start > len(sample) - 4:  # a character cut by the sample's end
                return "text/plain"
    return "application/octet-stream"


def _safe_filename(name: str, index: int) -> str:
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", name).strip(" .")
    return name[:200] or f"attachment-{index}"


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    return decode_bytes(data, part.get_content_charset())


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment" or part.get_filename():
        return True
    return part.get_content_maintype() not in ("text", "multipart", "message")


def _bounce(msg: Message) -> Bounce | None:
    """The delivery-status part of a ``multipart/report`` and the bounced message's id."""
    recipient = status = diagnostic = original = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            for block in blocks:
                recipient = recipient or _strip_type(block.get("Final-Recipient"))
                status = status or (str(block.get("Status") or "").strip() or None)
                diagnostic = diagnostic or _strip_type(block.get("Diagnostic-Code"))
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                ids = message_ids(inner[0].get("Message-ID"))
            else:
                found = re.search(r"^Message-ID:\s*(<[^>]+>)", _part_text(part), re.I | re.M)
                ids = (found.group(1),) if found else ()
            original = ids[0] if ids else None
    return Bounce(original, recipient, status, diagnostic)


def _strip_type(value) -> str | None:
    text = decode_header_value(value)
    return (text.split(";", 1)[-1].strip() or None) if text else None


def _body_and_attachments(msg: Message, defects: list[str]):
    plain, html, files = None, None, []
    parts = [msg] if not msg.is_multipart() else list(msg.walk())
    for index, part in enumerate(parts):
        if part.is_multipart():
            continue
        try:
            if part.get_content_type() in ("message/delivery-status", "text/rfc822-headers"):
                continue
            if part.get_filename() or (_is_attachment(part) and part is not msg):
                data = part.get_payload(decode=True) or b""
                name = _safe_filename(decode_header_value(part.get_filename() or ""), index)
                files.append(
                    Attachment(name, part.get_content_type(), sniff_type(data), len(data), data)
                )
            elif part.get_content_type() == "text/plain" and plain is None:
                plain = _part_text(part)
            elif part.get_content_type() == "text/html" and html is None:
                html = _part_text(part)
        except Exception as exc:  # noqa: BLE001 - one unreadable part never loses the rest
            defects.append(f"part {index}: {type(exc).__name__}")
    if plain is not None and plain.strip():
        return plain, False, files
    if html is not None:
        return html_to_text(html), True, files
    return plain or "", False, files


def parse_email(raw: bytes) -> InboundEmail:
    """Parse raw MIME bytes; never raises (an unreadable message gives an empty best effort)."""
    raw = bytes(raw or b"")
    digest = hashlib.sha256(raw).hexdigest()
    defects: list[str] = []
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # noqa: BLE001
        msg = Message()
        defects.append(f"unparsable: {type(exc).__name__}")
    defects.extend(type(d).__name__ for d in getattr(msg, "defects", ())[:10])
    try:
        text, html_only, files = _body_and_attachments(msg, defects)
    except Exception as exc:  # noqa: BLE001
        text, html_only, files = "", False, []
        defects.append(f"body: {type(exc).__name__}")
    ids = message_ids(msg.get("Message-ID"))
    from_name, from_address = _address(msg.get("From"))
    to = tuple(
        addr.lower()
        for _, addr in getaddresses(
            [str(v) for key in ("To", "Cc", "Delivered-To") for v in msg.get_all(key) or ()]
        )
        if addr
    )
    reply_to = _address(msg.get("Reply-To"))[1] or None
    ctype = msg.get_content_type()
    is_report = ctype == "multipart/report"
    report_type = (msg.get_param("report-type") or "") if is_report else ""
    return_path = msg.get("Return-Path")
    return InboundEmail(
        message_id=ids[0] if ids else f"<{digest}@no-message-id.invalid>",
        has_message_id=bool(ids),
        in_reply_to=message_ids(msg.get("In-Reply-To")),
        references=message_ids(msg.get("References")),
        from_address=from_address,
        from_name=from_name,
        to=tuple(dict.fromkeys(to)),
        reply_to=reply_to,
        subject=decode_header_value(msg.get("Subject")),
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        html_only=html_only,
        attachments=tuple(files),
        auto_submitted=_lower(msg.get("Auto-Submitted")),
        precedence=_lower(msg.get("Precedence")),
        return_path=None if return_path is None else str(return_path).strip(),
        x_autoreply=msg.get("X-Autoreply") is not None or msg.get("X-Autorespond") is not None,
        x_loop=msg.get("X-Loop") is not None,
        auto_response_suppress=_lower(msg.get("X-Auto-Response-Suppress")),
        is_report=is_report,
        bounce=_bounce(msg)
        if is_report and str(report_type).lower() == "delivery-status"
        else None,
        size=len(raw),
        sha256=digest,
        defects=tuple(defects),
    )


def _lower(value) -> str | None:
    text = decode_header_value(value).lower() if value is not None else ""
    return text or None
