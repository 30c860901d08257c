"""Staff accounts: creation and role changes, shared by the CLI and the admin pages."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.models import ROLES, User

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
MIN_PASSWORD = 10
DEMO_USERS = (
    ("agent@example.com", "agent-demo-pass", ("agent",)),
    ("writer@example.com", "writer-demo-pass", ("writer",)),
)


class UserError(ValueError):
    """The account cannot be saved; the message says why."""


def save_user(email: str, password: str, *, roles=(), name: str | None = None) -> User:
    """Create or update a staff account with a slow password hash."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise UserError(f"unknown role(s): {', '.join(sorted(unknown))}")
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, name=name or email.split("@")[0])
        db.session.add(user)
    elif name:
        user.name = name
    user.roles = ",".join(r for r in ROLES if r in roles)
    user.set_password(password)
    db.session.commit()
    return user
