"""gunicorn settings for the help center: ``gunicorn -c python:portal.gunicorn_conf
portal.wsgi:app`` (``make run`` and ``portal run`` use the same).

Each worker is a process with its own copy of the embedding models (see docs/serving.md for
the memory each costs). ``post_worker_init`` loads them and runs one search per locale before
the worker accepts its first connection, so no customer pays for the warm-up; the generous
``timeout`` covers that load on a slow machine.
"""

import os

bind = (
    os.environ.get("PORTAL_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
)
workers = int(os.environ.get("PORTAL_WEB_WORKERS", "2"))
# Threads let a worker answer a health probe or a page while another request searches.
threads = int(os.environ.get("PORTAL_WEB_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("PORTAL_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
errorlog = "-"
# Behind a proxy the client address comes from PORTAL_TRUSTED_PROXIES (ProxyFix in the app),
# not from gunicorn's own forwarded-allow-ips.
forwarded_allow_ips = "127.0.0.1"


def post_worker_init(worker):
    """Warm the search service before this worker takes traffic."""
    app = worker.wsgi
    with app.app_context():
        from portal.search import get_search

        ready = get_search().warm_up()
    worker.log.info("search warm-up %s in worker %s", "done" if ready else "failed", worker.pid)
