"""The ``portal`` command line: thin wrappers over the library functions."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from bench.analytics_bench import analytics_command
from bench.cli import bench_command, eval_command
from bench.inbound_worker_bench import inbound_command
from portal.models import ROLES
from portal.store import GLOSSARY_FILE


def _create_app(*_args):
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli():
    """Help center management commands."""


# Measurements need no Flask app, so they sit on the group itself, not on app.cli.
cli.add_command(eval_command)
cli.add_command(bench_command)
cli.add_command(analytics_command, name="bench-analytics")
cli.add_command(inbound_command, name="bench-inbound")


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
    for locale, term in store.glossary.unfindable():
        click.echo(
            f"WARNING {store.root / GLOSSARY_FILE}: {locale} term {term!r} is never found in a"
            " query (nothing of it is left to look for once analysed, or a verb is not read"
            " as one); write it another way",
            err=True,
        )
    if store.problems:
        click.echo(f"{len(store.problems)} file(s) skipped; fix them and run again.", err=True)
        sys.exit(1)
    click.echo("All article files are valid.")


@articles_group.command("sync")
@with_appcontext
def articles_sync():
    """Record article files a writer added, changed or deleted on this node's disk in the
    shared record, take what other nodes recorded, then reindex only what changed."""
    from portal.replication import replica_for
    from portal.search import get_search

    app = current_app._get_current_object()
    outcome = replica_for(app).reconcile(import_local=True)
    service = get_search()
    report = service.build(only_if_stale=True)
    for problem in service.store.problems:
        click.echo(f"SKIPPED {problem}", err=True)
    for rel in outcome.conflicts:
        click.echo(
            f"CONFLICT {rel}: changed here and on another node; kept the other node's version,"
            " this node's text is in the article's history",
            err=True,
        )
    for rel in outcome.kept_local:
        click.echo(f"NOT RECORDED {rel}: another node changed it meanwhile; run again", err=True)
    click.echo(
        f"Shared record: {len(outcome.imported)} recorded from this node, "
        f"{len(outcome.pulled)} pulled, {len(outcome.deleted)} deleted, "
        f"{len(outcome.conflicts)} conflicts."
    )
    click.echo(
        f"Synced: {report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged."
    )


@click.group("index")
def index_group():
    """Build the search index."""


@index_group.command("build")
@click.option(
    "--if-stale", is_flag=True, help="Only reindex articles that changed (fast when fresh)."
)
@with_appcontext
def index_build(if_stale: bool):
    """Build the search index from the article store (atomically replacing the live one)."""
    from portal.search import get_search

    service = get_search()
    bar = {"last": -1}

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent // 10 != bar["last"]:
            bar["last"] = percent // 10
            click.echo(f"  embedding chunks: {done}/{total} ({percent}%)", err=True)

    report = service.build(progress=progress, only_if_stale=if_stale)
    click.echo(
        f"Index ready in {service.index_dir}: {report.added} added, {report.updated} updated, "
        f"{report.removed} removed, {report.unchanged} unchanged; "
        f"{report.chunks_embedded} chunks embedded in {report.seconds:.1f}s."
    )


@click.group("users")
def users_group():
    """Manage staff accounts (agents, writers, admins)."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--role", "roles", multiple=True, type=click.Choice(list(ROLES)))
@click.password_option(help="Password (prompted when omitted).")
@with_appcontext
def users_create(email: str, name: str | None, roles: tuple[str, ...], password: str):
    """Create a staff account, or update the roles and password of an existing one."""
    from portal.users import UserError, save_user

    try:
        user = save_user(email, password, roles=roles, name=name)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Saved {user.email} with roles: {user.roles or '(none)'}")


@users_group.command("demo")
@with_appcontext
def users_demo():
    """Create the missing demo agent and writer (development only); never reset a password."""
    from portal.users import DEMO_USERS, create_demo_users

    created = create_demo_users()
    for email, password, roles, _name in DEMO_USERS:
        if email in created:
            click.echo(f"  demo {','.join(roles)}: {email} / {password} (created)")
        else:
            click.echo(f"  demo {','.join(roles)}: {email} (exists; password unchanged)")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int, envvar="PORT")
@with_appcontext
def serve(host: str, port: int):
    """Serve the site (threaded) after warming the search engine in the background."""
    import threading

    from werkzeug.serving import run_simple

    from portal.config import check_secret_key, default_public_url
    from portal.search import get_search

    app = current_app._get_current_object()
    check_secret_key(app)
    default_public_url(app.config, host, port)
    service = get_search()
    threading.Thread(target=service.warm_up, name="warm-up", daemon=True).start()
    click.echo(f"Help center: http://{host}:{port}/  (Ctrl+C to stop)")
    # Flask's app.run() refuses to start inside a `flask`-style CLI command.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every node duty and every due job, then exit.")
@with_appcontext
def worker(once: bool):
    """Run background jobs (email, index updates, article mirroring) until stopped."""
    import logging

    from portal.jobs.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    app = current_app._get_current_object()
    runner = Worker(app, poll_seconds=app.config["WORKER_POLL_SECONDS"])
    if once:
        click.echo(f"{runner.run_once()} job(s) run.")
        return
    runner.run_forever()


