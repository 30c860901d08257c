"""Browser tests: a live server in a thread, driven by Playwright on Debian's chromium.

A missing chromium fails the tests (``make browser`` installs it); it never skips them.
"""

from __future__ import annotations

import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from portal.cli import cli
from tests.conftest import TEST_ARTICLES, make_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_app(tmp_path, built_index):
    """A CSRF-protected app over private copies of the test articles and index, with the
    demo agent and writer accounts."""
    articles = tmp_path / "articles"
    shutil.copytree(TEST_ARTICLES, articles)
    shutil.copytree(built_index, tmp_path / "index")
    app = make_app(tmp_path, articles, f"sqlite:///{tmp_path / 'e2e.db'}", WTF_CSRF_ENABLED=True)
    result = app.test_cli_runner().invoke(cli, ["users", "demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture
def live_url(live_app):
    """The base URL of ``live_app`` served over real HTTP, with the node's worker running
    beside it (it indexes what writers publish, as ``portal worker`` does)."""
    from portal.jobs.worker import Worker

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = Worker(live_app, poll_seconds=0.2)

    def work():  # run_forever's signal handlers belong to the main thread
        while not worker.stop.is_set():
            worker.run_duties()
            worker.run_pending()
            worker.stop.wait(worker.poll_seconds)

    worker_thread = threading.Thread(target=work, name="worker", daemon=True)
    worker_thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    worker.stop.set()
    worker_thread.join(30)
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the session."""
    assert CHROMIUM, (
        "chromium is not installed: run `make browser` (Debian: apt-get install chromium)"
    )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (own cookies) with a browser language."""
    contexts = []

    def open_page(locale: str = "en-US"):
        context = browser.new_context(locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
