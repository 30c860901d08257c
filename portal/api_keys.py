"""API keys for server-to-server clients (a mobile app's backend, a partner's bot).

A key looks like ``hc_<prefix>_<secret>``: 12 hex characters that find its row, then 43
characters of ``secrets.token_urlsafe`` (256 bits). Only the SHA-256 of the whole key is
stored; with that much entropy a slow hash would add nothing, and the comparison is in
constant time. The key is shown once, when it is created.

A client sends ``Authorization: Bearer <key>`` to /api/v1: it is then counted by its key
under its own limit (:func:`portal.limits.api_limit`). A request with an unknown, revoked or
malformed key is refused with 401, never served as anonymous; a request without the header
is anonymous and keeps the per-address limits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import g, request

from portal.extensions import db
from portal.limits import check_limit
from portal.models import ApiKey, utcnow

KEY_PATTERN = re.compile(r"^hc_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")
# last_used_at is written at most this often per key (not one write per request).
TOUCH_EVERY = timedelta(minutes=1)
MAX_NAME = 120


class ApiKeyError(ValueError):
    """The key cannot be created or found; the message says why."""


@dataclass(frozen=True)
class CreatedKey:
    """A new key: ``secret`` is the only copy of the key there will ever be."""

    key: ApiKey
    secret: str


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(name: str, rate_limit: str | None = None) -> CreatedKey:
    """A new key called ``name`` (unique among keys in use), optionally with its own limit
    in Flask-Limiter syntax (else ``PORTAL_RATE_LIMIT_API``)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise ApiKeyError(f"a key needs a name of 1 to {MAX_NAME} printable characters")
    if name.isdigit() or KEY_PATTERN.match(name) or re.fullmatch(r"[0-9a-f]{12}", name):
        raise ApiKeyError("a key's name must not look like an id or a prefix")
    if rate_limit is not None:
        try:
            rate_limit = check_limit(rate_limit.strip(), "--limit")
        except RuntimeError as exc:
            raise ApiKeyError(str(exc)) from None
    if active_keys_named(name):
        raise ApiKeyError(f"a key called {name!r} is in use; revoke it first or pick a name")
    prefix = secrets.token_hex(6)
    secret = f"hc_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, key_hash=hash_key(secret), rate_limit=rate_limit)
    db.session.add(key)
    db.session.commit()
    return CreatedKey(key, secret)


def active_keys_named(name: str) -> list[ApiKey]:
    """Keys in use called ``name``."""
    query = sa.select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
    return list(db.session.scalars(query))


def list_keys() -> list[ApiKey]:
    """Every key, revoked ones too, newest first."""
    return list(db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id.desc())))


def find_key(ref: str) -> ApiKey:
    """The key ``ref`` names: its number, its prefix, or its name (one key in use)."""
    ref = ref.strip()
    if ref.isdigit() and (key := db.session.get(ApiKey, int(ref))):
        return key
    by_prefix = db.session.scalars(sa.select(ApiKey).where(ApiKey.prefix == ref)).first()
    if by_prefix:
        return by_prefix
    named = active_keys_named(ref)
    if len(named) == 1:
        return named[0]
    raise ApiKeyError(f"no key in use is called or numbered {ref!r} (see: portal api-keys list)")


def revoke_key(ref: str) -> ApiKey:
    """Revoke the key ``ref`` names; its next request gets 401."""
    key = find_key(ref)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    return key


def authenticate(secret: str) -> ApiKey | None:
    """The key in use whose secret is ``secret``, else None."""
    match = KEY_PATTERN.match(secret)
    if not match:
        return None
    key = db.session.scalars(sa.select(ApiKey).where(ApiKey.prefix == match.group(1))).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, hash_key(secret)):
        return None
    now = utcnow()
    last = key.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive UTC
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > TOUCH_EVERY:
        key.last_used_at = now
        try:
            db.session.commit()
        except sa.exc.OperationalError:  # a read-only or locked database still serves keys
            db.session.rollback()
            key = db.session.get(ApiKey, key.id)
    return key


INVALID = object()  # an Authorization header was sent, and it names no key in use


def _request_key():
    """The key the request authenticates with: an ApiKey, None (no header) or INVALID."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return INVALID
    return authenticate(secret.strip()) or INVALID


UNAVAILABLE = object()  # the database could not say (locked, unreachable)


def request_key():
    """:func:`_request_key` for the JSON API's routes, looked up once per request (the
    limiter asks first). The inbound email webhook has a bearer secret of its own."""
    if "api_key" not in g:
        try:
            g.api_key = _request_key() if request.blueprint == "api" else None
        except sa.exc.OperationalError as exc:
            db.session.rollback()
            g.api_key, g.api_key_error = UNAVAILABLE, exc
    return g.api_key


def check_request_key() -> None:
    """Re-raise a database error met while looking the key up (the API answers 503)."""
    if request_key() is UNAVAILABLE:
        raise g.api_key_error


def current_api_key() -> ApiKey | None:
    """The valid key of this request, if any."""
    key = request_key()
    return key if isinstance(key, ApiKey) else None


def has_invalid_key() -> bool:
    """True when the request sent an Authorization header naming no key in use."""
    return request_key() is INVALID
