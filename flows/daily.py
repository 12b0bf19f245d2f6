"""The daily flow: poll feeds -> fetch articles (Scrapy) -> extract -> store -> analyse -> flag -> report."""
from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from flows import steps
from flows.report import summary_lines, summary_markdown
from spiders.registry import load_sources
from store import open_db
from store.runs import finish_run, start_run

PROJECT_DIR = Path(__file__).resolve().parent.parent


@task
def register_sources(db_path: Path, sources: list[dict]) -> None:
    steps.register_sources(db_path, sources)


@task(retries=2, retry_delay_seconds=[10, 60], timeout_seconds=3600)
def collect(db_path: Path, sources: list[dict], work_dir: Path, scrapy_settings: dict | None) -> tuple[list[int], dict]:
    """Crawl (Scrapy subprocess) and store each item as it arrives."""
    return steps.collect(db_path, sources, work_dir, scrapy_settings)


@task
def analyze_articles(db_path: Path, companies_path: Path, article_ids: list[int] | None, run_id: int) -> dict:
    return steps.analyze_articles(db_path, companies_path, article_ids, run_id)


@flow(name="daily", log_prints=True)
def daily(db_path: Path = Path("rightsradar.db"), sources_path: Path = PROJECT_DIR / "sources.yaml",
          companies_path: Path = PROJECT_DIR / "companies.csv", work_dir: Path = Path("work"),
          base_url: str | None = None, scrapy_settings: dict | None = None) -> dict:
    """One day's collection and analysis. Returns the run's counts."""
    db_path, work_dir = Path(db_path), Path(work_dir)
    db = open_db(db_path)
    run_id = start_run(db, "daily")
    try:
        sources = load_sources(Path(sources_path), base_url=base_url)
        register_sources(db_path, sources)
        ready, waiting = steps.sources_due(db_path, sources)
        new_ids, per_source = collect(db_path, ready, work_dir / f"run-{run_id}", scrapy_settings)
        for source_id, why in waiting.items():
            per_source[source_id] = {"new": 0, "duplicate": 0, "failed": 0, "skipped": why, "errors": []}
        # Analyse everything not analysed yet, not just today's: a run killed after
        # storing articles leaves them for this one.
        analysis = analyze_articles(db_path, Path(companies_path), None, run_id)
    except BaseException as exc:
        finish_run(db, run_id, {}, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    counts = {"run_id": run_id, "sources": per_source, "analysis": analysis, "new_articles": len(new_ids)}
    finish_run(db, run_id, counts)
    lines = summary_lines(db, counts, run_id)
    create_markdown_artifact(summary_markdown(lines), key="daily-run-report", description=f"run {run_id}")
    counts["summary"] = lines
    return counts
