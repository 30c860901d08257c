"""The writer's forms (Flask-WTF, so every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.guards import GuardedForm
from portal.store import MAX_ARTICLE_BYTES, VERSION_KEYS, Article
from portal.write.drafts import Draft, dump_extra, parse_extra, parse_tags

VISIBILITY_LABELS = {"public": _l("Public (customers)"), "internal": _l("Internal (agents only)")}


class ArticleForm(GuardedForm):
    """Front-matter fields, the Markdown body, the version it was loaded from, and actions."""

    article_id = StringField(_l("Id"), validators=[DataRequired(), Length(max=80)])
    locale = SelectField(_l("Language"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    slug = StringField(_l("File name (slug)"), validators=[Length(max=80)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    tags = StringField(_l("Tags (comma-separated)"), validators=[Length(max=500)])
    visibility = SelectField(_l("Visibility"), choices=list(VISIBILITY_LABELS.items()))
    body = TextAreaField(
        _l("Markdown"), validators=[Length(max=MAX_ARTICLE_BYTES * 2)], id="editor-body"
    )
    extra = TextAreaField(_l("Extra front matter (YAML)"), validators=[Length(max=10_000)])
    minor = BooleanField(_l("Minor edit: keep the “updated” date (translations stay current)"))
    version = HiddenField()
    status = HiddenField(default="draft")
    save = SubmitField(_l("Save draft"))
    publish = SubmitField(_l("Publish"))
    unpublish = SubmitField(_l("Unpublish"))
    preview = SubmitField(_l("Preview"))

    def set_choices(self, locales, locale_names: dict, categories, locale: str) -> None:
        """Fill the select boxes from the store (category names in the UI's language)."""
        self.locale.choices = [(code, locale_names.get(code, code)) for code in locales]
        self.category.choices = [(c.key, c.name(locale)) for c in categories]

    def fill(self, draft: Draft, version: str = "") -> None:
        """Show ``draft`` in the form (GET, or a prefilled new article)."""
        self.article_id.data = draft.article_id
        self.locale.data = draft.locale
        self.category.data = draft.category
        self.slug.data = draft.slug
        self.title.data = draft.title
        self.tags.data = ", ".join(draft.tags)
        self.visibility.data = draft.visibility
        self.body.data = draft.body
        shown = {k: v for k, v in draft.extra.items() if k not in VERSION_KEYS}
        self.extra.data = dump_extra(shown)
        self.status.data = draft.status
        self.version.data = version

    def action(self) -> str:
        """Which button was pressed: save, publish, unpublish or preview."""
        for name in ("publish", "unpublish", "preview"):
            if getattr(self, name).data:
                return name
        return "save"

    def to_draft(self, original: Article | None = None) -> Draft:
        """The submitted article; raises EditError for unreadable extra front matter."""
        action = self.action()
        if action == "publish":
            status = "published"
        elif action == "unpublish":
            status = "draft"
        else:
            status = original.status if original else "draft"
        return Draft(
            article_id=(self.article_id.data or "").strip(),
            locale=self.locale.data or "",
            category=self.category.data or "",
            title=(self.title.data or "").strip(),
            body=self.body.data or "",
            slug=(self.slug.data or "").strip(),
            tags=parse_tags(self.tags.data),
            status=status,
            visibility=self.visibility.data or "public",
            updated=original.updated if original else None,
            extra=parse_extra(self.extra.data),
        )


class ConfirmForm(GuardedForm):
    """A confirmed action on one version of an article (delete, restore)."""

    version = HiddenField()
    submit = SubmitField(_l("Confirm"))
