"""The backfill flow: a date range of articles from the sources' feed archives and sitemaps, then the
same analysis and flags as the daily flow."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path

from prefect import flow

from flows import tasks
from flows.run_record import publish_report, recorded_run
from spiders.registry import load_sources
from store.articles import utc_now

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARCHIVED_KINDS = ("feed", "sitemap")


class BackfillRangeError(ValueError):
    """The date range cannot be used; the message says why."""


def window(since: str | date, until: str | date | None = None) -> dict[str, str]:
    """{"since", "until"} as ISO 8601 UTC, from dates (whole days) or date-times; until defaults to now."""
    start = _utc(since, time.min)
    end = _utc(until, time.max) if until else datetime.now(timezone.utc)
    if start > end:
        raise BackfillRangeError(f"--since {start:%Y-%m-%d} is after --until {end:%Y-%m-%d}")
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return {"since": start.strftime(fmt), "until": end.strftime(fmt)}


def _utc(value: str | date, default_time: time) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, default_time)
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise BackfillRangeError(f"not a date: {value!r} (expected YYYY-MM-DD)") from exc
        if len(str(value)) == 10:
            moment = datetime.combine(moment.date(), default_time)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


@flow(name="backfill", log_prints=True)
def backfill(since: str, until: str | None = None, db_path: Path = Path("rightsradar.db"),
             sources_path: Path = PROJECT_DIR / "sources.yaml", companies_path: Path = PROJECT_DIR / "companies.csv",
             work_dir: Path = Path("work"), source_ids: list[str] | None = None, base_url: str | None = None,
             scrapy_settings: dict | None = None, flagging_path: Path | None = None) -> dict:
    """Collect the articles published between `since` and `until` (YYYY-MM-DD, UTC, inclusive) that
    the feed and sitemap sources (or only `source_ids`) still list in their archives; analyse and flag them."""
    db_path, work_dir = Path(db_path), Path(work_dir)
    span = window(since, until)   # a bad range fails before a run is recorded
    with recorded_run(db_path, "backfill") as run:
        started = utc_now()
        sources = load_sources(Path(sources_path), base_url=base_url)
        unknown = sorted(set(source_ids or ()) - {s["id"] for s in sources})
        if unknown:
            raise BackfillRangeError(f"no such source in {sources_path}: {', '.join(unknown)}")
        tasks.register_sources(db_path, sources)
        chosen = [{**s, "window": span} for s in sources
                  if s["kind"] in ARCHIVED_KINDS and (not source_ids or s["id"] in source_ids)]
        new_ids, per_source = tasks.collect(db_path, chosen, work_dir / f"run-{run.id}", scrapy_settings, run.id,
                                            backfill=True)
        run.counts.update(window=span, sources=per_source, new_articles=len(new_ids))
        run.counts["analysis"] = tasks.analyze_articles(db_path, Path(companies_path), run.id,
                                                        flagging_path=flagging_path)
        run.counts["rescored"] = tasks.rescore_seen_since(db_path, started, run.id, flagging_path)
        run.counts["summary"] = publish_report(run)
    return run.counts
