"""Two nodes behave as one help center: two gunicorn instances with their own instance,
articles and index folders and one ``portal worker`` each, over one PostgreSQL and Redis.

A ticket filed on node a is answered from node b; an article a writer publishes on a is
served and searchable on b within 10 s, without a restart; b, stopped while a publishes,
catches up when it starts again.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_ARTICLES

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "two-nodes-share-one-record"
WITHIN = 10.0  # seconds: the promise for a publish to reach every node


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A browser of one node: its own cookies, no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect()
        )

    def request(self, path: str, data=None, json_body=None) -> tuple[int, str]:
        headers = {}
        body = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, (path, status, page[:500])
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def sign_in(self, email: str) -> None:
        token = self.csrf("/login")
        status, page = self.request(
            "/login", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        assert status == 302, page[:500]


class Node:
    """One node's folders, environment and processes."""

    def __init__(self, name: str, root: Path, database: str, redis: str):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = root
        shutil.copytree(TEST_ARTICLES, root / "articles")
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PORTAL_SECRET_KEY": "two-nodes-test-secret",
            "PORTAL_PUBLIC_URL": self.url,
            "PORTAL_SESSION_COOKIE_SECURE": "0",
            "PORTAL_EMBEDDER": "fake",
            "PORTAL_INSTANCE_DIR": str(root / "instance"),
            "PORTAL_ARTICLES_DIR": str(root / "articles"),
            "PORTAL_INDEX_DIR": str(root / "index"),
            "DATABASE_URL": database,
            "REDIS_URL": redis,
            # Both nodes count rate limits together, apart from other runs on this Redis.
            "PORTAL_RATE_LIMIT_KEY_PREFIX": f"two-nodes-{abs(hash(str(root.parent)))}",
            "PORTAL_NODE_NAME": name,
            "PORTAL_WORKER_POLL_SECONDS": "0.5",
        }
        self.processes: list[subprocess.Popen] = []

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), "-m", "portal.cli", *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self) -> None:
        """gunicorn with two workers, and this node's ``portal worker``."""
        logs = open(self.root / f"node-{self.name}.log", "ab")  # noqa: SIM115 - closed at stop
        for command in (
            [str(BIN / "python"), "-m", "portal.cli", "worker"],
            [str(BIN / "gunicorn"), "-w", "2", "--bind", f"127.0.0.1:{self.port}"]
            + ["portal.wsgi:app"],
        ):
            self.processes.append(
                subprocess.Popen(
                    command,
                    env=self.env,
                    cwd=self.root,
                    stdout=logs,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(self.url).request("/en/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"node {self.name} did not start: {self.log()[-3000:]}")

    def stop(self) -> None:
        """Kill this node's processes (and only them)."""
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)
        self.processes.clear()

    def log(self) -> str:
        path = self.root / f"node-{self.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def private_schema(url: str, schema: str, *, create: bool) -> str:
    """Drop (then, with ``create``, make again) the schema this run keeps its tables in:
    the database is shared between runs, and between people running this test at once.
    Returns the URL whose connections use it."""
    from portal.config import database_url

    engine = sa.create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


@pytest.fixture
def cluster(tmp_path):
    database = os.environ.get("TEST_NODES_DATABASE_URL")
    redis = os.environ.get("TEST_REDIS_URL")
    if not database or not redis:
        pytest.skip("TEST_NODES_DATABASE_URL and TEST_REDIS_URL name no servers (see .ci/run)")
    if not (BIN / "gunicorn").exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    schema = f"two_nodes_{os.getpid()}"
    shared = private_schema(database, schema, create=True)  # no tables left from a run
    a = Node("a", tmp_path / "a", shared, redis)
    b = Node("b", tmp_path / "b", shared, redis)
    a.cli("db", "upgrade")
    a.cli("users", "create", "writer@example.com", "--role", "writer", "--password", PASSWORD)
    b.cli("users", "create", "agent@example.com", "--role", "agent", "--password", PASSWORD)
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()
        private_schema(database, schema, create=False)


def publish(client: Client, article_id: str, title: str, body: str) -> None:
    """A writer's "Publish" of a new article in the browser editor."""
    token = client.csrf("/write/new")
    fields = {
        "csrf_token": token,
        "article_id": article_id,
        "locale": "en",
        "category": "orders-delivery",
        "slug": "",
        "title": title,
        "tags": "",
        "visibility": "public",
        "body": body,
        "extra": "",
        "version": "",
        "publish": "1",
    }
    status, page = client.request("/write/new", fields)
    assert status == 302, page[:2000]


def served_and_found(node: Node, article_id: str, word: str, within: float) -> float:
    """Seconds until ``node`` serves the article and its search finds it (fails after
    ``within``)."""
    client = Client(node.url)
    started = time.monotonic()
    while True:
        served = client.request(f"/en/articles/{article_id}")[0] == 200
        status, body = client.request(f"/api/v1/search?q={word}&locale=en")
        found = status == 200 and article_id in [hit["id"] for hit in json.loads(body)["results"]]
        elapsed = time.monotonic() - started
        if served and found:
            return elapsed
        assert elapsed < within, f"not on node {node.name} after {within}s: {node.log()[-3000:]}"
        time.sleep(0.25)


def test_two_nodes_share_tickets_and_published_articles_and_a_stopped_node_catches_up(cluster):
    a, b = cluster

    # A ticket filed on a is answered from b.
    status, body = Client(a.url).request(
        "/api/v1/tickets",
        json_body={
            "email": "minji@example.com",
            "name": "Minji",
            "subject": "My parcel never came",
            "description": "The tracking page has said out for delivery for three days.",
            "category": "orders-delivery",
            "locale": "en",
        },
    )
    assert status == 201, body
    filed = json.loads(body)
    agent = Client(b.url)
    agent.sign_in("agent@example.com")
    path = f"/agent/tickets/{filed['reference']}"
    token = agent.csrf(path)
    assert "out for delivery for three days" in agent.request(path)[1]
    reply = {"csrf_token": token, "body": "It is at your building's front desk.", "send": "1"}
    assert agent.request(f"{path}/messages", reply | {"status": "pending"})[0] == 302
    private = urllib.parse.urlsplit(filed["url"]).path
    assert "front desk" in Client(a.url).request(private)[1]

    # An article published on a is served and searchable on b within 10 s.
    writer = Client(a.url)
    writer.sign_in("writer@example.com")
    publish(writer, "gift-wrapping", "Gift wrapping", "Choose the plumfeather paper.\n")
    seconds = served_and_found(b, "gift-wrapping", "plumfeather", WITHIN)
    print(f"published on a, served and found on b after {seconds:.1f}s")

    # b is down while a publishes; started again, it catches up.
    b.stop()
    publish(writer, "snow-chains", "Deliveries in snow", "Couriers fit zorblefrost chains.\n")
    served_and_found(a, "snow-chains", "zorblefrost", WITHIN)
    restarted = time.monotonic()
    b.start()
    served_and_found(b, "snow-chains", "zorblefrost", WITHIN)
    seconds = time.monotonic() - restarted
    print(f"b restarted: serves and finds the article published meanwhile {seconds:.1f}s later")
