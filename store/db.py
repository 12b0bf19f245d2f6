"""Open the project's SQLite database: WAL mode, foreign keys, migrations applied."""
from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils

from store.migrations import migrations

DEFAULT_DB_PATH = "rightsradar.db"


def default_db_path() -> Path:
    """The database file: $RIGHTSRADAR_DB, else rightsradar.db in the working directory."""
    return Path(os.environ.get("RIGHTSRADAR_DB", DEFAULT_DB_PATH))


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) and upgrade the database at `path`.

    `path=":memory:"` gives an in-memory database, for tests.
    """
    path = default_db_path() if path is None else path
    if str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        # Several processes (the daily run, the triage app) share the file: wait for
        # a lock instead of failing at once, and let readers run beside the writer.
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        # In WAL mode NORMAL keeps the file consistent through any crash; a commit just does not
        # wait for the disk (fsync) each time. A process killed mid-run loses nothing committed;
        # only a power cut can drop the last commits, whose URLs the next run then fetches again.
        # FULL made every stored article wait for the disk: half the time of storing them.
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db
