"""Forms of the ownership side of the workspace: a ticket's properties (group, assignee,
priority, tags) and the queue's bulk actions. Choices come from the database per request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length

from portal.agent.groups import all_groups
from portal.agent.queue import staff
from portal.guards import GuardedForm

PRIORITY_LABELS = {
    "low": _pl("ticket priority", "Low"),
    "normal": _pl("ticket priority", "Normal"),
    "high": _pl("ticket priority", "High"),
    "urgent": _pl("ticket priority", "Urgent"),
}
MAX_TAG_FIELD = 500


def agent_choices() -> list[tuple[str, str]]:
    """Active agents, by name, as select choices."""
    return [(str(u.id), u.name) for u in staff()]


def group_choices() -> list[tuple[str, str]]:
    """Every group, by name, as select choices."""
    return [(str(g.id), g.name) for g in all_groups()]


class PropertiesForm(GuardedForm):
    """One ticket's group, assignee, priority and tags (comma-separated)."""

    group = SelectField(_l("Group"))
    assignee = SelectField(_l("Assignee"))
    priority = SelectField(_l("Priority"), choices=list(PRIORITY_LABELS.items()))
    tags = StringField(_l("Tags"), validators=[Length(max=MAX_TAG_FIELD)])
    save = SubmitField(_l("Save"))

    def fill_choices(self) -> PropertiesForm:
        """Load the group and agent choices ("none" first)."""
        self.group.choices = [("", _l("No group")), *group_choices()]
        self.assignee.choices = [("", _l("Unassigned")), *agent_choices()]
        return self


class BulkForm(GuardedForm):
    """Changes for the tickets ticked in the queue; "" leaves a field as it is."""

    assignee = SelectField(_l("Assignee"), default="")
    group = SelectField(_l("Group"), default="")
    status = SelectField(_l("Status"), default="")
    priority = SelectField(_l("Priority"), default="")
    add_tags = StringField(_l("Add tags"), validators=[Length(max=MAX_TAG_FIELD)])
    remove_tags = StringField(_l("Remove tags"), validators=[Length(max=MAX_TAG_FIELD)])
    apply = SubmitField(_l("Apply to selected"))

    def fill_choices(self, status_labels) -> BulkForm:
        """Load the choices; each list starts with "no change"."""
        keep = ("", _l("No change"))
        self.assignee.choices = [keep, ("none", _l("Unassigned")), *agent_choices()]
        self.group.choices = [keep, ("none", _l("No group")), *group_choices()]
        self.status.choices = [keep, *status_labels.items()]
        self.priority.choices = [keep, *PRIORITY_LABELS.items()]
        return self
