"""Rate limits: every limit by name, read from the configuration in one place.

Each limit a stranger can spend has a name (``search``, ``tickets``, ``login`` …), a default
here and a ``PORTAL_RATE_LIMIT_<NAME>`` variable in Flask-Limiter syntax (``120/minute``,
``5/minute;30/hour``). A name is one budget per client: the contact form and
``POST /api/v1/tickets`` spend the same ``tickets`` allowance. Clients are told apart by
address (behind ``PORTAL_TRUSTED_PROXIES`` hops, the address the proxies saw), and API
clients that send a key by that key (see :mod:`portal.api_keys`).

Counters live where ``RATELIMIT_STORAGE_URI`` says: Redis when ``REDIS_URL`` is set, so
every gunicorn worker and node counts together, else this process's memory. A storage that
stops answering never turns a request into a 500: Flask-Limiter falls back to in-memory
counters per process (and logs a warning) until the storage answers again.

Every 429 carries ``Retry-After`` (:func:`add_retry_after`) and a message saying when to try
again, in the visitor's language (:func:`too_many_message`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, request
from flask_babel import gettext as _
from limits import parse_many
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.extensions import limiter

ENV_PREFIX = "RATE_LIMIT_"
# When the storage cannot say when a window ends (it is down), clients wait this long.
DEFAULT_RETRY_AFTER = 60


@dataclass(frozen=True)
class RateLimits:
    """Every named limit, in Flask-Limiter syntax; the defaults are the values the help
    center shipped with (a visitor typing in the search box sends about one suggestion
    request a second while typing)."""

    search: str = "120/minute"  # GET /api/v1/search (widgets, apps), per address
    suggest: str = "120/minute"  # search-as-you-type and the contact form's suggestions
    search_page: str = "120/minute"  # the customer search results page
    article: str = "300/minute"  # GET /api/v1/articles/<id>
    tickets: str = "5/minute;30/hour"  # tickets filed: contact form and POST /api/v1/tickets
    reply: str = "20/minute"  # a customer's replies on their ticket pages
    deflection: str = "30/minute"  # "This answered my question" / "This solved my problem"
    vote: str = "30/minute"  # "Was this helpful?"
    rating: str = "20/minute"  # a solved ticket's satisfaction rating page
    find_requests: str = "5/minute;20/hour"  # "Find my requests" per address
    find_requests_email: str = "5/hour"  # … and per address asked about
    request_link: str = "30/minute"  # opening an emailed sign-in link
    login: str = "10/minute;50/hour"  # failed staff sign-ins per address
    login_account: str = "20/minute;100/hour"  # failed sign-ins per account, from anywhere
    api: str = "600/minute"  # per API key, every /api/v1 route (a key's own limit wins)
    agent_search: str = "120/minute"  # the agent's article panel
    ticket_search: str = "120/minute"  # the agents' ticket search (/agent/find)
    inbound_email: str = "600/minute"  # the inbound email webhook
    # Per visitor: one widget start-up per page view; questions are typed by people.
    widget: str = "60/minute"  # the widget's start-up call (strings, first articles)
    answers: str = "20/minute;300/hour"  # the answer bot (POST /api/v1/answers)
    answer_feedback: str = "30/minute"  # "Did this answer your question?"
    openapi: str = "60/minute"  # /api/v1/openapi.json
    live_stream: str = "30/minute"  # the widget's live conversation (a stream reconnects each 20 s)

    @classmethod
    def from_environment(cls, env: Callable[[str], str | None]) -> RateLimits:
        """Defaults overridden by ``PORTAL_RATE_LIMIT_<NAME>``; an invalid value stops the
        start with a message naming the variable."""
        values = {}
        for field in dataclasses.fields(cls):
            raw = env(ENV_PREFIX + field.name.upper())
            if raw is not None and raw.strip():
                values[field.name] = check_limit(raw.strip(), f"PORTAL_{ENV_PREFIX}{field.name}")
        return cls(**values)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            check_limit(getattr(self, field.name), f"PORTAL_{ENV_PREFIX}{field.name.upper()}")


def check_limit(value: str, name: str) -> str:
    """``value`` when it is a rate limit Flask-Limiter reads, else a RuntimeError."""
    try:
        if parse_many(value):
            return value
    except ValueError:
        pass
    raise RuntimeError(
        f"{name.upper()}={value!r} is not a rate limit: use Flask-Limiter syntax such as "
        f"120/minute or 5/minute;30/hour"
    )


def storage_settings(env: Callable[[str], str | None]) -> dict:
    """Where counters live: ``RATELIMIT_STORAGE_URI``, else ``REDIS_URL``, else memory.

    Redis is asked with short timeouts, so a Redis that hangs costs a request half a second
    once (then the in-memory fallback answers) instead of the worker's whole timeout."""
    uri = env("RATELIMIT_STORAGE_URI") or env("REDIS_URL") or "memory://"
    options: dict = {"key_prefix": env("RATE_LIMIT_KEY_PREFIX") or "portal-limits"}
    if uri.startswith(("redis", "rediss", "valkey")):
        options.update(socket_connect_timeout=0.5, socket_timeout=0.5)
    return {"RATELIMIT_STORAGE_URI": uri, "RATELIMIT_STORAGE_OPTIONS": options}


