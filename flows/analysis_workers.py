"""The analysis spread over worker processes, one per core, for a day's volume.

spaCy's own `n_process` would turn off the focused NER (nlp/focused_ner.py), the larger saving; here
each worker builds the whole pipeline itself (spawned, not forked: the flow process runs threads) and
analyses chunks of article ids, reading their texts from the database itself (WAL: reading beside the
flow process's writes), while the flow process stores the results in order as they come back. Only ids
travel and wait in queues, so a day's backlog costs the flow process a few bytes an article, not its text.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

CHUNK = 16               # records per task: small enough to keep both workers busy to the end
MIN_PER_WORKER = 150     # below this a worker's start (~7 s to load the model and the firms) does not pay

_pipeline = None
_db = None               # the worker's own connection, to read the texts of the ids it is given


def worker_count(records: int, requested: int | None = None) -> int:
    """How many workers for `records` records: `requested`, else one per core available, but at least
    MIN_PER_WORKER records each; 1 means analyse in this process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(requested or cores, records // MIN_PER_WORKER))


def analyze_in_workers(article_ids: list[int], workers: int, db_path: Path, companies_path: Path,
                       taxonomy_path: Path | None) -> Iterator[dict]:
    """Analysis results for the stored articles `article_ids`, in their order, computed by `workers`
    processes."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_start, initargs=(str(db_path), str(companies_path),
                                                             str(taxonomy_path) if taxonomy_path else None)) as pool:
        chunks = [article_ids[start:start + CHUNK] for start in range(0, len(article_ids), CHUNK)]
        for results in pool.imap(_analyze, chunks):
            yield from results


def _start(db_path: str, companies_path: str, taxonomy_path: str | None) -> None:
    global _pipeline, _db
    from catalog.load import load_companies
    from flows.steps import analysis_pipeline, release_freed_memory
    from store import open_db

    firms, _ = load_companies(Path(companies_path))
    _db = open_db(db_path)
    _pipeline = analysis_pipeline(_db, firms, Path(taxonomy_path) if taxonomy_path else None)
    del firms
    gc.collect()
    release_freed_memory()   # building leaves ~60 MB freed but held (bench/daily_volume.py's peak is then)


def _analyze(article_ids: list[int]) -> list[dict]:
    from flows.steps import release_freed_memory
    from nlp.analyze import analyze_records
    from store.articles import articles_for_analysis

    results = list(analyze_records(_pipeline, articles_for_analysis(_db, article_ids)))
    release_freed_memory()      # a worker lives for the whole run: hand back what each chunk freed
    return results
