"""Rate limits: one named, configurable limit per thing a stranger can call, keyed by the
client (its address, read through ``PORTAL_TRUSTED_PROXIES`` trusted proxy hops only) or by
its API key; counted in Redis when ``REDIS_URL`` is set, so every worker and node agrees.

Each limit is ``PORTAL_RATE_LIMIT_<NAME>`` in Flask-Limiter syntax (``"5/minute;30/hour"``).
A request over a limit gets 429 with ``Retry-After``. Views name their limit:

    @limiter.limit(limit("tickets"), key_func=client_key)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix


@dataclass(frozen=True)
class RateLimits:
    """Every limit's default; ``PORTAL_RATE_LIMIT_<FIELD>`` overrides one."""

    search_page: str = "60/minute"  # /<locale>/search pages
    api_search: str = "120/minute"  # search API and search-as-you-type suggestions
    api_article: str = "300/minute"
    tickets: str = "5/minute;30/hour"  # new tickets: contact form and API
    reply: str = "20/minute"  # a customer's reply on their request
    deflection: str = "30/minute"  # "this answered my question", "this solved my problem"
    vote: str = "30/minute"
    login: str = "10/minute;50/hour"  # sign-in attempts per address
    find_requests: str = "5/minute;20/hour"  # "find my requests" per address
    find_requests_address: str = "5/hour"  # ... per email address asked about
    access_link: str = "30/minute"
    agent_search: str = "120/minute"
    api_key: str = "600/minute"  # a server-to-server client, unless its key names its own

    @classmethod
    def from_env(cls) -> RateLimits:
        """Defaults, overridden by ``PORTAL_RATE_LIMIT_<NAME>``."""
        values = {}
        for item in fields(cls):
            value = os.environ.get(f"PORTAL_RATE_LIMIT_{item.name.upper()}")
            if value:
                values[item.name] = value.strip()
        return cls(**values)


def limits() -> RateLimits:
    """The app's limits."""
    return current_app.config["RATE_LIMITS"]


def limit(name: str):
    """The named limit, read when a request is checked (so tests and config can change it).
    A request made with an API key is held to that key's own limit instead."""
    RateLimits.__dataclass_fields__[name]  # noqa: B018 - a typo fails at import, not later

    def value() -> str:
        key = g.get("api_key")
        if key is not None:
            return key.rate_limit or limits().api_key
        return getattr(limits(), name)

    return value


def client_key() -> str:
    """Who is counted: the API key when one was sent, else the client's address (ProxyFix
    has already replaced it with the trusted hop's ``X-Forwarded-For`` entry)."""
    key = g.get("api_key")
    if key is not None:
        return f"key:{key.id}"
    return get_remote_address() or request.remote_addr or "unknown"


def configure(app) -> None:
    """Trusted proxies, the shared counter storage, and the 429 headers."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Only the N hops our own proxies add are believed; anything a client wrote
        # further left in X-Forwarded-For is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.config.setdefault("RATE_LIMITS", RateLimits.from_env())
    if app.config.get("REDIS_URL") and app.config.get("RATELIMIT_STORAGE_URI") == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down: count in this process for a while rather than refuse every request.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
