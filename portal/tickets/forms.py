"""The contact form (Flask-WTF: CSRF, bounded fields, messages in the customer's language)."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

# The local part: RFC 5322 atoms (letters, digits and !#$%&'*+/=?^_`{|}~-; letters include
# non-ASCII ones, RFC 6531) joined by single dots. The domain needs a dot. No spaces, quotes,
# angle brackets or line breaks anywhere (\Z, unlike $, refuses a trailing newline).
EMAIL_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
EMAIL_PATTERN = (
    rf"^{EMAIL_ATOM}(?:\.{EMAIL_ATOM})*"
    r"@[^@\s<>\"'\\]+\.[^@\s<>\"'\\]{2,}\Z"
)
LIMITS = {"email": 254, "name": 120, "subject": 200, "description": 5000}


class HoneypotEmpty:
    """Humans never see the field; anything in it marks a bot."""

    def __call__(self, form, field):
        if field.data:
            raise ValidationError(_l("Leave this field empty."))


class TicketForm(FlaskForm):
    """Email, name, subject, description, category and locale; plus bookkeeping fields."""

    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address so we can answer you.")),
            Length(max=LIMITS["email"], message=_l("Use at most %(max)d characters.")),
            Regexp(
                EMAIL_PATTERN, message=_l("Enter a valid email address, like name@example.com.")
            ),
        ],
    )
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Tell us your name.")),
            Length(max=LIMITS["name"], message=_l("Use at most %(max)d characters.")),
        ],
    )
    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(_l("Add a short subject.")),
            Length(min=3, max=LIMITS["subject"], message=_l("Use %(min)d to %(max)d characters.")),
        ],
    )
    description = TextAreaField(
        _l("How can we help?"),
        validators=[
            DataRequired(_l("Describe your question or problem.")),
            Length(
                min=10,
                max=LIMITS["description"],
                message=_l("Use %(min)d to %(max)d characters."),
            ),
        ],
    )
    category = SelectField(_l("Topic"), validators=[Optional()], validate_choice=True)
    locale = HiddenField()
    website = StringField(_l("Leave this field empty"), validators=[HoneypotEmpty()])
    submission_key = HiddenField(validators=[Optional(), Length(max=64)])
    suggested = HiddenField(validators=[Optional(), Length(max=2000)])
    opened = HiddenField(validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, categories=(), locales=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Choose a topic (optional)")), *categories]
        self._locales = tuple(locales)
        if not self.submission_key.data:
            self.submission_key.data = uuid.uuid4().hex

    def validate_locale(self, field):
        """An unknown locale is refused, never guessed."""
        if field.data not in self._locales:
            raise ValidationError(_l("Unknown language."))

    def ids(self, name: str) -> list[str]:
        """A comma-separated hidden field as a list."""
        return [part for part in (getattr(self, name).data or "").split(",") if part]
