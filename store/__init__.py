"""All SQL lives here: the SQLite schema, its migrations, upserts and queries (through sqlite-utils)."""
from store.db import open_db

__all__ = ["open_db"]
