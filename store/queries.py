"""Read-side queries: what researchers and reports look at."""
from __future__ import annotations

import json

from sqlite_utils import Database


def flagged_stories(db: Database, status: str | None = None, run_id: int | None = None,
                    limit: int = 1000) -> list[dict]:
    """Flagged stories, best first, with firms, issue tags and evidence; optionally only those
    with a given status or first flagged by a given run."""
    conditions = {"f.status = ?": status, "f.run_id = ?": run_id}
    params = [value for value in conditions.values() if value is not None]
    where = " and ".join(cond for cond, value in conditions.items() if value is not None)
    where = f"where {where}" if where else ""
    rows = list(db.query(
        f"""select a.id, a.url, a.title, a.published, a.source_id, f.score, f.reason, f.status,
                   f.company_ids, f.families
            from flags f join articles a on a.id = f.article_id
            {where} order by f.score desc, a.id limit ?""",
        [*params, limit],
    ))
    for row in rows:
        row["company_ids"] = json.loads(row["company_ids"] or "[]")
        row["families"] = json.loads(row["families"] or "[]")
        row["issues"] = list(db.query(
            "select tag, family, evidence from issue_tags where article_id = ? order by family, tag", [row["id"]]))
    return rows


def search_articles(db: Database, query: str, limit: int = 20) -> list[dict]:
    """Full-text search over article titles and text."""
    return list(db["articles"].search(query, columns=["id", "url", "title"], limit=limit))
