"""``GET /widget.js``: the one script a site embeds (the file is static/widget/widget.js)."""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("widget", __name__)

SCRIPT_MAX_AGE_SECONDS = 300  # a new version reaches every embedding site within minutes


@bp.get("/widget.js")
def script():
    """The widget's script, cacheable for a few minutes and loadable from any site."""
    response = send_from_directory(
        current_app.static_folder,
        "widget/widget.js",
        mimetype="text/javascript",
        max_age=SCRIPT_MAX_AGE_SECONDS,
    )
    # Pages that isolate themselves (Cross-Origin-Embedder-Policy) may still load it.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