@click.command("run")
@click.option("--host", default="127.0.0.1", envvar="HOST")
@click.option("--port", default=5000, type=int, envvar="PORT")
def run_command(host: str, port: int):
    """Serve with gunicorn and run the worker beside it (what `make run` does)."""
    from portal.runner import run

    env = {"HOST": host, "PORT": str(port)}
    os.environ.setdefault("PORTAL_PUBLIC_URL", f"http://{host}:{port}")
    click.echo(f"Help center: http://{host}:{port}/  (web + worker; Ctrl+C stops both)")
    if not os.environ.get("PORTAL_SMTP_URL"):
        click.echo("No PORTAL_SMTP_URL: emails go to instance/mail/ (read them: portal mail list)")
    sys.exit(run(env))


# Starts processes that create their own apps: needs none itself, so it sits on the group.
cli.add_command(run_command)


@click.group("jobs")
def jobs_group():
    """Inspect and retry background jobs."""


@jobs_group.command("list")
@click.option("--failed", is_flag=True, help="Only jobs that used up their attempts.")
@with_appcontext
def jobs_list(failed: bool):
    """Jobs waiting, running or failed, with their last error."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import Job

    query = sa.select(Job).order_by(Job.id.desc()).limit(200)
    query = query.where(Job.state == "failed") if failed else query.where(Job.state != "done")
    rows = list(db.session.execute(query).scalars())
    for job in rows:
        error = (job.last_error or "").strip().splitlines()[-1:] or [""]
        click.echo(f"{job.id}\t{job.kind}\t{job.state}\tattempts={job.attempts}\t{error[0]}")
    click.echo(f"{len(rows)} job(s).")


@jobs_group.command("retry")
@click.argument("job_id", type=int)
@with_appcontext
def jobs_retry(job_id: int):
    """Queue a failed job again with fresh attempts."""
    from portal.jobs import retry_job

    if retry_job(job_id) is None:
        raise click.ClickException(f"job {job_id} is not a failed job")
    click.echo(f"Job {job_id} queued again.")


@click.group("api-keys")
def api_keys_group():
    """API keys for server-to-server clients (Authorization: Bearer <key> on /api/v1)."""


@api_keys_group.command("create")
@click.argument("name")
@click.option(
    "--limit",
    "rate_limit",
    default=None,
    help='This key\'s own limit, e.g. "600/minute" (default: PORTAL_RATE_LIMIT_API).',
)
@with_appcontext
def api_keys_create(name: str, rate_limit: str | None):
    """Create a key and print it: the only time it is shown (only its hash is kept)."""
    from portal.api_keys import ApiKeyError, create_key

    try:
        created = create_key(name, rate_limit)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    limit = created.key.rate_limit or f"{current_app.config['RATE_LIMITS'].api} (default)"
    click.echo(f"Created API key {created.key.id} {created.key.name!r}, limit {limit}.")
    click.echo("Store it now; it is not shown again:")
    click.echo(created.secret)


@api_keys_group.command("list")
@with_appcontext
def api_keys_list():
    """Every key: number, prefix, name, limit, last use, and whether it is revoked."""
    from portal.api_keys import list_keys

    default = current_app.config["RATE_LIMITS"].api
    keys = list_keys()
    if not keys:
        click.echo("No API keys. Create one: portal api-keys create NAME")
    for key in keys:
        used = key.last_used_at.strftime("%Y-%m-%d %H:%M") if key.last_used_at else "never"
        state = "revoked " + key.revoked_at.strftime("%Y-%m-%d") if key.revoked_at else "active"
        limit = key.rate_limit or f"{default} (default)"
        click.echo(f"{key.id:>4}  hc_{key.prefix}_…  {key.name}  {limit}  used {used}  {state}")


@api_keys_group.command("revoke")
@click.argument("ref")
@with_appcontext
def api_keys_revoke(ref: str):
    """Revoke a key by its name, number or prefix; its next request gets 401."""
    from portal.api_keys import ApiKeyError, revoke_key

    try:
        key = revoke_key(ref)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Revoked API key {key.id} {key.name!r}.")


@click.group("customers")
def customers_group():
    """A customer's data: export it, or erase it on their request."""


@customers_group.command("export")
@click.argument("email")
@with_appcontext
def customers_export(email: str):
    """Print everything kept about EMAIL as JSON (what "Download my data" gives them)."""
    import json

    from portal.customers.privacy import customer_data

    click.echo(json.dumps(customer_data(email), ensure_ascii=False, indent=1))


@customers_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def customers_erase(email: str, yes: bool):
    """Anonymise every ticket, message and email of EMAIL and delete its stored mail."""
    from portal.customers.privacy import erase_customer

    if not yes:
        click.confirm(f"Erase everything kept about {email}? This cannot be undone", abort=True)
    report = erase_customer(email)
    click.echo(
        f"Erased: {report.tickets} tickets, {report.messages} messages, "
        f"{report.emails_sent} emails sent, {report.emails_received} received, "
        f"{report.files_deleted} files deleted."
    )


def init_app(app) -> None:
    """Register command groups on the app (FlaskGroup exposes them as ``portal ...``)."""
    from portal.mail.cli import mail_group

    for command in (
        articles_group,
        index_group,
        users_group,
        serve,
        worker,
        jobs_group,
        api_keys_group,
        customers_group,
    ):
        app.cli.add_command(command)
    app.cli.add_command(mail_group)


if __name__ == "__main__":  # python -m portal.cli, as the console script does
    cli()
