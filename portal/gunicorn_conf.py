"""gunicorn settings: ``gunicorn -c python:portal.gunicorn_conf portal.wsgi:app`` (or ``-c
portal/gunicorn_conf.py`` from the repository root; ``portal run`` and ``make run`` use it).

Read from the environment so one file serves ``make run``, systemd and containers:

- ``PORTAL_BIND`` (e.g. ``0.0.0.0:8000`` or ``unix:/run/portal.sock``), else
  ``127.0.0.1:$PORT`` (``PORT`` defaults to 5000, as ``make run``).
- ``PORTAL_WEB_WORKERS`` (default 2): processes; each holds its own copy of the embedding
  models (see the README's workers/memory table).
- ``PORTAL_WEB_THREADS`` (default 1): request threads per worker. 1 runs gunicorn's ``sync``
  worker; more runs ``gthread``. On the 2-core machine sync served search faster
  (docs/serving.md): a search is mostly Python holding the GIL, and the embedding calls
  are serialized per process anyway.
- ``PORTAL_WEB_TIMEOUT`` (default 120 s): a worker silent this long is restarted. It also
  bounds the start-up warm-up, which loads the models before the worker takes traffic.

Each worker warms the search service in ``post_worker_init`` (the index opened, every
embedding model loaded and run once), so its first visitor does not wait seconds for a
model; ``/readyz`` answers 200 from then on. The app is loaded once in the master
(``preload_app``): a missing ``PORTAL_PUBLIC_URL`` or secret key stops the server with one
clear message instead of workers failing to boot one after another. The models are not
loaded before the fork: their thread pools do not survive one.
"""

from __future__ import annotations

import os
import re

_threads = max(1, int(os.environ.get("PORTAL_WEB_THREADS", "1")))

bind = [
    os.environ.get("PORTAL_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
]
workers = max(1, int(os.environ.get("PORTAL_WEB_WORKERS", "2")))
threads = _threads
worker_class = "gthread" if _threads > 1 else "sync"
timeout = int(os.environ.get("PORTAL_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
preload_app = True
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")  # stdout
errorlog = "-"  # stderr
# Client addresses and schemes come from the app's own proxy rule (PORTAL_TRUSTED_PROXIES),
# never from headers gunicorn would trust by itself.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}
if os.path.isdir("/dev/shm"):  # nosec B108
    worker_tmp_dir = "/dev/shm"  # nosec B108 - heartbeat files off a possibly slow disk
# No gunicornc control socket: one fixed path per user, which a second instance on the
# same machine (a second node, a benchmark) would take over.
control_socket_disable = True
# The pure-Python HTTP parser, the one whose request-target rule is relaxed below.
http_parser = "python"


def accept_raw_utf8_targets() -> bool:
    """Accept raw UTF-8 bytes in the request target (``/api/v1/search?q=비밀번호``).

    Since version 25 gunicorn answers 400 to any byte above 0x7f in the request line (RFC
    9112 wants them percent-encoded). Browsers encode them, but curl, scripts and some
    proxies pass what was typed, and the README's first example is such a query; nginx and
    older gunicorn accept them too. Controls, spaces and DEL are still refused; the bytes
    reach the app as WSGI's latin-1 string, which Werkzeug decodes as UTF-8. Returns False
    when this gunicorn has no such rule to relax (tests/test_gunicorn.py notices).
    """
    from gunicorn.http import message

    if not hasattr(message, "RFC9112_TARGET_INVALID"):
        return False
    message.RFC9112_TARGET_INVALID = re.compile(r"[^\x21-\x7e\x80-\xff]")
    return True


accept_raw_utf8_targets()


def post_fork(server, worker):
    """Database connections opened in the master are not shared with a worker."""
    from portal.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def post_worker_init(worker):
    """Load the index and the embedding models before this worker takes traffic."""
    import time

    from portal.search import get_search

    started = time.perf_counter()
    with worker.wsgi.app_context():
        ready = get_search().warm_up()
    worker.log.info(
        "worker %s: search %s in %.1fs",
        worker.pid,
        "warm" if ready else "NOT ready (see /readyz)",
        time.perf_counter() - started,
    )
