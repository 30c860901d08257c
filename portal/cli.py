"""The ``portal`` command line: thin wrappers over the library functions."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app(*_args):
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli():
    """Help center management commands."""


@click.group("articles")
def articles_group():
    """Check and synchronise the Markdown article store."""


@articles_group.command("check")
@with_appcontext
def articles_check():
    """Validate every article file; exit 1 if any file is broken."""
    store = current_app.extensions["article_store"].load()
    articles = store.all()
    click.echo(f"{len(articles)} articles in {len(store.locales)} locales under {store.root}")
    for problem in store.problems:
        click.echo(f"ERROR {problem}", err=True)
    if store.problems:
        click.echo(f"{len(store.problems)} file(s) skipped; fix them and run again.", err=True)
        sys.exit(1)
    click.echo("All article files are valid.")


def init_app(app) -> None:
    """Register command groups on the app (FlaskGroup exposes them as ``portal ...``)."""
    app.cli.add_command(articles_group)
