"""Cross-origin use of the public API (``/api/v1``) from the sites the admin lists.

Browsers send an ``Origin`` header with every cross-origin call; only an origin listed in
``PORTAL_WIDGET_ORIGINS`` (scheme, host and port, matched exactly) is answered with
``Access-Control-Allow-Origin``, so no other site's scripts can read the answers. No
cookies are allowed (no ``Allow-Credentials``): the widget's calls need none. Preflights
(``OPTIONS``) get the methods and headers the API accepts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Idempotency-Key"
PREFLIGHT_MAX_AGE_SECONDS = 600


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` in lower case, without a default port or a trailing slash;
    None for anything that is not an http(s) origin (paths, queries and user info are not
    part of one)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(value: str | None) -> tuple[str, ...]:
    """The setting's comma-separated origins, normalized; an entry that is not an origin
    stops the app with its name (a typo must not silently block a site)."""
    origins = []
    for entry in (value or "").split(","):
        if not entry.strip():
            continue
        origin = normalize_origin(entry)
        if origin is None:
            raise ValueError(
                f"PORTAL_WIDGET_ORIGINS: {entry.strip()!r} is not an origin such as "
                "https://shop.example.com"
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


def allowed_origin(origin: str | None, allowed: tuple[str, ...]) -> str | None:
    """The request's ``Origin`` when it is one of ``allowed`` (exactly, as the browser
    sends it), else None."""
    if not origin or origin == "null":
        return None
    return origin if origin in allowed else None


def add_cors_headers(response):
    """``after_request`` of the API blueprint: the CORS headers for a listed origin."""
    response.vary.add("Origin")
    origin = allowed_origin(request.headers.get("Origin"), current_app.config["WIDGET_ORIGINS"])
    if origin is None:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    else:
        # Scripts may read the limit's answer (429) and the retry hint.
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response
