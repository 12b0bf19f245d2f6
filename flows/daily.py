"""The daily flow: poll feeds -> fetch articles (Scrapy) -> extract -> store -> analyse -> link -> flag -> report."""
from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows import tasks
from flows.run_record import publish_report, recorded_run
from spiders.registry import load_sources
from store.articles import utc_now

PROJECT_DIR = Path(__file__).resolve().parent.parent


@flow(name="daily", log_prints=True)
def daily(db_path: Path = Path("rightsradar.db"), sources_path: Path = PROJECT_DIR / "sources.yaml",
          companies_path: Path = PROJECT_DIR / "companies.csv", work_dir: Path = Path("work"),
          base_url: str | None = None, scrapy_settings: dict | None = None,
          flagging_path: Path | None = None) -> dict:
    """One day's collection and analysis. Returns the run's counts (and `summary`, its report lines)."""
    db_path, work_dir = Path(db_path), Path(work_dir)
    with recorded_run(db_path, "daily") as run:
        started = utc_now()
        with run.stage("poll and register sources"):
            sources = load_sources(Path(sources_path), base_url=base_url)
            tasks.register_sources(db_path, sources)
            ready, waiting = tasks.sources_due(db_path, sources)
        # Analysis starts during the crawl (flows/analysis_stream.py) and the analysis stage finishes it.
        with tasks.analysis_stream(db_path, Path(companies_path), run.id, flagging_path) as stream:
            with run.stage("collect (fetch, extract, store; analysis begins)"):
                new_ids, per_source = tasks.collect(db_path, ready, work_dir / f"run-{run.id}", scrapy_settings,
                                                    run.id, on_new=stream.add)
            for source_id, why in waiting.items():
                per_source[source_id] = {"polled": 0, "new": 0, "duplicate": 0, "failed": 0, "skipped": why,
                                         "errors": []}
            run.counts.update(sources=per_source, new_articles=len(new_ids))
            # Analyse everything not analysed yet, not just today's: a run killed after
            # storing articles leaves them for this one.
            with run.stage("analyse, link, flag"):
                run.counts["analysis"] = tasks.analyze_articles(db_path, Path(companies_path), run.id,
                                                                flagging_path=flagging_path, stream=stream)
        # Stories that gained a publisher today score higher, whenever their articles were analysed.
        with run.stage("rescore stories"):
            run.counts["rescored"] = tasks.rescore_seen_since(db_path, started, run.id, flagging_path)
        with run.stage("report"):
            run.counts["summary"] = publish_report(run)
    return run.counts
