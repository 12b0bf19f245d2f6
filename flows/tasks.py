"""The Prefect tasks the flows share: small, typed, taking paths and ids (each opens what it needs).

Network steps retry with growing delays and have a timeout; per-domain politeness (four requests at
a time, AutoThrottle, robots.txt) is the crawler's own (spiders/settings.py).
"""
from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import steps
from store import open_db
from store.runs import set_progress


def _progress(db_path: Path, run_id: int | None):
    if run_id is None:
        return None
    db = open_db(db_path)
    return lambda line: set_progress(db, run_id, line)


@task
def register_sources(db_path: Path, sources: list[dict]) -> None:
    steps.register_sources(db_path, sources)


@task
def sources_due(db_path: Path, sources: list[dict]) -> tuple[list[dict], dict[str, str]]:
    return steps.sources_due(db_path, sources)


# No cache: these run every time, and `on_new` / `stream` are live objects, not hashable inputs.
@task(retries=2, retry_delay_seconds=[10, 60], timeout_seconds=3600, cache_policy=NO_CACHE)
def collect(db_path: Path, sources: list[dict], work_dir: Path, scrapy_settings: dict | None = None,
            run_id: int | None = None, backfill: bool = False, on_new=None) -> tuple[list[int], dict]:
    """Crawl (Scrapy subprocess) and store each item as it arrives (handing each new article to
    `on_new`: see flows/analysis_stream.py). A retry re-polls: what the failed attempt stored is known
    and not fetched again."""
    return steps.collect(db_path, sources, work_dir, scrapy_settings, on_update=_progress(db_path, run_id),
                         backfill=backfill, on_new=on_new)


@task(cache_policy=NO_CACHE)
def analyze_articles(db_path: Path, companies_path: Path, run_id: int | None = None, stale: bool = False,
                     flagging_path: Path | None = None, taxonomy_path: Path | None = None,
                     stream=None) -> dict:
    """Analyse what is not analysed yet (with `stale`: also what was analysed under another fingerprint);
    with `stream`, finish the analysis that began during the crawl."""
    return steps.analyze_articles(db_path, companies_path, None, run_id, stale=stale, flagging_path=flagging_path,
                                  taxonomy_path=taxonomy_path, stream=stream)


def analysis_stream(db_path: Path, companies_path: Path, run_id: int | None = None,
                    flagging_path: Path | None = None):
    """An AnalysisStream for this run (a plain object, not a task: it lives across two tasks)."""
    from flows.analysis_stream import AnalysisStream

    return AnalysisStream(steps.AnalysisSaver(db_path, companies_path, run_id, flagging_path))


@task
def rescore_seen_since(db_path: Path, since: str, run_id: int | None = None,
                       flagging_path: Path | None = None) -> int:
    return steps.rescore_seen_since(db_path, since, run_id, flagging_path)


@task
def rescore_all(db_path: Path, run_id: int | None = None, flagging_path: Path | None = None) -> int:
    return steps.rescore_stories(db_path, None, run_id, flagging_path)
