"""The load run: real gunicorn on the sample site, concurrent English and Korean searches
while an article is republished, and the memory each worker holds.

    python -m bench.load --workers 2 --clients 8 --seconds 60
    python -m bench.load --rss 1,2,4          # RSS per worker for 1, 2 and 4 workers

The server runs on a copy of an instance's index (``--instance``, default ``instance/``,
built by ``make run`` or ``portal index build``) and of ``articles/``, with a fresh SQLite
database, so nothing of the real site changes. Rate limits are switched off in the copy's
``portal.cfg``: every client here is one address, and the run measures search, not the
limiter. Clients are threads with ``http.client`` (one keep-alive connection each) asking
``GET /api/v1/search`` for queries from ``bench/data/load_queries.txt``. Every
``--republish-every`` seconds one article file gets a new sentence and ``portal articles
sync`` reindexes it, as a writer's publish does. Results: docs/serving.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).with_name("data") / "load_queries.txt"
REPUBLISHED = Path("en") / "account-sign-in" / "reset-password.md"
PORTAL = [sys.executable, "-c", "from portal.cli import cli; cli()"]


def load_queries(path: Path = QUERIES) -> list[tuple[str, str]]:
    """(locale, query) pairs from the tab-separated list."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            locale, query = line.split("\t", 1)
            pairs.append((locale, query))
    return pairs


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the site and the server ----------------------------------------------------------


def prepare_site(work: Path, instance: Path, embedder: str | None = None) -> dict:
    """A private copy of the sample site in ``work``; returns the server's environment."""
    if not (instance / "index").is_dir():
        raise SystemExit(f"no index in {instance}: run `make run` or `portal index build`")
    shutil.copytree(ROOT / "articles", work / "articles")
    (work / "instance").mkdir()
    shutil.copytree(instance / "index", work / "instance" / "index")
    (work / "instance" / "portal.cfg").write_text("RATELIMIT_ENABLED = False\n")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORTAL_INSTANCE_DIR": str(work / "instance"),
        "PORTAL_ARTICLES_DIR": str(work / "articles"),
        "PORTAL_DATABASE_URL": f"sqlite:///{work / 'instance' / 'portal.db'}",
        "PORTAL_SECRET_KEY": "bench-only-secret",
        "PORTAL_SESSION_COOKIE_SECURE": "0",
    }
    if embedder:
        env["PORTAL_EMBEDDER"] = embedder
    for args in (["db", "upgrade"], ["index", "build", "--if-stale"]):
        subprocess.run(PORTAL + args, env=env, cwd=ROOT, check=True, capture_output=True)
    return env


