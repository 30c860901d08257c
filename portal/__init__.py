"""The help center's Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from portal.config import PROJECT_ROOT, apply_public_url, load_config


class Portal(Flask):
    """Flask, except that external URLs use ``PUBLIC_URL``'s scheme when it is set."""

    def url_for(self, endpoint: str, *, _external: bool | None = None, **values) -> str:
        """:meth:`flask.Flask.url_for`; with ``PUBLIC_URL`` an external URL also takes its
        scheme (the host comes from ``SERVER_NAME``; inside a request Flask would otherwise
        take the scheme of the request, plain http behind a TLS proxy)."""
        if self.config.get("PUBLIC_URL") and _external and values.get("_scheme") is None:
            values["_scheme"] = self.config["PREFERRED_URL_SCHEME"]
        return super().url_for(endpoint, _external=_external, **values)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an app; ``test_config`` overrides everything else."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    app = Portal(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(Path(load_config()["INSTANCE_DIR"]).resolve()),
    )
    configure_settings(app, test_config)
    configure_extensions(app)
    configure_services(app)
    configure_blueprints(app)
    configure_security_headers(app)
    return app


def configure_settings(app: Flask, test_config: dict | None) -> None:
    """Defaults, then the environment, then ``instance/portal.cfg``, then test overrides."""
    app.config.update(load_config())
    app.config["TRANSLATIONS_DIR"] = Path(__file__).parent / "translations"
    # Flask resolves a relative name against the package folder, not the instance folder.
    app.config.from_pyfile(Path(app.instance_path) / "portal.cfg", silent=True)
    if test_config:
        app.config.update(test_config)
    apply_public_url(app.config)
    from portal.widget.cors import parse_origins

    if isinstance(app.config["WIDGET_ORIGINS"], str):
        app.config["WIDGET_ORIGINS"] = parse_origins(app.config["WIDGET_ORIGINS"])
    else:
        app.config["WIDGET_ORIGINS"] = parse_origins(",".join(app.config["WIDGET_ORIGINS"]))
    for key in ("INSTANCE_DIR", "ARTICLES_DIR", "INDEX_DIR"):
        app.config[key] = Path(app.config[key])
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)


def configure_extensions(app: Flask) -> None:
    """Attach database, migrations, CSRF, rate limits, sessions and i18n."""
    from portal import auth, guards, i18n, limits, models  # noqa: F401  (models register tables)
    from portal.extensions import csrf, db, migrate

    guards.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)


def configure_services(app: Flask) -> None:
    """The article store and the search service, one per app."""
    from portal import search
    from portal.store import ArticleStore

    store = ArticleStore(
        app.config["ARTICLES_DIR"], app.config["LOCALES"], app.config["DEFAULT_LOCALE"]
    ).load()
    app.extensions["article_store"] = store
    search.init_app(app)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def content_security_policy(image_origins) -> str:
    """Scripts only from this site's own files (no inline script runs, so markup that slips
    past the sanitizer cannot execute); images from here or the listed origins
    (``PORTAL_IMAGE_ORIGINS``), so an article cannot make readers' browsers call a tracker."""
    images = " ".join(["'self'", "data:", *image_origins])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def configure_security_headers(app: Flask) -> None:
    """Browser hardening on every response; a view's own value wins (the private ticket
    page sends ``Referrer-Policy: no-referrer``)."""
    headers = dict(SECURITY_HEADERS)
    headers["Content-Security-Policy"] = content_security_policy(app.config["IMAGE_ORIGINS"])

    @app.after_request
    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response


def configure_blueprints(app: Flask) -> None:
    """Register every blueprint and the CLI commands."""
    from portal import cli, health
    from portal.admin.views import bp as admin_bp
    from portal.agent.views import bp as agent_bp
    from portal.analytics.views import bp as analytics_bp
    from portal.api import widget as _widget_api  # noqa: F401  (its routes join api_bp)
    from portal.api.views import bp as api_bp
    from portal.auth_views import bp as auth_bp
    from portal.customers.views import bp as customers_bp
    from portal.errors import bp as errors_bp
    from portal.help.views import bp as help_bp
    from portal.mail.views import bp as mail_bp
    from portal.satisfaction.views import bp as satisfaction_bp
    from portal.tickets.views import bp as tickets_bp
    from portal.widget.views import bp as widget_bp
    from portal.write.views import bp as write_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(help_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(satisfaction_bp)
    app.register_blueprint(customers_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(widget_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(agent_bp)
    app.register_blueprint(analytics_bp)
    app.register_blueprint(write_bp)
    app.register_blueprint(admin_bp)
    health.init_app(app)
    app.register_blueprint(mail_bp)
    cli.init_app(app)
