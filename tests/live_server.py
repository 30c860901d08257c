"""A real gunicorn serving the app on a free port, for the integration tests (services)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = Path(__file__).parent / "data" / "articles"


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict | None = None, data: bytes | None = None):
    """(status, headers, body) of one request, never raising for HTTP errors."""
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


class GunicornSite:
    """The help center in a temporary folder, served by gunicorn with ``workers`` workers."""

    def __init__(self, root: Path, *, workers: int = 2, env: dict | None = None):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if not (root / "articles").exists():
            shutil.copytree(DATA, root / "articles")
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PORTAL_SECRET_KEY": "live-server-test-secret",
            "PORTAL_PUBLIC_URL": self.url,
            "PORTAL_SESSION_COOKIE_SECURE": "0",
            "PORTAL_EMBEDDER": "fake",
            "PORTAL_INSTANCE_DIR": str(root / "instance"),
            "PORTAL_ARTICLES_DIR": str(root / "articles"),
            "PORTAL_DATABASE_URL": f"sqlite:///{root / 'portal.db'}",
            "PORTAL_WEB_WORKERS": str(workers),
            "PORTAL_BIND": f"127.0.0.1:{self.port}",
            **(env or {}),
        }
        self.env.pop("DATABASE_URL", None) if "DATABASE_URL" not in (env or {}) else None
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        """Run ``portal <args>`` for this site."""
        done = subprocess.run(
            [sys.executable, "-m", "portal.cli", *args],
            env=self.env, cwd=self.root, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, timeout: float = 120) -> GunicornSite:
        """Migrate, build the index, start gunicorn and wait until /readyz says ready."""
        self.cli("db", "upgrade")
        self.cli("index", "build")
        log = open(self.root / "gunicorn.log", "ab")  # noqa: SIM115 - closed in stop
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn_conf", "portal.wsgi:app"],
            env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError((self.root / "gunicorn.log").read_text()[-3000:])
            try:
                if get(self.url + "/readyz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError("gunicorn never became ready")

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the arbiter)."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
