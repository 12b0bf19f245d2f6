"""The source registry in the database, and each source's health."""
from __future__ import annotations

from sqlite_utils import Database

from store.articles import utc_now

REGISTRY_FIELDS = ("id", "name", "kind", "url", "language", "country")


def sync_sources(db: Database, sources: list[dict]) -> None:
    """Upsert the registry's sources; their health columns are left as they are."""
    with db.atomic():
        for source in sources:
            db["sources"].upsert({**{k: source.get(k, "") for k in REGISTRY_FIELDS},
                                  "reliability": source.get("reliability")}, pk="id")


def poll_state(db: Database, source_id: str | None = None) -> dict[str, dict]:
    """Per source (or just `source_id`): what the next poll needs (validators for a conditional
    GET) and its health."""
    where, params = ("where id = ?", [source_id]) if source_id else ("", [])
    return {row["id"]: row for row in db.query(
        "select id, etag, last_modified, body_hash, state, backoff_until, failure_score, "
        f"consecutive_failures from sources {where}", params)}


def record_success(db: Database, source_id: str, items: int, etag: str = "", last_modified: str = "",
                   body_hash: str = "") -> None:
    """A poll that worked (or found the feed unchanged): failures are forgotten."""
    db.execute(
        "update sources set last_success = ?, last_polled = ?, consecutive_failures = 0, failure_score = 0, "
        "state = case when state = 'disabled' then 'disabled' else 'active' end, backoff_until = null, "
        "items_total = coalesce(items_total, 0) + ?, "
        "etag = coalesce(nullif(?, ''), etag), last_modified = coalesce(nullif(?, ''), last_modified), "
        "body_hash = coalesce(nullif(?, ''), body_hash) where id = ?",
        [now := utc_now(), now, items, etag, last_modified, body_hash, source_id],
    )


def record_failure(db: Database, source_id: str, error: str, kind: str, state: str, failure_score: float,
                   backoff_until: str | None) -> None:
    db.execute(
        "update sources set last_error = ?, last_error_at = ?, last_polled = ?, last_failure_kind = ?, "
        "consecutive_failures = coalesce(consecutive_failures, 0) + 1, state = ?, failure_score = ?, "
        "backoff_until = ? where id = ?",
        [error, now := utc_now(), now, kind, state, failure_score, backoff_until, source_id],
    )


def set_enabled(db: Database, source_id: str, enabled: bool) -> bool:
    """Re-enable (resetting its failures) or disable a source by hand. False if there is no such source."""
    if enabled:
        cursor = db.execute("update sources set state = 'active', failure_score = 0, consecutive_failures = 0, "
                            "backoff_until = null where id = ?", [source_id])
    else:
        cursor = db.execute("update sources set state = 'disabled' where id = ?", [source_id])
    return cursor.rowcount > 0


def source_status(db: Database) -> list[dict]:
    return list(db.query(
        "select id, name, kind, state, last_success, last_error, last_error_at, last_failure_kind, "
        "consecutive_failures, failure_score, backoff_until, items_total from sources order by id"))


def save_validators(db: Database, validators: dict[str, dict]) -> None:
    """Store each source's conditional-GET validators (etag, last_modified, body_hash) from a
    completed crawl; empty values keep what was stored."""
    with db.atomic():
        for source_id, v in validators.items():
            db.execute("update sources set etag = coalesce(nullif(?, ''), etag), "
                       "last_modified = coalesce(nullif(?, ''), last_modified), "
                       "body_hash = coalesce(nullif(?, ''), body_hash) where id = ?",
                       [v.get("etag", ""), v.get("last_modified", ""), v.get("body_hash", ""), source_id])
