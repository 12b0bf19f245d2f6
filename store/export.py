"""Decided stories as export records, for the library (formats: triage/export.py).

A record's `id` is stable: a UUID made from the story's canonical URL, the same in every export
and from any copy of the database.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime

from sqlite_utils import Database

from store.triage import STATUSES, story_cards

BATCH = 200
SUMMARY_CHARS = 400


def export_records(db: Database, status: str = "accepted", since: str | None = None) -> list[dict]:
    return list(iter_export_records(db, status, since))


def iter_export_records(db: Database, status: str = "accepted", since: str | None = None) -> Iterator[dict]:
    """Stories with `status` whose status was given on or after `since` (a date or an ISO time;
    for open stories: flagged since), oldest decision first."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}: one of {', '.join(STATUSES)}")
    since = _check_since(since)
    when = "f.created" if status == "open" else "f.decided_at"
    sql = f"""select f.article_id as id, f.score, f.status, f.reason, f.decided_by, f.decided_at, f.created,
                     a.title, a.url, a.published, a.language, a.source_id, s.name as source_name, a.story_id,
                     substr(a.text, 1, 2000) as text
              from flags f join articles a on a.id = f.article_id left join sources s on s.id = a.source_id
              where f.status = ? and ({when} >= ? or ? = '')
              order by {when}, f.article_id limit ? offset ?"""
    offset = 0
    while True:
        rows = list(db.query(sql, [status, since, since, BATCH, offset]))
        if not rows:
            return
        for row in story_cards(db, rows):
            yield _record(row)
        offset += BATCH


def stable_id(url: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def _check_since(since: str | None) -> str:
    if not since:
        return ""
    try:
        if len(since) == 10:
            date.fromisoformat(since)
        else:
            datetime.fromisoformat(since)
    except ValueError:
        raise ValueError(f"--since {since!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
    return since


def _summary(text: str) -> str:
    """The first sentences of the text, up to about SUMMARY_CHARS characters."""
    text = " ".join((text or "").split())
    summary = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if summary and len(summary) + len(sentence) > SUMMARY_CHARS:
            break
        summary = f"{summary} {sentence}".strip()
    return summary if len(summary) <= SUMMARY_CHARS + 200 else summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"


def _record(row: dict) -> dict:
    live = [t for t in row["tags"] if not t["removed"]]
    families = {i["tag_id"]: i["family"] for i in row["issues"]}
    return {
        "id": stable_id(row["url"]),
        "article_id": row["id"],
        "title": row["title"],
        "url": row["url"],
        "published": row["published"],
        "language": row["language"],
        "source": {"id": row["source_id"], "name": row["source_name"] or row["source_id"]},
        "outlets": [{"url": o["url"], "source": o["source_id"], "name": o["source_name"] or o["source_id"]}
                    for o in row["outlets"]],
        "summary": _summary(row["text"]),
        "firms": [{"id": f["id"], "name": f["name"]} for f in row["firms"]],
        "tags": [{"id": t["value"], "name": t["label"], "family": families.get(t["value"], "")}
                 for t in live if t["kind"] == "issue"],
        "countries": [t["value"] for t in live if t["kind"] == "country"],
        "regions": [t["value"] for t in live if t["kind"] == "region"],
        "sectors": [t["value"] for t in live if t["kind"] == "sector"],
        "evidence": [e["sentence"] for e in row["evidence"]],
        "score": row["score"],
        "reason": row["reason"],
        "status": row["status"],
        "decided_by": row["decided_by"],
        "decided_at": row["decided_at"],
        "notes": [{"user": n["user"], "created": n["created"], "text": n["text"]} for n in row["notes"]],
    }
