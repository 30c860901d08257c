"""A grid over one cross-lingual setting, on one recorded half of every question set.

The question sets share one corpus (the bilingual site: the sample articles plus the
English Adobe KB), so the index is built once and each setting re-runs only the searches.
Per set and setting: answers in the first 5 (recall@5), MRR@10 and the unrelated foreign
results in the first 5 (what a borrowed article costs when it is not the answer).

``python -m bench.crosslingual_grid --data ../shared/data --field after_native_read_lag
--values 0,0.05,0.1,0.15,0.2,1 --half tune``: choose on "tune", then run the chosen value
and the old one once on "held-out" with ``--legs`` (each leg alone beside, as ``portal eval
--half held-out`` reports them).
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import click

from bench import datasets as ds
from bench.embedcache import DEFAULT_CACHE
from bench.evaluate import MODES, built_engine, foreign_noise, run_queries, score_run
from indexer.config import DEFAULT_CROSS_LINGUAL

SETTINGS = [f.name for f in fields(DEFAULT_CROSS_LINGUAL)]


def grid(
    data: Path, field: str, values: list[float], half: str, cache_dir=DEFAULT_CACHE, legs=None
):
    """Rows (set, value, found in the first 5, questions, MRR@10, foreign noise); with a
    ``legs`` list, also each leg alone per set, asked of the answers' own index as
    ``portal eval`` does: (set, leg, found in the first 5, questions, MRR@10)."""
    sets = {name: ds.load(name, data, half=half) for name in ds.CROSSLINGUAL_SETS}
    rows = []
    with built_engine(next(iter(sets.values())), "auto", cache_dir) as engine:
        for name, dataset in sets.items():
            for mode in MODES if legs is not None else ():
                run, _ = run_queries(engine, dataset, mode, locale=dataset.locale)
                scores = score_run(run, dataset.qrels)
                found = round(scores.recall5 * scores.queries)
                legs.append(
                    (name, f"{mode} ({dataset.locale} index)", found, scores.queries, scores.mrr10)
                )
        for value in values:
            engine.cross_lingual = replace(DEFAULT_CROSS_LINGUAL, **{field: value})
            for name, dataset in sets.items():
                shown: dict[str, list[str]] = {}
                run, _ = run_queries(
                    engine, dataset, "hybrid", cross_lingual=True, floor=True, foreign=shown
                )
                scores = score_run(run, dataset.qrels)
                found = round(scores.recall5 * scores.queries)
                noise = foreign_noise(shown, dataset.qrels)
                rows.append((name, value, found, scores.queries, scores.mrr10, noise))
    return rows


def format_grid(rows, field: str) -> str:
    """Per value: the English-only and the Korean-answer sets summed, then every set."""
    lines = [
        f"| {field} | sets | found@5 | MRR@10 (mean) | unrelated foreign in first 5 |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    values = list(dict.fromkeys(row[1] for row in rows))
    for kind in ("en", "ko"):
        for value in values:
            chosen = [r for r in rows if r[1] == value and ds.CROSSLINGUAL_SETS[r[0]][2] == kind]
            found = sum(r[2] for r in chosen)
            total = sum(r[3] for r in chosen)
            mrr = sum(r[4] * r[3] for r in chosen) / max(total, 1)
            noise = sum(r[5] * r[3] for r in chosen) / max(total, 1)
            label = "English-only answers" if kind == "en" else "Korean answers"
            lines.append(f"| {value} | {label} | {found}/{total} | {mrr:.3f} | {noise:.2f} |")
    lines.append("")
    lines.append(f"| set | {field} | found@5 | MRR@10 | unrelated foreign |")
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    for name, value, found, total, mrr, noise in rows:
        lines.append(f"| {name} | {value} | {found}/{total} | {mrr:.3f} | {noise:.2f} |")
    return "\n".join(lines)


@click.command()
@click.option("--data", type=click.Path(path_type=Path), default=ds.DEFAULT_DATA)
@click.option("--field", type=click.Choice(SETTINGS), default="after_native_read_lag")
@click.option("--values", default="0,0.05,0.1,0.15,0.2,1", show_default=True)
@click.option("--half", type=click.Choice(["tune", "held-out"]), default="tune")
@click.option("--legs", is_flag=True, help="Also each leg alone on the answers' index.")
def main(data: Path, field: str, values: str, half: str, legs: bool) -> None:
    """Print the grid as Markdown tables."""
    numbers = [float(v) for v in values.split(",")]
    kind = type(getattr(DEFAULT_CROSS_LINGUAL, field))
    leg_rows: list | None = [] if legs else None
    rows = grid(data, field, [kind(v) for v in numbers], half, legs=leg_rows)
    click.echo(format_grid(rows, field))
    if leg_rows:
        click.echo("")
        click.echo(format_legs(leg_rows))


def format_legs(rows) -> str:
    """Each leg alone: every set, then the English-only and the Korean-answer sets summed."""
    lines = ["| set | leg | found@5 | MRR@10 |", "| --- | --- | ---: | ---: |"]
    for name, leg, found, total, mrr in rows:
        lines.append(f"| {name} | {leg} | {found}/{total} | {mrr:.3f} |")
    for kind in ("en", "ko"):
        for leg in dict.fromkeys(r[1] for r in rows if ds.CROSSLINGUAL_SETS[r[0]][2] == kind):
            chosen = [r for r in rows if r[1] == leg]
            total = sum(r[3] for r in chosen)
            mrr = sum(r[4] * r[3] for r in chosen) / max(total, 1)
            label = "all English-only sets" if kind == "en" else "all Korean-answer sets"
            lines.append(f"| {label} | {leg} | {sum(r[2] for r in chosen)}/{total} | {mrr:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
