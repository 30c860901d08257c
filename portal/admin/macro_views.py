"""``/admin/macros``: admins write the team's saved replies, one text per locale."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import Length

from portal.admin.views import ActionForm, bp
from portal.agent import macros
from portal.agent.forms import PRIORITY_LABELS
from portal.agent.views import STATUS_LABELS
from portal.guards import GuardedForm
from portal.i18n import supported_locales


class MacroForm(GuardedForm):
    """A macro's name, actions and state; the texts are ``text-<locale>`` fields."""

    name = StringField(_l("Name"), validators=[Length(max=macros.MAX_NAME_CHARS)])
    set_status = SelectField(_l("Set the status to"), default="")
    set_priority = SelectField(_l("Set the priority to"), default="")
    add_tags = StringField(_l("Add tags"), validators=[Length(max=500)])
    active = BooleanField(_l("Agents can use it"), default=True)
    save = SubmitField(_l("Save macro"))

    def fill_choices(self) -> MacroForm:
        """Status and priority choices, "no change" first."""
        keep = ("", _l("No change"))
        self.set_status.choices = [keep, *STATUS_LABELS.items()]
        self.set_priority.choices = [keep, *PRIORITY_LABELS.items()]
        return self


def _texts() -> dict[str, str]:
    return {loc: request.form.get(f"text-{loc}", "") for loc in supported_locales()}


def _render(form: MacroForm, texts: dict[str, str], macro=None, status: int = 200):
    return (
        render_template(
            "admin/macro_form.html",
            form=form,
            texts=texts,
            macro=macro,
            fields=macros.FIELDS,
            max_text=macros.MAX_TEXT_CHARS,
        ),
        status,
    )


@bp.get("/macros")
def macro_list():
    """Every macro with its languages and actions."""
    return render_template(
        "admin/macros.html",
        macros=macros.all_macros(),
        form=ActionForm(),
        status_labels=STATUS_LABELS,
        priority_labels=PRIORITY_LABELS,
    )


@bp.route("/macros/new", methods=["GET", "POST"])
def macro_new():
    """Write a new macro."""
    return _edit(None)


@bp.route("/macros/<int:macro_id>", methods=["GET", "POST"])
def macro_edit(macro_id: int):
    """Change a macro."""
    macro = macros.get_macro(macro_id)
    if macro is None:
        abort(404)
    return _edit(macro)


def _edit(macro):
    if request.method == "GET":
        form = MacroForm(
            formdata=None,
            name=macro.name if macro else "",
            set_status=(macro.set_status or "") if macro else "",
            set_priority=(macro.set_priority or "") if macro else "",
            add_tags=", ".join(macro.add_tags or []) if macro else "",
            active=macro.active if macro else True,
        ).fill_choices()
        texts = {loc: (macro.text_for(loc) or "") if macro else "" for loc in supported_locales()}
        return _render(form, texts, macro)
    form = MacroForm().fill_choices()
    texts = _texts()
    if not form.validate_on_submit():
        return _render(form, texts, macro, 400)
    try:
        saved = macros.save_macro(
            form.name.data,
            texts,
            status=form.set_status.data or None,
            priority=form.set_priority.data or None,
            tags=form.add_tags.data or "",
            active=form.active.data,
            macro=macro,
        )
    except macros.MacroError as exc:
        form.name.errors = [str(exc)]
        return _render(form, texts, macro, 400)
    flash(_("The macro “%(name)s” is saved.", name=saved.name), "success")
    return redirect(url_for("admin.macro_list"))


@bp.post("/macros/<int:macro_id>/delete")
def macro_delete(macro_id: int):
    """Delete a macro (tickets it was applied to keep their messages)."""
    macro = macros.get_macro(macro_id)
    if macro is None or not ActionForm().validate_on_submit():
        abort(404 if macro is None else 400)
    name = macro.name
    macros.delete_macro(macro)
    flash(_("The macro “%(name)s” is deleted.", name=name), "success")
    return redirect(url_for("admin.macro_list"))
