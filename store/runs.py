"""Pipeline runs: one row each, with its counts, so failures are visible afterwards."""
from __future__ import annotations

import json
import os

from sqlite_utils import Database

from store.articles import utc_now


class RunInProgress(RuntimeError):
    """Another run is writing to this database right now."""


def start_run(db: Database, flow: str) -> int:
    """Record a new run, refusing if another live process is running one.

    A run whose process is gone (killed, crashed) is marked "abandoned": the next run
    picks up where it stopped, because every write is idempotent.
    """
    # BEGIN IMMEDIATE takes the write lock before reading: two runs starting at the same moment
    # cannot both see no live run (the second waits for the first's insert, then refuses).
    db.execute("begin immediate")
    try:
        for run_id, run_flow, pid in db.execute(
                "select id, flow, pid from runs where status = 'running'").fetchall():
            if pid and pid != os.getpid() and _alive(pid):
                raise RunInProgress(f"the {run_flow} run {run_id} (process {pid}) is still running on this "
                                    "database; wait for it to finish (rightsradar runs shows its progress)")
            db.execute("update runs set status = 'abandoned', finished = ?, "
                       "error = 'the process ended without finishing the run (killed or crashed)' "
                       "where id = ?", [utc_now(), run_id])
        run_id = db["runs"].insert(
            {"flow": flow, "started": utc_now(), "status": "running", "pid": os.getpid(), "counts": "{}"}
        ).last_pk
    except BaseException:
        db.execute("rollback")
        raise
    db.execute("commit")
    return run_id


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def finish_run(db: Database, run_id: int, counts: dict, status: str = "completed", error: str = "") -> None:
    db["runs"].update(run_id, {"finished": utc_now(), "status": status,
                               "counts": json.dumps(counts, ensure_ascii=False), "error": error})


def recent_runs(db: Database, limit: int = 20) -> list[dict]:
    rows = list(db.query("select * from runs order by id desc limit ?", [limit]))
    for row in rows:
        row["counts"] = json.loads(row["counts"] or "{}")
    return rows


def set_progress(db: Database, run_id: int, line: str) -> None:
    """The running step's latest progress line (shown by `rightsradar runs`)."""
    db.execute("update runs set progress = ? where id = ?", [line, run_id])
