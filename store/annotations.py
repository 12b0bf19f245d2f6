"""Save what the NLP found in an article, and the flag that follows from it."""
from __future__ import annotations

import hashlib
import json

from sqlite_utils import Database

from store.articles import utc_now


def save_analysis(db: Database, article_id: int, result: dict, run_id: int | None = None,
                  pipeline: str = "", fingerprint: str = "") -> str:
    """Replace an article's annotations with `result` (the `rightsradar analyze` record).

    `result["evidence"]` (else `score`) is the text's own score; `score`, `flagged` and `flag_reason`
    are the story's (with its sources: nlp.scoring.story_score). `fingerprint` names what produced it.
    Returns "new", "changed", or "unchanged" when the annotations came out as stored: then only the
    fingerprint (and a score that moved) is written, so a reprocess rewrites only what changed.

    Idempotent: saving the same result twice leaves the same rows. A flag that a
    researcher has already decided on keeps its status.
    """
    now = utc_now()
    digest = result_digest(result)
    evidence = result.get("evidence", result.get("score", 0.0))
    with db.atomic():
        stored = db.execute("select result_hash from analyses where article_id = ?", [article_id]).fetchone()
        if stored and stored[0] == digest:
            db.execute("update analyses set fingerprint = ?, pipeline = ?, score = ?, flagged = ? "
                       "where article_id = ?", [fingerprint, pipeline, result.get("score", 0.0),
                                                int(bool(result.get("flagged"))), article_id])
            _update_flag(db, article_id, result, run_id, now)
            return "unchanged"
        _replace_annotations(db, article_id, result)
        db["analyses"].upsert(
            {"article_id": article_id, "analyzed_at": now, "story_type": result.get("story_type", ""),
             "score": result.get("score", 0.0), "flagged": int(bool(result.get("flagged"))),
             "pipeline": pipeline, "fingerprint": fingerprint, "result_hash": digest, "evidence": evidence,
             "evidence_reason": result.get("evidence_reason", result.get("flag_reason", ""))},
            pk="article_id",
        )
        _update_flag(db, article_id, result, run_id, now)
    return "changed" if stored else "new"


def result_digest(result: dict) -> str:
    """A digest of the annotations (not of the story's score, which its sources move)."""
    kept = {key: result.get(key) for key in ("companies", "issues", "places", "story_type")}
    kept["evidence"] = result.get("evidence", result.get("score", 0.0))
    kept["evidence_reason"] = result.get("evidence_reason", result.get("flag_reason", ""))
    return hashlib.sha256(json.dumps(kept, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def set_story_score(db: Database, article_id: int, score: float, flagged: bool, reason: str,
                    run_id: int | None = None) -> bool:
    """Write a rescored story (its sources or the flagging settings changed); True if anything changed."""
    row = db.execute("select score, flagged from analyses where article_id = ?", [article_id]).fetchone()
    if row is None:
        return False
    flag = db.execute("select reason from flags where article_id = ?", [article_id]).fetchone()
    if (row[0], bool(row[1])) == (score, flagged) and (flag[0] if flag else None) == (reason if flagged else None):
        return False
    companies = [{"id": r[0]} for r in db.execute(
        "select distinct company_id from mentions where article_id = ? and company_id is not null", [article_id])]
    issues = [{"family": r[0]} for r in db.execute(
        "select distinct family from issue_tags where article_id = ?", [article_id])]
    with db.atomic():
        db.execute("update analyses set score = ?, flagged = ? where article_id = ?",
                   [score, int(flagged), article_id])
        _update_flag(db, article_id, {"flagged": flagged, "score": score, "flag_reason": reason,
                                      "companies": companies, "issues": issues}, run_id, utc_now())
    return True


def _replace_annotations(db: Database, article_id: int, result: dict) -> None:
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
        unchanged = db.execute("select score, reason, company_ids, families from flags where article_id = ?",
                               [article_id]).fetchone()
        if list(unchanged) == [values["score"], values["reason"], values["company_ids"], values["families"]]:
            return
        sets = ", ".join(f"{k} = ?" for k in values)
        db.execute(f"update flags set {sets} where article_id = ?", [*values.values(), article_id])
    else:
        db["flags"].insert({"article_id": article_id, "status": "open", "created": now,
                            "run_id": run_id, **values})
