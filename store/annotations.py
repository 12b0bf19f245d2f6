"""Save what the NLP found in an article, and the flag that follows from it."""
from __future__ import annotations

import json

from sqlite_utils import Database

from store.articles import utc_now


def save_analysis(db: Database, article_id: int, result: dict, run_id: int | None = None,
                  pipeline: str = "") -> None:
    """Replace an article's annotations with `result` (the `rightsradar analyze` record).

    Idempotent: saving the same result twice leaves the same rows. A flag that a
    researcher has already decided on keeps its status.
    """
    now = utc_now()
    with db.atomic():
        for table in ("mentions", "issue_tags", "places"):
            db.execute(f"delete from {table} where article_id = ?", [article_id])
        for company in result.get("companies", []):
            db.execute(
                "insert or replace into mentions (article_id, field, start, [end], mention, company_id, "
                "confidence, reason, role) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article_id, company["field"], company["start"], company["end"], company["mention"],
                 company.get("id"), company.get("confidence"), company.get("reason", ""),
                 company.get("role", "")],
            )
        for issue in result.get("issues", []):
            # One row per tag: the first evidence sentence found is kept.
            db.execute(
                "insert or ignore into issue_tags (article_id, tag_id, tag, family, evidence, field) "
                "values (?, ?, ?, ?, ?, ?)",
                [article_id, issue.get("tag_id") or issue["tag"], issue["tag"], issue["family"],
                 issue.get("evidence", ""), issue.get("field", "text")],
            )
        for place in result.get("places", []):
            db.execute(
                "insert or ignore into places (article_id, country, region) values (?, ?, ?)",
                [article_id, place["country"], place.get("region", "")],
            )
        db["analyses"].upsert(
            {"article_id": article_id, "analyzed_at": now, "story_type": result.get("story_type", ""),
             "score": result.get("score", 0.0), "flagged": int(bool(result.get("flagged"))),
             "pipeline": pipeline},
            pk="article_id",
        )
        _update_flag(db, article_id, result, run_id, now)


def _update_flag(db: Database, article_id: int, result: dict, run_id: int | None, now: str) -> None:
    existing = db.execute("select status from flags where article_id = ?", [article_id]).fetchone()
    if not result.get("flagged"):
        # Unflag only what nobody has decided on yet: a decision is never lost.
        if existing and existing[0] == "open":
            db.execute("delete from flags where article_id = ?", [article_id])
        return
    company_ids = sorted({c["id"] for c in result.get("companies", []) if c.get("id")})
    families = sorted({i["family"] for i in result.get("issues", [])})
    values = {"score": result.get("score", 0.0), "reason": result.get("flag_reason", ""),
              "company_ids": json.dumps(company_ids), "families": json.dumps(families), "updated": now}
    if existing:
        sets = ", ".join(f"{k} = ?" for k in values)
        db.execute(f"update flags set {sets} where article_id = ?", [*values.values(), article_id])
    else:
        db["flags"].insert({"article_id": article_id, "status": "open", "created": now,
                            "run_id": run_id, **values})
