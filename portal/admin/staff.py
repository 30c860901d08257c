"""Staff accounts as admins manage them in the browser: create, change roles and name,
deactivate and reactivate. An admin cannot lock themselves out (take away their own admin
role or deactivate their own account)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import ROLES, User
from portal.users import UserError, find_user, save_user


def all_staff() -> list[User]:
    """Every account, active first, by name."""
    query = sa.select(User).order_by(User.active.desc(), User.name)
    return list(db.session.scalars(query))


def get_staff(user_id: int) -> User | None:
    """The account with ``user_id``, if any."""
    return db.session.get(User, user_id)


def create_staff(email: str, name: str, roles, password: str) -> User:
    """A new account (:func:`portal.users.save_user`'s rules); an existing email is refused
    here, so a form cannot reset someone's password by accident."""
    if find_user(email) is not None:
        raise UserError(_("There is already an account for %(email)s.", email=email.strip()))
    return save_user(email, password, roles=roles, name=name.strip() or None)


def update_staff(user: User, *, name: str, roles, active: bool, actor: User) -> User:
    """Change ``user``'s name, roles and state; deactivating ends their sessions."""
    roles = [r for r in ROLES if r in set(roles)]
    if user.id == actor.id and "admin" not in roles:
        raise UserError(_("You cannot take away your own admin role."))
    if user.id == actor.id and not active:
        raise UserError(_("You cannot deactivate your own account."))
    name = " ".join((name or "").split())
    if not name:
        raise UserError(_("A name is needed: customers see it on replies."))
    if len(name) > 120:
        raise UserError(_("A name has at most %(n)d characters.", n=120))
    user.name = name
    user.roles = ",".join(roles)
    if user.active and not active:
        user.end_sessions()
    user.active = active
    db.session.commit()
    return user
