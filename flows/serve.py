"""One long-running process that runs the flows on schedule (Prefect's flow.serve), for a single
machine without a worker: daily at 05:00 UTC, reprocess and backfill when asked (from the Prefect UI,
`prefect deployment run 'reprocess/reprocess'`, or `prefect deployment run 'backfill/backfill' -p since=...`)."""
from __future__ import annotations

from pathlib import Path

from prefect import serve
from prefect.schedules import Cron

from flows.backfill import backfill
from flows.daily import daily
from flows.reprocess import reprocess

DAILY_CRON = "0 5 * * *"


def deployments(db_path: Path, sources_path: Path, companies_path: Path, work_dir: Path) -> list:
    """The three flows as deployments of this process (the same names as prefect.yaml's)."""
    common = {"db_path": str(db_path), "companies_path": str(companies_path)}
    return [
        daily.to_deployment(name="daily", schedules=[Cron(DAILY_CRON, timezone="UTC", slug="daily-0500-utc")],
                            parameters={**common, "sources_path": str(sources_path), "work_dir": str(work_dir)}),
        reprocess.to_deployment(name="reprocess", parameters=common),
        backfill.to_deployment(name="backfill", parameters={**common, "sources_path": str(sources_path),
                                                            "work_dir": str(work_dir)}),
    ]


def serve_flows(db_path: Path, sources_path: Path, companies_path: Path, work_dir: Path, **serve_options) -> None:
    serve(*deployments(db_path, sources_path, companies_path, work_dir), **serve_options)