def start_server(env: dict, port: int, workers: int, threads: int = 1) -> subprocess.Popen:
    """gunicorn with the production config (portal/gunicorn_conf.py)."""
    env = {
        **env,
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PORTAL_WEB_WORKERS": str(workers),
        "PORTAL_WEB_THREADS": str(threads),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py", "portal.wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def wait_ready(port: int, server: subprocess.Popen, seconds: float = 300) -> float:
    """Seconds until ``/readyz`` answers 200 (every worker has warmed by then or soon)."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            if get(conn, "/readyz") == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("/readyz never answered 200")


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes: the master's children."""
    pids = []
    for task in Path(f"/proc/{master}/task").glob("*"):
        pids += [int(pid) for pid in (task / "children").read_text().split()]
    return sorted(set(pids))


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def search_path(locale: str, query: str) -> str:
    return "/api/v1/search?" + urlencode({"q": query, "locale": locale, "limit": 10})


# -- the load --------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def client(port: int, queries, until: float, tally: Tally, seed: int) -> None:
    """One visitor after another on one keep-alive connection, as fast as answers come."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < until:
        locale, query = rng.choice(queries)
        started = time.perf_counter()
        try:
            status = get(conn, search_path(locale, query))
        except (OSError, http.client.HTTPException) as exc:
            tally.error(type(exc).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        if status != 200:
            tally.error(f"HTTP {status}")
        else:
            with tally.lock:
                tally.latencies.append(elapsed)
    conn.close()


def republisher(env: dict, every: float, stop: threading.Event, log: list) -> None:
    """Append a sentence to one article and reindex it, every ``every`` seconds."""
    path = Path(env["PORTAL_ARTICLES_DIR"]) / REPUBLISHED
    original = path.read_text(encoding="utf-8")
    round_ = 0
    while not stop.wait(every):
        round_ += 1
        path.write_text(original + f"\nRevision {round_} of this article.\n", encoding="utf-8")
        done = subprocess.run(
            PORTAL + ["articles", "sync"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        log.append((done.returncode, done.stdout.strip()))


def run_load(args, env: dict) -> dict:
    """Start the server, load it, return the figures."""
    port = args.port or free_port()
    server = start_server(env, port, args.workers, args.threads)
    try:
        ready = wait_ready(port, server)
        # every worker warms before taking traffic; wait until each has done so
        time.sleep(args.settle)
        queries = load_queries()
        tally = Tally()
        stop = threading.Event()
        publishes: list = []
        publisher = threading.Thread(
            target=republisher, args=(env, args.republish_every, stop, publishes), daemon=True
        )
        publisher.start()
        started = time.perf_counter()
        until = started + args.seconds
        threads = [
            threading.Thread(target=client, args=(port, queries, until, tally, seed))
            for seed in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        stop.set()
        publisher.join(timeout=120)
        rss = {pid: rss_mb(pid) for pid in worker_pids(server.pid)}
    finally:
        stop_server(server)
    lat = tally.latencies
    return {
        "workers": args.workers,
        "threads": args.threads,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "searches": len(lat),
        "per_second": round(len(lat) / elapsed, 1),
        "p50_ms": round(1000 * percentile(lat, 50), 1),
        "p95_ms": round(1000 * percentile(lat, 95), 1),
        "p99_ms": round(1000 * percentile(lat, 99), 1),
        "mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else None,
        "errors": tally.errors,
        "ready_after_s": round(ready, 1),
        "publishes": len(publishes),
        "failed_publishes": sum(1 for code, _ in publishes if code != 0),
        "rss_mb_per_worker": [round(v) for v in rss.values()],
    }


def measure_rss(env: dict, counts: list[int], threads: int) -> list[dict]:
    """RSS of each worker after warm-up and 20 searches, for each worker count."""
    rows = []
    queries = load_queries()
    for count in counts:
        port = free_port()
        server = start_server(env, port, count, threads)
        try:
            wait_ready(port, server)
            time.sleep(2)
            deadline = time.monotonic() + 300
            # wait until every worker has warmed (its RSS stops growing), then search a bit
            while time.monotonic() < deadline:
                before = {p: rss_mb(p) for p in worker_pids(server.pid)}
                time.sleep(3)
                after = {p: rss_mb(p) for p in worker_pids(server.pid)}
                if len(after) == count and all(abs(after[p] - before.get(p, 0)) < 2 for p in after):
                    break
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for locale, query in queries[:: max(1, len(queries) // 20)]:
                get(conn, search_path(locale, query))
            pids = worker_pids(server.pid)
            per_worker = [rss_mb(p) for p in pids]
            rows.append(
                {
                    "workers": count,
                    "rss_mb_per_worker": [round(v) for v in per_worker],
                    "master_mb": round(rss_mb(server.pid)),
                    "total_mb": round(sum(per_worker) + rss_mb(server.pid)),
                }
            )
        finally:
            stop_server(server)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, default=ROOT / "instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="1: sync worker; more: gthread")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--republish-every", type=float, default=5)
    parser.add_argument("--settle", type=float, default=5, help="seconds after /readyz")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--embedder", default=None, help="PORTAL_EMBEDDER (default: auto)")
    parser.add_argument("--rss", default=None, help="worker counts to measure, e.g. 1,2,4")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="portal-load-") as tmp:
        env = prepare_site(Path(tmp), args.instance.resolve(), args.embedder)
        if args.rss:
            for row in measure_rss(env, [int(n) for n in args.rss.split(",")], args.threads):
                print(row, flush=True)
            return
        print(run_load(args, env), flush=True)


if __name__ == "__main__":
    main()
