"""Customer pages (placeholder until the help blueprint lands)."""

from flask import Blueprint

bp = Blueprint("help", __name__)
