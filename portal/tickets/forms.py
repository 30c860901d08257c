"""The contact form (Flask-WTF: CSRF, bounded fields, messages in the customer's language)."""

from __future__ import annotations

import re
import uuid

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.guards import GuardedForm
from portal.tickets.service import LINE_BREAK_OR_CONTROL

# The local part: RFC 5322 atoms (letters, digits and !#$%&'*+/=?^_`{|}~-; letters include
# non-ASCII ones, RFC 6531) joined by single dots. The domain needs a dot. No spaces, quotes,
# angle brackets, line breaks or other control characters anywhere (\Z, unlike $, refuses a
# trailing newline).
EMAIL_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
EMAIL_DOMAIN_CHAR = r"[^@\s<>\"'\\\x00-\x1f\x7f-\x9f]"
EMAIL_PATTERN = (
    rf"^{EMAIL_ATOM}(?:\.{EMAIL_ATOM})*"
    rf"@{EMAIL_DOMAIN_CHAR}+\.{EMAIL_DOMAIN_CHAR}{{2,}}\Z"
)
LIMITS = {"email": 254, "name": 120, "subject": 200, "description": 5000}
# Short enough for a complete Korean request: 제목 "환불", 설명 "환불이 안 돼요".
MINIMUMS = {"subject": 2, "description": 5}


def strip_text(value):
    """Surrounding whitespace is not content: minimum lengths count what is kept."""
    return value.strip() if isinstance(value, str) else value


class HoneypotEmpty:
    """Humans never see the field; anything in it marks a bot."""

    def __call__(self, form, field):
        if field.data:
            raise ValidationError(_l("Leave this field empty."))


class SingleLine:
    """Subjects and names end up in email headers, where a line break starts a new header."""

    def __call__(self, form, field):
        if field.data and re.search(LINE_BREAK_OR_CONTROL, field.data):
            raise ValidationError(
                _l("Write this on one line, without line breaks or control characters.")
            )


def email_field() -> StringField:
    """The customer's address, as every customer form asks for it."""
    return StringField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address so we can answer you.")),
            Length(max=LIMITS["email"], message=_l("Use at most %(max)d characters.")),
            Regexp(
                EMAIL_PATTERN, message=_l("Enter a valid email address, like name@example.com.")
            ),
        ],
    )


class TicketForm(GuardedForm):
    """Email, name, subject, description, category and locale; plus bookkeeping fields."""

    email = email_field()
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Tell us your name.")),
            Length(max=LIMITS["name"], message=_l("Use at most %(max)d characters.")),
            SingleLine(),
        ],
    )
    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(_l("Add a short subject.")),
            Length(
                min=MINIMUMS["subject"],
                max=LIMITS["subject"],
                message=_l("Use %(min)d to %(max)d characters."),
            ),
            SingleLine(),
        ],
        filters=[strip_text],
    )
    description = TextAreaField(
        _l("How can we help?"),
        validators=[
            DataRequired(_l("Describe your question or problem.")),
            Length(
                min=MINIMUMS["description"],
                max=LIMITS["description"],
                message=_l("Use %(min)d to %(max)d characters."),
            ),
        ],
        filters=[strip_text],
    )
    category = SelectField(_l("Topic"), validators=[Optional()], validate_choice=True)
    locale = HiddenField()
    website = StringField(_l("Leave this field empty"), validators=[HoneypotEmpty()])
    submission_key = HiddenField(validators=[Optional(), Length(max=64)])
    suggested = HiddenField(validators=[Optional(), Length(max=2000)])
    opened = HiddenField(validators=[Optional(), Length(max=2000)])
    # The signed search-log id of the search the customer came from (help.feedback).
    sl = HiddenField(validators=[Optional(), Length(max=100)])

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
