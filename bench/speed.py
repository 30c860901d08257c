"""Speed of the engine on synthetic help centers: build rate, per-query latency of each
mode, a one-article update, memory, and SQLite FTS5 over the same chunks as a yardstick
for the keyword leg.

Each corpus size runs in its own process (``python -m bench.speed``) so resident memory
is that size's alone. Latencies are uncached: the engine's query-vector cache is off and
the snippet cache is cleared before each mode. Passage vectors come from the disk cache
(:mod:`bench.embedcache`); the cold embedding rate is measured on a sample and printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from bench.datasets import DEFAULT_DATA, REPO, site_glossary
from bench.embedcache import DEFAULT_CACHE, caching_plan, plan_counts
from bench.synthetic import synthetic_corpus, synthetic_queries
from indexer import Document, SearchEngine
from indexer.analyzers import term_spans
from indexer.config import DEFAULT_SEARCH, SearchConfig
from indexer.glossary import term_key

MODES = ("keyword", "dense", "hybrid")
PAGE = 10  # results per page, as the search page asks
WARM_UP = 20
EMBED_SAMPLE = 128
UPDATES = 3


@dataclass(frozen=True)
class Latency:
    """Per-query latency figures of one way of searching."""

    name: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    qps: float


@dataclass(frozen=True)
class SpeedResult:
    """Everything measured on one corpus size."""

    articles: int
    chunks: int
    embedder: str
    queries: int
    build_seconds: float
    embedded_now: int
    embed_seconds: float
    embed_rate: float  # cold passages/s on a sample
    open_seconds: float
    first_hybrid_seconds: float
    upsert_seconds: float
    reopen_ms: float
    fts5_build_seconds: float
    rss_mb: float
    peak_rss_mb: float
    index_mb: float
    placeholder_vectors: int = 0  # passage vectors made random (not in the cache)
    vectors: int = 0  # passage vectors the build asked for (chunks x models embedding them)
    latencies: list[Latency] = field(default_factory=list)

    @property
    def build_rate(self) -> float:
        """Chunks indexed per second, embedding excluded (vectors from the cache)."""
        return self.chunks / max(self.build_seconds - self.embed_seconds, 1e-9)

    @property
    def cold_build_rate(self) -> float:
        """Chunks per second of a build that embeds everything (estimated from the sample)."""
        seconds = self.build_seconds - self.embed_seconds + self.chunks / max(self.embed_rate, 1e-9)
        return self.chunks / seconds


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0..1) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def time_queries(name: str, queries: list[str], run) -> Latency:
    """Latency of ``run(query)`` over ``queries`` after a warm-up."""
    for query in queries[:WARM_UP]:
        run(query)
    times = []
    started = time.perf_counter()
    for query in queries:
        began = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - began) * 1000)
    total = time.perf_counter() - started
    return Latency(
        name,
        round(percentile(times, 0.50), 2),
        round(percentile(times, 0.95), 2),
        round(percentile(times, 0.99), 2),
        round(len(queries) / total, 1),
    )


def rss_mb() -> float:
    """Current resident memory of this process (Linux ``/proc``), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def directory_mb(path: Path) -> float:
    """Size of the files under ``path``, in MB."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


# -- the FTS5 yardstick -----------------------------------------------------------------


class Fts5Baseline:
    """SQLite FTS5 (Porter stemming, BM25 with the engine's field weights) over chunks."""

    def __init__(self, path: Path, records):
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE VIRTUAL TABLE chunks USING fts5("
            "key UNINDEXED, title, heading, body, tokenize='porter unicode61')"
        )
        with self.db:
            self.db.executemany(
                "INSERT INTO chunks VALUES (?, ?, ?, ?)",
                ((r.key, r.title, r.heading, r.text) for r in records),
            )

    def search(
        self, text: str, limit: int = DEFAULT_SEARCH.leg_candidates
    ) -> list[tuple[str, float]]:
        """Chunk keys by BM25 for any of the query's words."""
        words = re.findall(r"\w+", text.lower())[:32]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        return self.db.execute(
            "SELECT key, bm25(chunks, 0.0, 3.0, 2.0, 1.0) AS score FROM chunks "
            "WHERE chunks MATCH ? ORDER BY score LIMIT ?",
            (match, limit),
        ).fetchall()


# -- one size -----------------------------------------------------------------------------


def _edited(doc: Document, nonce: str) -> Document:
    """``doc`` with every section changed, so the update re-embeds all of it."""
    body = re.sub(r"\n(## )", rf" Revised {nonce}.\n\1", doc.body) + f" Revised {nonce}."
    return replace(doc, body=body, content_hash="")


def measure(
    size: int,
    data: Path = DEFAULT_DATA,
    embedder: str = "minilm",
    query_count: int = 300,
    cache_dir: Path | None = DEFAULT_CACHE,
    placeholders: bool = False,
    log=lambda message: print(message, file=sys.stderr, flush=True),
) -> SpeedResult:
    """Build, query and update an index of ``size`` synthetic articles; measure each step.

    With ``placeholders``, chunks whose vectors are not in the cache get random unit vectors
    instead of being embedded (counted in the result; the upsert still embeds for real).
    """
    docs = synthetic_corpus(size, data)
    queries = synthetic_queries(docs, data, query_count)
    cached = caching_plan(
        embedder, cache_dir, namespace="synthetic", cache_queries=False,
        label=f"embedding synthetic-{size}", placeholders=placeholders,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        engine = SearchEngine(Path(tmp) / "index", embedder=cached)
        log(f"{size} articles: building with {cached.name}")
        started = time.perf_counter()
        report = engine.build(docs)
        build_seconds = time.perf_counter() - started
        counts = plan_counts(cached)
        embed_seconds, placeholder_count = counts["encode_seconds"], counts["placeholder_count"]
        embedded_now = counts["misses"] - placeholder_count
        log(f"  built {report.chunks_embedded} chunks in {build_seconds:.1f} s")

        index_mb = directory_mb(Path(tmp) / "index")
        chunks = report.chunks_embedded
        engine.current().close()
        del engine, cached  # measure a serving process: one model, one opened index
        gc.collect()

        # A fresh engine, as a new web process would open it (the model loads on first use).
        fresh = SearchEngine(
            Path(tmp) / "index",
            embedder=caching_plan(embedder, None, cache_queries=False),
            config=SearchConfig(query_cache_size=0),
        )
        began = time.perf_counter()
        fresh.search(queries[0], locale="en", k=PAGE, mode="keyword")
        open_seconds = time.perf_counter() - began
        began = time.perf_counter()
        fresh.search(queries[1], locale="en", k=PAGE, mode="hybrid")
        first_hybrid = time.perf_counter() - began

        records = list(fresh.current().chunks.values())
        sample = [f"{r.title}\n{r.heading}\n{r.text}"[:2000] for r in records[:EMBED_SAMPLE]]
        began = time.perf_counter()
        fresh.plan.for_locale("en").inner.encode_passages(sample)
        embed_rate = len(sample) / (time.perf_counter() - began)

        latencies = []
        glossary = site_glossary()  # the site searches with its writers' glossary
        for mode in MODES:
            fresh._query_cache.clear()
            term_spans.cache_clear()
            term_key.cache_clear()
            latencies.append(
                time_queries(
                    mode,
                    queries,
                    lambda q, m=mode: fresh.search(
                        q, locale="en", k=PAGE, mode=m, glossary=glossary
                    ),
                )
            )
            log(f"  {mode}: p50 {latencies[-1].p50_ms} ms")
        leg = fresh.current().keyword["en"]
        latencies.append(
            time_queries(
                "keyword leg alone",
                queries,
                lambda q: leg.search(q, limit=DEFAULT_SEARCH.leg_candidates),
            )
        )
        rss = rss_mb()  # the engine serving: model, index, searchers
        began = time.perf_counter()
        fts = Fts5Baseline(Path(tmp) / "fts5.sqlite", records)
        fts5_build = time.perf_counter() - began
        latencies.append(time_queries("SQLite FTS5", queries, fts.search))

        updates, reopens = [], []
        for number in range(UPDATES):
            doc = _edited(docs[(number + 1) * len(docs) // (UPDATES + 1)], f"{number}")
            began = time.perf_counter()
            fresh.upsert(doc)
            updates.append(time.perf_counter() - began)
            began = time.perf_counter()
            fresh.search(queries[number], locale="en", k=PAGE, mode="keyword")
            reopens.append((time.perf_counter() - began) * 1000)
        fresh.current().close()

        return SpeedResult(
            articles=size,
            chunks=chunks or len(records),
            embedder=fresh.plan.name,
            queries=len(queries),
            build_seconds=round(build_seconds, 2),
            embedded_now=embedded_now,
            embed_seconds=round(embed_seconds, 2),
            embed_rate=round(embed_rate, 1),
            open_seconds=round(open_seconds, 3),
            first_hybrid_seconds=round(first_hybrid, 3),
            upsert_seconds=round(statistics.median(updates), 3),
            reopen_ms=round(statistics.median(reopens), 1),
            fts5_build_seconds=round(fts5_build, 2),
            rss_mb=round(rss, 1),
            peak_rss_mb=round(peak_rss_mb(), 1),
            index_mb=round(index_mb, 1),
            placeholder_vectors=placeholder_count,
            vectors=int(counts["hits"] + counts["misses"]),
            latencies=latencies,
        )


def run_in_subprocess(
    size: int,
    data: Path,
    embedder: str,
    query_count: int,
    cache_dir: Path | None,
    placeholders: bool = False,
) -> SpeedResult:
    """:func:`measure` in a fresh Python process, so its memory figures are its own."""
    command = [sys.executable, "-m", "bench.speed", "--size", str(size), "--data", str(data),
               "--embedder", embedder, "--queries", str(query_count)]  # fmt: skip
    if cache_dir:
        command += ["--cache-dir", str(cache_dir)]
    if placeholders:
        command.append("--placeholder-vectors")
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    raw["latencies"] = [Latency(**item) for item in raw["latencies"]]
    return SpeedResult(**raw)


# -- printing ----------------------------------------------------------------------------


def format_results(results: list[SpeedResult]) -> str:
    """Two Markdown tables: index-wide figures, then latency per way of searching."""
    if not results:
        return "(no sizes measured)"
    first = results[0]
    lines = [
        f"Embedder: {first.embedder} (passage vectors from the bench cache); "
        f"{first.queries} queries per mode, k={PAGE}, after {WARM_UP} warm-up queries, "
        "query-vector cache off.",
        *(
            f"{r.articles} articles: {r.placeholder_vectors} of {r.vectors} passage vectors were "
            "random placeholders (not in the cache, not embedded): search time and memory do "
            "not depend on their values; the cold build rate is estimated from the sample."
            for r in results
            if r.placeholder_vectors
        ),
        "",
        "| articles | chunks | build s | chunks/s (cached vectors) | embed chunks/s (cold) | "
        "chunks/s (cold, est.) | FTS5 build s | open s | first hybrid s | upsert s | "
        "reopen ms | RSS MB | peak RSS MB | index MB |",
        "| ---: |" + " ---: |" * 13,
    ]
    for r in results:
        lines.append(
            f"| {r.articles} | {r.chunks} | {r.build_seconds:.1f} | {r.build_rate:.0f} | "
            f"{r.embed_rate:.0f} | {r.cold_build_rate:.0f} | {r.fts5_build_seconds:.1f} | "
            f"{r.open_seconds:.2f} | {r.first_hybrid_seconds:.2f} | {r.upsert_seconds:.2f} | "
            f"{r.reopen_ms:.0f} | {r.rss_mb:.0f} | {r.peak_rss_mb:.0f} | {r.index_mb:.0f} |"
        )
    lines += [
        "",
        "| articles | search | p50 ms | p95 ms | p99 ms | queries/s (1 client) | p50 vs FTS5 |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        fts = next((lat for lat in r.latencies if lat.name == "SQLite FTS5"), None)
        for lat in r.latencies:
            ratio = ""
            if fts and lat.name.startswith("keyword") and fts.p50_ms > 0:
                ratio = f"{lat.p50_ms / fts.p50_ms:.1f}×"
            lines.append(
                f"| {r.articles} | {lat.name} | {lat.p50_ms:.1f} | {lat.p95_ms:.1f} | "
                f"{lat.p99_ms:.1f} | {lat.qps:.0f} | {ratio} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure one size and print it as JSON (used by :func:`run_in_subprocess`)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--placeholder-vectors", action="store_true")
    args = parser.parse_args(argv)
    result = measure(
        args.size, args.data, args.embedder, args.queries, args.cache_dir, args.placeholder_vectors
    )
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
