"""Staff accounts: creation, sign-in checks and role changes, shared by the CLI and the pages."""

from __future__ import annotations

import re
import secrets
import string
from functools import cache
from typing import NamedTuple

from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from portal.extensions import db
from portal.models import ROLES, User

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
MIN_PASSWORD = 10
# zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses or more).
MIN_PASSWORD_SCORE = 3
# Local parts shorter than this (a@…, jo@…) would forbid half the alphabet.
MIN_LOCAL_PART_CHECKED = 3
COMMON_PASSWORDS = frozenset(
    (
        "password passw0rd qwerty qwertyuiop asdfghjkl zxcvbnm 1q2w3e4r5t 1qaz2wsx3edc "
        "letmein welcome iloveyou admin administrator changeme secret trustno1 "
        "1234567890 0987654321 0123456789 123456789 abc123 abcdefghij "
        "football baseball superman sunshine princess dragon monkey "
        "helpdesk support helpcenter"
    ).split()
)


class DemoUser(NamedTuple):
    """A demo account. ``name`` is what customers see on replies, so it is a real display
    name, not the email's local part ("agent")."""

    email: str
    password: str
    roles: tuple[str, ...]
    name: str


DEMO_USERS = (
    DemoUser("agent@example.com", "agent-demo-pass", ("agent",), "Minji from Support"),
    DemoUser("writer@example.com", "writer-demo-pass", ("writer",), "Support writer"),
)


class UserError(ValueError):
    """The account cannot be saved; the message says why."""


def find_user(email: str) -> User | None:
    """The account registered under ``email`` (any case), if any."""
    query = db.select(User).filter_by(email=email.strip().lower())
    return db.session.execute(query).scalar_one_or_none()


@cache
def _dummy_hash() -> str:
    """A hash no password matches, made like real ones so checking it costs the same."""
    return generate_password_hash(secrets.token_urlsafe(32), method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """The active account ``email`` when ``password`` is right, else None.

    The slow hash is checked for unknown and deactivated accounts too, so the response
    time does not tell which emails belong to staff.
    """
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) and user.is_active else None


def password_problem(email: str, password: str) -> str | None:
    """Why ``password`` is too weak for the account ``email``, or None when it will do."""
    lowered = password.lower()
    local_part = email.split("@")[0].lower()
    if len(password) < MIN_PASSWORD:
        return f"the password needs at least {MIN_PASSWORD} characters"
    if len(set(password)) == 1:
        return "the password repeats a single character"
    if len(local_part) >= MIN_LOCAL_PART_CHECKED and local_part in lowered:
        return f"the password must not contain {local_part!r} from the email address"
    # "Password2024!" is as guessable as "password".
    stem = lowered.rstrip(string.digits + string.punctuation)
    if lowered in COMMON_PASSWORDS or stem in COMMON_PASSWORDS:
        return "the password is too common; a few unrelated words make a strong one"
    # NIST 800-63B: check against common and easily guessed passwords. zxcvbn knows ~30,000
    # common passwords, names, keyboard walks (zaq12wsx), sequences and l33t spellings.
    estimate = zxcvbn(password[:100], user_inputs=[local_part, "haneul", "helpcenter"])
    if estimate["score"] < MIN_PASSWORD_SCORE:
        return (
            "the password is too easy to guess (a common password, a keyboard pattern or a "
            "sequence); a few unrelated words make a strong one"
        )
    return None


def save_user(email: str, password: str, *, roles=(), name: str | None = None) -> User:
    """Create or update a staff account with a slow password hash.

    A new password signs the account out everywhere (see :meth:`User.set_password`).
    """
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    problem = password_problem(email, password)
    if problem:
        raise UserError(problem)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise UserError(f"unknown role(s): {', '.join(sorted(unknown))}")
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name or email.split("@")[0])
        db.session.add(user)
    elif name:
        user.name = name
    user.roles = ",".join(r for r in ROLES if r in roles)
    user.set_password(password)
    db.session.commit()
    return user


def create_demo_users() -> set[str]:
    """Add the missing demo accounts; return their emails.

    An existing demo account is left alone (password and name): they may have been changed
    on purpose.
    The demo passwords are published in the README, so the strength rules do not apply.
    """
    created = set()
    for demo in DEMO_USERS:
        if find_user(demo.email) is None:
            user = User(email=demo.email, name=demo.name, roles=",".join(demo.roles))
            user.set_password(demo.password)
            db.session.add(user)
            created.add(demo.email)
    db.session.commit()
    return created


def sign_out_everywhere(user: User) -> None:
    """End every session of ``user``, including remember-me cookies copied elsewhere."""
    user.end_sessions()
    db.session.commit()
