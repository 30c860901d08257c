"""Latency of Korean searches on the cross-lingual evaluation's bilingual site (the sample
articles in English and Korean, plus the English Adobe KB): the path a Korean customer's
query takes, native ranking plus borrowed English articles, with the evaluation glossary.

``python -m bench.korean_latency --data ../shared/data``. Passages come from the evaluation's
vector cache; queries are embedded for real, each once (``portal bench`` measures English).
"""

from __future__ import annotations

from pathlib import Path

import click

from bench import datasets as ds
from bench.evaluate import DEFAULT_CACHE, built_engine
from bench.speed import peak_rss_mb, time_queries
from indexer import SearchEngine

QUESTION_SETS = [name for name in ds.CROSSLINGUAL_SETS if name != ds.CROSSLINGUAL_NAME]


@click.command()
@click.option("--data", type=click.Path(path_type=Path), default=ds.DEFAULT_DATA)
def main(data: Path) -> None:
    """Print p50 / p95 / p99 and queries per second of Korean site searches."""
    site = ds.load(ds.CROSSLINGUAL_NAME, data)
    queries = list(site.queries.values())
    for name in QUESTION_SETS:
        queries += ds.load(name, data).queries.values()
    queries = list(dict.fromkeys(queries))
    glossary = ds.eval_glossary()
    with built_engine(site, "auto", DEFAULT_CACHE) as built:
        engine = SearchEngine(built.index_dir, embedder="auto")  # no query vector cache
        latency = time_queries(
            "Korean site search (auto plan, cross-lingual on)",
            queries,
            lambda query: engine.search(query, locale="ko", glossary=glossary),
        )
    click.echo(f"{len(queries)} queries: {latency}; peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
