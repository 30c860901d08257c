"""The first searches after a start: gunicorn on the sample site with the real models,
``/readyz`` awaited, then the first 10 searches (English and Korean alternating) timed one
after another, as the first visitors of a freshly started worker would send them.

    python -m bench.startup [--instance instance] [--workers 2] [--runs 3]

Goal (issue 22): p95 of those 10 ≤ 1 s. Results: docs/serving.md.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import time
from pathlib import Path

from bench.load import (
    ROOT,
    free_port,
    get,
    load_queries,
    percentile,
    prepare_site,
    search_path,
    start_server,
    stop_server,
    wait_ready,
)


def first_searches(env: dict, workers: int, count: int = 10) -> dict:
    """Start, wait for /readyz, time the first ``count`` searches (new connection each)."""
    queries = load_queries()
    english = [q for q in queries if q[0] == "en"]
    korean = [q for q in queries if q[0] == "ko"]
    mixed = [pair for both in zip(english, korean, strict=False) for pair in both][:count]
    port = free_port()
    started = time.perf_counter()
    server = start_server(env, port, workers)
    try:
        ready = wait_ready(port, server)
        timings = []
        for locale, query in mixed:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            begun = time.perf_counter()
            status = get(conn, search_path(locale, query))
            timings.append(time.perf_counter() - begun)
            conn.close()
            assert status == 200, f"{query!r}: HTTP {status}"
    finally:
        stop_server(server)
    return {
        "start_to_ready_s": round(ready, 1),
        "since_start_s": round(time.perf_counter() - started, 1),
        "p50_ms": round(1000 * statistics.median(timings), 1),
        "p95_ms": round(1000 * percentile(timings, 95), 1),
        "max_ms": round(1000 * max(timings), 1),
        "ms": [round(1000 * t) for t in timings],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, default=ROOT / "instance")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embedder", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="portal-startup-") as tmp:
        env = prepare_site(Path(tmp), args.instance.resolve(), args.embedder)
        for run in range(args.runs):
            print({"run": run + 1, **first_searches(env, args.workers)}, flush=True)


if __name__ == "__main__":
    main()
