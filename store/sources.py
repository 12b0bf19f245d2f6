"""The source registry in the database, and each source's health."""
from __future__ import annotations

from sqlite_utils import Database

from store.articles import utc_now


def sync_sources(db: Database, sources: list[dict]) -> None:
    """Upsert the registry's sources; their health columns are left as they are."""
    with db.atomic():
        for source in sources:
            db["sources"].upsert(
                {k: source.get(k, "") for k in ("id", "name", "kind", "url", "language", "country")},
                pk="id",
            )


def record_success(db: Database, source_id: str, items: int) -> None:
    db.execute(
        "update sources set last_success = ?, consecutive_failures = 0, "
        "items_total = coalesce(items_total, 0) + ? where id = ?",
        [utc_now(), items, source_id],
    )


def record_failure(db: Database, source_id: str, error: str) -> None:
    db.execute(
        "update sources set last_error = ?, last_error_at = ?, "
        "consecutive_failures = coalesce(consecutive_failures, 0) + 1 where id = ?",
        [error, utc_now(), source_id],
    )


def source_status(db: Database) -> list[dict]:
    return list(db.query(
        "select id, name, kind, enabled, last_success, last_error, last_error_at, "
        "consecutive_failures, items_total from sources order by id"))
