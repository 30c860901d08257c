"""Input no view can use is refused before any view runs, with a clear 400.

- JSON nested deeper than Python can parse (it raised RecursionError: a 500) or carrying a
  NUL character (PostgreSQL refuses NUL in text, so it failed at insert: a 500).
- NUL characters in a query parameter, for the same reason (forms refuse them per field).
- A file sent where a form takes none (``curl -F body=@x``): the field then arrives as an
  upload, not as text, and the view's length check met ``None``. A view that takes files
  says so with :func:`accepts_files`.
"""

from __future__ import annotations

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 32


class UnreadableInput(BadRequest):
    """A request refused here (the error pages show it in the visitor's language)."""


def accepts_files(view):
    """Mark a view as one that takes uploaded files."""
    view.accepts_files = True
    return view


def _check_json(value, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("JSON text contains a NUL character")
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


def refuse_unreadable_input():
    """``before_request``: NUL characters in the URL's parameters, or files where none are
    taken: 400. Form fields are the forms' to check, so the page can come back filled in with
    the field marked (see ``portal.tickets.forms.NoNul``)."""
    for values in (request.args,):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise UnreadableInput("A field contains a NUL character.")
    if request.files:
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "accepts_files", False):
            raise UnreadableInput("This form takes no files.")


def init_app(app) -> None:
    """Install the JSON provider and the request check."""
    app.json = GuardedJSONProvider(app)
    app.before_request(refuse_unreadable_input)
