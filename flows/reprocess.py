"""The reprocess flow: analyse stored articles again after the taxonomy, the tracked firms, the link
corrections, the model or the analysis code changed (no refetch), and rescore every story with
flagging.yaml. Only stale analyses are redone (flows/fingerprint.py), and of those only the
articles whose annotations changed are rewritten."""
from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows import tasks
from flows.run_record import publish_report, recorded_run

PROJECT_DIR = Path(__file__).resolve().parent.parent


@flow(name="reprocess", log_prints=True)
def reprocess(db_path: Path = Path("rightsradar.db"), companies_path: Path = PROJECT_DIR / "companies.csv",
              flagging_path: Path | None = None, taxonomy_path: Path | None = None) -> dict:
    """Returns the run's counts: analysed (stale), new / changed / unchanged, rescored."""
    db_path = Path(db_path)
    with recorded_run(db_path, "reprocess") as run:
        with run.stage("analyse stale articles"):
            run.counts["analysis"] = tasks.analyze_articles(db_path, Path(companies_path), run.id, stale=True,
                                                            flagging_path=flagging_path, taxonomy_path=taxonomy_path)
        with run.stage("rescore stories"):
            run.counts["rescored"] = tasks.rescore_all(db_path, run.id, flagging_path)
        with run.stage("report"):
            run.counts["summary"] = publish_report(run)
    return run.counts
