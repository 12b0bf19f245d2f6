"""Untracked organisations seen in flagged stories: the raw rows for `rightsradar companies candidates`."""
from __future__ import annotations

from sqlite_utils import Database

from catalog.candidates import Candidate, rank_candidates


def untracked_mentions(db: Database, since: str | None = None) -> list[dict]:
    """One row per (organisation mention, flagged article): the mention as written, its role, the story,
    the article's title and the story's score. Flagged means flagged by the pipeline and not rejected."""
    return list(db.query(
        """select m.mention, m.role, m.article_id, a.story_id, a.title, an.score
           from mentions m
           join articles a on a.id = m.article_id
           join analyses an on an.article_id = m.article_id
           left join flags f on f.article_id = m.article_id
           where m.company_id is null and an.flagged = 1
             and coalesce(f.status, 'open') != 'rejected'
             and coalesce(a.published, a.fetched, '') >= ?
           order by m.article_id""",
        [since or ""],
    ))


def tracked_name_keys(db: Database) -> set[str]:
    """Normalised names and aliases of every tracked firm (a candidate must not be one of them)."""
    from catalog.names import normalise

    names = [r[0] for r in db.execute("select name from companies")]
    names += [r[0] for r in db.execute("select alias from aliases")]
    return {normalise(n) for n in names}


def candidate_firms(db: Database, limit: int = 30, since: str | None = None) -> list[dict]:
    ranked: list[Candidate] = rank_candidates(untracked_mentions(db, since), tracked_name_keys(db))
    return [c.as_dict() for c in ranked[:limit]]