def configured(name: str) -> str:
    """The current app's value of the named limit."""
    return getattr(current_app.config["RATE_LIMITS"], name)


def client_address() -> str:
    """The client's address: the socket's peer, or with ``PORTAL_TRUSTED_PROXIES`` the
    address the trusted proxies saw (see :func:`init_app`), never a header on its own."""
    return request.remote_addr or "unknown"


def _api_key_bucket() -> str:
    from portal.api_keys import current_api_key

    key = current_api_key()
    return f"key:{key.id}" if key else ""


def _has_api_key() -> bool:
    from portal.api_keys import current_api_key

    return current_api_key() is not None


def _api_key_limit() -> str:
    from portal.api_keys import current_api_key

    key = current_api_key()
    return (key.rate_limit if key and key.rate_limit else None) or configured("api")


def limit(name: str | Callable[[], str], **options):
    """The named limit on a view, counted per client address; ``name`` may be a function
    of the request (the API's search: ``suggest`` or ``search``). ``options`` as for
    :meth:`flask_limiter.Limiter.shared_limit` (``methods``, ``deduct_when``, ``key_func``).

    Every view carrying one name shares one budget per client."""
    name_now = name if callable(name) else (lambda: name)
    return limiter.shared_limit(
        lambda: configured(name_now()),
        scope=lambda _endpoint: name_now(),
        key_func=options.pop("key_func", client_address),
        **options,
    )


def api_limit(name: str | Callable[[], str], **options):
    """For /api/v1 views: the named per-address limit for anonymous callers; a caller with
    a valid API key is counted by its key instead, under the key's own limit (shared by
    every /api/v1 route)."""
    anonymous = limit(name, exempt_when=_has_api_key, **options)
    keyed = limiter.shared_limit(
        _api_key_limit,
        scope="api-key",
        key_func=_api_key_bucket,
        exempt_when=lambda: not _has_api_key(),
    )

    def decorate(view):
        return keyed(anonymous(view))

    return decorate


def breached_name() -> str | None:
    """The name of the limit this request went over, if Flask-Limiter stopped it."""
    if g.get("rate_limited_by"):
        return g.rate_limited_by
    current = limiter.current_limit
    if current is None or not current.breached:
        return None
    scope = current.request_args[-1] if current.request_args else ""
    return str(scope).split(":")[0] or None


def retry_after() -> int:
    """Seconds until the breached limit's window ends (at least 1)."""
    if g.get("retry_after"):
        return int(g.retry_after)
    current = limiter.current_limit
    if current is None:
        return DEFAULT_RETRY_AFTER
    try:
        return seconds_until(current.window.reset_time, current.limiter.storage)
    except Exception:  # noqa: BLE001 - a storage that went away cannot say; guess
        return DEFAULT_RETRY_AFTER


def seconds_until(reset_time: float, storage) -> int:
    """Whole seconds until ``reset_time``, never early: Redis tells a window's end to the
    second, rounded down (its TTL), so a client told that many seconds would come back up
    to a second too soon; memory knows it exactly."""
    seconds = max(1, math.ceil(reset_time - time.time()))
    return seconds if isinstance(storage, MemoryStorage) else seconds + 1


SEARCH_LIMITS = frozenset({"search", "suggest", "search_page", "agent_search"})


def too_many_message(name: str | None = None, seconds: int | None = None) -> str:
    """What to tell someone who went over ``name`` (default: the breached limit), in the
    current locale."""
    name = name if name is not None else breached_name()
    seconds = seconds if seconds is not None else retry_after()
    if name in SEARCH_LIMITS:
        return _("Too many searches; try again in %(seconds)d s.", seconds=seconds)
    if name in ("login", "login_account"):
        return _("Too many sign-in attempts. Try again in %(seconds)d s.", seconds=seconds)
    return _("Too many requests. Please wait %(seconds)d s, then try again.", seconds=seconds)


def add_retry_after(response):
    """Every 429 says when to come back (a view's own ``Retry-After`` wins)."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(retry_after())
    return response


def init_app(app) -> None:
    """Trust ``PORTAL_TRUSTED_PROXIES`` hops of ``X-Forwarded-For``/``-Proto``, attach the
    limiter, and answer every 429 with ``Retry-After``.

    Host and path prefix are never read from forwarded headers: a proxy that does not set
    them passes on whatever the client sent, and external links are built on
    ``PORTAL_PUBLIC_URL`` anyway."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise RuntimeError(f"PORTAL_TRUSTED_PROXIES must be 0 or more, not {hops}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)
    limiter.init_app(app)
    app.after_request(add_retry_after)
