"""``/admin/users`` and ``/admin/groups``: staff accounts, their roles, and teams."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from portal.admin import staff
from portal.admin.views import ActionForm, bp
from portal.agent import groups
from portal.agent.queue import staff as active_agents
from portal.guards import GuardedForm
from portal.users import UserError

ROLE_LABELS = {
    "agent": _l("Agent: works tickets"),
    "writer": _l("Writer: writes articles"),
    "manager": _l("Manager: sees analytics"),
    "admin": _l("Admin: everything, and these pages"),
}


class NewUserForm(GuardedForm):
    """A new staff account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name customers see"), validators=[DataRequired(), Length(max=120)])
    roles = SelectMultipleField(_l("Roles"), choices=list(ROLE_LABELS.items()))
    password = PasswordField(_l("First password"), validators=[DataRequired(), Length(max=200)])
    create = SubmitField(_l("Create account"))


class EditUserForm(GuardedForm):
    """An account's name, roles and state."""

    name = StringField(_l("Name customers see"), validators=[DataRequired(), Length(max=120)])
    roles = SelectMultipleField(_l("Roles"), choices=list(ROLE_LABELS.items()))
    active = BooleanField(_l("Active (may sign in)"))
    save = SubmitField(_l("Save"))


class GroupForm(GuardedForm):
    """A group's name, description and members."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(_l("Description"), validators=[Length(max=300)])
    members = SelectMultipleField(_l("Members"), coerce=int)
    save = SubmitField(_l("Save group"))


@bp.route("/users", methods=["GET", "POST"])
def users():
    """Every account, and the form that creates one."""
    form = NewUserForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                made = staff.create_staff(
                    form.email.data, form.name.data, form.roles.data, form.password.data
                )
            except UserError as exc:
                form.email.errors = [*form.email.errors, str(exc)]
            else:
                flash(_("The account %(email)s is created.", email=made.email), "success")
                return redirect(url_for("admin.users"))
        status = 400
    return (
        render_template(
            "admin/users.html", form=form, people=staff.all_staff(), role_labels=ROLE_LABELS
        ),
        status,
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    """Change an account's name, roles, or deactivate it."""
    person = staff.get_staff(user_id)
    if person is None:
        abort(404)
    if not EditUserForm().is_submitted():
        form = EditUserForm(
            formdata=None,
            name=person.name,
            roles=sorted(person.role_set),
            active=person.active,
        )
        return render_template("admin/user_form.html", form=form, person=person)
    form = EditUserForm()
    if form.validate():
        try:
            staff.update_staff(
                person,
                name=form.name.data,
                roles=form.roles.data or [],
                active=form.active.data,
                actor=current_user,
            )
        except UserError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(_("The account %(email)s is saved.", email=person.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, person=person), 400


@bp.get("/groups")
def group_list():
    """Every group with its members."""
    return render_template("admin/groups.html", groups=groups.all_groups(), form=ActionForm())


@bp.route("/groups/new", methods=["GET", "POST"])
def group_new():
    """Make a group."""
    return _group_edit(None)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def group_edit(group_id: int):
    """Change a group's name, description or members."""
    group = groups.get_group(group_id)
    if group is None:
        abort(404)
    return _group_edit(group)


def _group_edit(group):
    agents = active_agents()
    if not GroupForm().is_submitted():
        form = GroupForm(
            formdata=None,
            name=group.name if group else "",
            description=group.description if group else "",
            members=[u.id for u in group.members] if group else [],
        )
        form.members.choices = [(u.id, u.name) for u in agents]
        return render_template("admin/group_form.html", form=form, group=group)
    form = GroupForm()
    form.members.choices = [(u.id, u.name) for u in agents]
    if form.validate():
        chosen = set(form.members.data or [])
        try:
            saved = groups.save_group(
                form.name.data,
                description=form.description.data or "",
                members=[u for u in agents if u.id in chosen],
                group=group,
            )
        except groups.GroupError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            flash(_("The group “%(name)s” is saved.", name=saved.name), "success")
            return redirect(url_for("admin.group_list"))
    return render_template("admin/group_form.html", form=form, group=group), 400


@bp.post("/groups/<int:group_id>/delete")
def group_delete(group_id: int):
    """Delete a group; its tickets keep their assignee and lose the group."""
    group = groups.get_group(group_id)
    if group is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = group.name
    count = groups.delete_group(group)
    flash(
        _("The group “%(name)s” is deleted (%(count)d tickets lost it).", name=name, count=count),
        "success",
    )
    return redirect(url_for("admin.group_list"))
