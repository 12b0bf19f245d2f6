"""A flow run's row in the `runs` table: started, progress, counts, and how it ended."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from prefect.artifacts import create_markdown_artifact

from flows.report import summary_lines, summary_markdown
from store import open_db
from store.runs import finish_run, set_progress, start_run


class RunRecord:
    """The run being recorded: its id, the counts its steps add, and a progress callback."""

    def __init__(self, db_path: Path, flow: str):
        self.db_path, self.flow = Path(db_path), flow
        self.db = open_db(self.db_path)
        self.id = start_run(self.db, flow)   # refuses (RunInProgress) while another run is live
        self.counts: dict = {"run_id": self.id, "flow": flow}

    def progress(self, line: str) -> None:
        set_progress(self.db, self.id, line)

    @contextmanager
    def stage(self, name: str):
        """Time a step: its wall seconds go to counts["seconds"][name]."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.counts.setdefault("seconds", {})[name] = round(time.perf_counter() - start, 2)


@contextmanager
def recorded_run(db_path: Path, flow: str):
    """Record a run around the body: "completed" with its counts, or "failed" with the error and the
    counts gathered so far. A run killed outright stays "running" until the next run marks it abandoned."""
    run = RunRecord(db_path, flow)
    try:
        yield run
    except BaseException as exc:
        finish_run(run.db, run.id, run.counts, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    finish_run(run.db, run.id, run.counts)


def publish_report(run: RunRecord) -> list[str]:
    """The run's summary lines, also published as a Prefect markdown artifact."""
    lines = summary_lines(run.db, run.counts, run.id)
    create_markdown_artifact(summary_markdown(lines, run.flow), key=f"{run.flow}-run-report",
                             description=f"rightsradar {run.flow} run {run.id}")
    return lines
