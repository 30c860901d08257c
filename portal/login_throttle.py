"""Staff sign-in throttling: failed attempts are counted per address and per account.

Two budgets (``PORTAL_RATE_LIMIT_LOGIN`` per address, ``PORTAL_RATE_LIMIT_LOGIN_ACCOUNT``
per account, whatever address the guesses come from) count failures only. An attempt takes
one unit of both *before* the password is checked, atomically in the shared storage, so
guesses sent at once to several gunicorn workers or nodes cannot slip past the limit; a
correct password gives its units back. While either budget is spent every attempt is
refused unchecked (a correct password included: checking it would tell a guesser when they
were right) until the window ends, then the owner's password works again.

Defaults keep the owner in: one address (one guesser) is stopped by its own budget long
before the account's, so the owner still signs in from anywhere else; only guesses from
many addresses can spend the account's budget, for at most an hour. And a browser the owner
has signed in with before carries a signed device cookie (OWASP's "device cookies"): its
attempts spend a budget of that device's own instead of the account's, so guessers spending
the account's budget do not lock its owner out of their usual browser.

The counters are Flask-Limiter's storage (Redis with ``REDIS_URL``). When it does not
answer, this process counts in memory and logs a warning: sign-in keeps working and stays
limited, per process.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.limits import configured, seconds_until

log = logging.getLogger(__name__)
DEVICE_COOKIE = "portal_device"
DEVICE_COOKIE_DAYS = 180


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was refused unchecked: which budget, and for how long."""

    name: str  # "login" (the address) or "login_account"
    retry_after: int


@dataclass
class Attempt:
    """Units taken for one sign-in attempt; give them back with :meth:`Throttle.succeeded`."""

    taken: list  # (limiter, item, key)


class Throttle:
    """Per-address and per-account failure budgets over one storage."""

    def __init__(self, storage_uri: str, options: dict):
        self.storage = storage_from_string(storage_uri, **options)
        self.primary = FixedWindowRateLimiter(self.storage)
        self.fallback = FixedWindowRateLimiter(MemoryStorage())

    @staticmethod
    def account_key(email: str) -> str:
        """The account's counter: a hash of the typed address, known account or not (the
        answer must not tell which addresses belong to staff), so no address is stored."""
        normalized = email.strip().lower()[:254]
        return "account:" + hashlib.sha256(normalized.encode()).hexdigest()[:32]

    def _budgets(self, address: str, email: str, device: str | None):
        yield "login", parse_many(configured("login")), "address:" + address
        key = f"device:{device}" if device else self.account_key(email)
        yield "login_account", parse_many(configured("login_account")), key

    def _call(self, method: str, *args):
        try:
            return getattr(self.primary, method)(*args), self.primary
        except Exception as exc:  # noqa: BLE001 - any storage failure: count in memory
            log.warning("rate limit storage unavailable (%s): counting sign-ins in memory", exc)
            return getattr(self.fallback, method)(*args), self.fallback

    def begin(self, address: str, email: str, device: str | None = None) -> Attempt | Refusal:
        """Take one unit of each budget, or say which one is spent (taking nothing).
        ``device``: the id of a device cookie the account signed in with before."""
        taken = []
        for name, items, key in self._budgets(address, email, device):
            for item in items:
                allowed, limiter = self._call("hit", item, "login", key)
                taken.append((limiter, item, key))
                if not allowed:
                    self._give_back(taken)
                    return Refusal(name, self._seconds_left(limiter, item, key))
        return Attempt(taken)

    def succeeded(self, attempt: Attempt) -> None:
        """A correct password: the attempt was not a failure, give its units back."""
        self._give_back(attempt.taken)

    @staticmethod
    def _give_back(taken) -> None:
        for limiter, item, key in taken:
            full_key = item.key_for("login", key)
            try:
                if limiter.storage.incr(full_key, item.get_expiry(), amount=-1) < 0:
                    limiter.storage.clear(full_key)  # the window ended meanwhile
            except Exception as exc:  # noqa: BLE001 - a unit not given back only delays
                log.warning("rate limit storage unavailable (%s): unit not returned", exc)

    @staticmethod
    def _seconds_left(limiter, item, key) -> int:
        try:
            reset = limiter.get_window_stats(item, "login", key).reset_time
        except Exception:  # noqa: BLE001
            return item.get_expiry()
        return seconds_until(reset, limiter.storage)


def get_throttle() -> Throttle | None:
    """This app's throttle; None when rate limits are off (the test configuration)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    throttle = current_app.extensions.get("login_throttle")
    if throttle is None:
        throttle = Throttle(
            current_app.config["RATELIMIT_STORAGE_URI"],
            dict(current_app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}),
        )
        current_app.extensions["login_throttle"] = throttle
    return throttle


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def known_device(email: str) -> str | None:
    """The id of this browser's device cookie when ``email``'s account signed in with it."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        account, device = _device_serializer().loads(raw)
    except (BadSignature, TypeError, ValueError):
        return None
    return device if account == Throttle.account_key(email) else None


def remember_device(response, email: str):
    """After a correct password: mark this browser as one the account signs in with."""
    import secrets

    value = _device_serializer().dumps([Throttle.account_key(email), secrets.token_urlsafe(16)])
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
    )
    return response


def log_failure(email: str, address: str, refused: Refusal | None = None) -> None:
    """One line per failed or refused sign-in, for the security log (``%r`` so a typed
    newline cannot forge a line)."""
    if refused is None:
        log.warning("sign-in failed for %r from %s", email[:254], address)
    else:
        log.warning(
            "sign-in refused for %r from %s: %s limit reached, retry in %d s",
            email[:254],
            address,
            refused.name,
            refused.retry_after,
        )
