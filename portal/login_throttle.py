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
many addresses can spend the account's budget, for at most an hour.

The counters are Flask-Limiter's storage (Redis with ``REDIS_URL``). When it does not
answer, this process counts in memory and logs a warning: sign-in keeps working and stays
limited, per process.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.limits import configured

log = logging.getLogger(__name__)


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

    def _budgets(self, address: str, email: str):
        yield "login", parse_many(configured("login")), "address:" + address
        yield "login_account", parse_many(configured("login_account")), self.account_key(email)

    def _call(self, method: str, *args):
        try:
            return getattr(self.primary, method)(*args), self.primary
        except Exception as exc:  # noqa: BLE001 - any storage failure: count in memory
            log.warning("rate limit storage unavailable (%s): counting sign-ins in memory", exc)
            return getattr(self.fallback, method)(*args), self.fallback

    def begin(self, address: str, email: str) -> Attempt | Refusal:
        """Take one unit of each budget, or say which one is spent (taking nothing)."""
        taken = []
        for name, items, key in self._budgets(address, email):
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
        return max(1, math.ceil(reset - time.time()))


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
