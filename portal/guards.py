"""Input no view can use is refused before any view runs, with a clear 400.

- JSON nested deeper than Python can parse (it raised RecursionError: a 500) or carrying a
  NUL character (PostgreSQL refuses NUL in text, so it failed at insert: a 500).
- NUL characters in a query parameter or a path (``/agent/tickets/%00``: the lookup failed on
  PostgreSQL), for the same reason; forms refuse them per field (:class:`GuardedForm`).
- A file sent where a form takes none (``curl -F body=@x``): the field then arrives as an
  upload, not as text, and the view's length check met ``None``. A view that takes files
  says so with :func:`accepts_files`.
- JSON text that is not Unicode (a lone surrogate such as ``"\\ud800"``): valid JSON, but
  no database can store it (UnicodeEncodeError at insert: a 500).
- JSON posted to a form: Flask-WTF reads a JSON body as the form's fields, and anything but
  an object of text values broke it (``5``, ``[1]``) or the validators after it
  (``{"body": 5}``): a 500 on every form. A view that reads its body itself says so with
  :func:`reads_body`; the others take an object of text fields or nothing.
- Ids beyond what a database integer holds (``/admin/jobs/99999999999999999999/retry``, or
  ``?assignee=…`` in the queue): SQLite raised OverflowError, PostgreSQL an out-of-range
  error. The ``int`` URL converter is bounded (a 404 past it), and :func:`database_id`
  reads an id from a parameter.
"""

from __future__ import annotations

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError

MAX_JSON_DEPTH = 32
# PostgreSQL's INTEGER (the id columns): the smallest integer column of the databases used.
MAX_DATABASE_ID = 2**31 - 1
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnreadableInput(BadRequest):
    """A request refused here (the error pages show it in the visitor's language)."""


class NoNul:
    """A NUL character cannot be stored (PostgreSQL refuses it, even in a lookup): refuse it
    with the field marked, keeping everything typed."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and "\x00" in field.data:
            raise ValidationError(_l("Remove the invisible control character from this text."))


class GuardedForm(FlaskForm):
    """Every form of the site: each text field refuses NUL characters (:class:`NoNul`), so a
    form nobody thought of (sign-in, agent reply, article editor) cannot take one to the
    database; the page comes back with the field marked and the rest kept."""

    def validate(self, extra_validators=None):
        """Validate with :class:`NoNul` added to every field."""
        extra = {name: [NoNul()] for name in self._fields}
        for name, validators in (extra_validators or {}).items():
            extra.setdefault(name, []).extend(validators)
        return super().validate(extra_validators=extra)


def accepts_files(view):
    """Mark a view as one that takes uploaded files."""
    view.accepts_files = True
    return view


def reads_body(view):
    """Mark a view that reads the request body itself (JSON of any shape, which it checks,
    or raw bytes): the form checks here leave its body alone, unread."""
    view.reads_body = True
    return view


def database_id(text: str | None) -> int | None:
    """``text`` as a row id when it is one a database can hold (ASCII digits, at most
    :data:`MAX_DATABASE_ID`), else None. ``"²".isdigit()`` is true, ``int("²")`` fails."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_DATABASE_ID else None


class DatabaseIdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter, bounded by :data:`MAX_DATABASE_ID` (past it: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DATABASE_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_unicode(text: str) -> bool:
    """Whether ``text`` can be stored: no lone surrogates (JSON's ``"\\ud800"`` makes one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_json(value, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("JSON text contains a NUL character")
        if not is_unicode(value):
            raise ValueError("JSON text contains a lone surrogate")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what no view here can store: too deep, or NUL characters.
    A ``ValueError`` makes ``request.get_json`` answer 400 (or None with ``silent``)."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        _check_json(value)
        return value


def _is_text_fields(value) -> bool:
    """A JSON body a form can read: an object whose values are text or lists of text."""
    if not isinstance(value, dict):
        return False
    return all(
        isinstance(item, str) or (isinstance(item, list) and all(isinstance(i, str) for i in item))
        for item in value.values()
    )


def refuse_unreadable_input():
    """``before_request``: NUL characters in the URL (a 404 in the path), files where none are
    taken, or JSON a form cannot read: 400. Form fields are the forms' to check, so the page
    can come back filled in with the field marked (see :class:`GuardedForm`)."""
    for values in (request.args,):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise UnreadableInput("A field contains a NUL character.")
    if any(isinstance(v, str) and "\x00" in v for v in (request.view_args or {}).values()):
        raise NotFound()  # no page is named with a NUL character
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "reads_body", False):
        return  # no such page (routing answers 404 or 405), or a body the view reads itself
    if request.files and not getattr(view, "accepts_files", False):
        raise UnreadableInput("This form takes no files.")
    if (
        request.method in SUBMIT_METHODS
        and request.is_json
        and not _is_text_fields(request.get_json(silent=True))
    ):
        raise UnreadableInput("This form takes an object of text fields.")


def init_app(app) -> None:
    """Install the JSON provider, the bounded ``int`` converter and the request check
    (before any blueprint adds its routes)."""
    app.json = GuardedJSONProvider(app)
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(refuse_unreadable_input)
