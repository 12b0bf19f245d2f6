"""What a reprocess and the story score read: which analyses are stale, and who carried each story."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from sqlite_utils import Database

CHUNK = 500   # ids per `in (...)` list: well under SQLite's variable limit


def stale_article_ids(db: Database, fingerprint: str) -> list[int]:
    """Ids of every article never analysed or analysed with another fingerprint, oldest first."""
    return [row[0] for row in db.execute(
            "select a.id from articles a left join analyses an on an.article_id = a.id "
            "where an.article_id is null or an.fingerprint is null or an.fingerprint != ? order by a.id",
            [fingerprint])]


def count_stale(db: Database, fingerprint: str) -> int:
    return db.execute(
        "select count(*) from articles a left join analyses an on an.article_id = a.id "
        "where an.article_id is null or an.fingerprint is null or an.fingerprint != ?", [fingerprint]).fetchone()[0]


def corrections_digest(db: Database) -> str:
    """A digest of the researchers' link corrections (they change what the linker links)."""
    digest = hashlib.sha256()
    for row in db.execute("select kind, name_key, company_id from link_corrections order by kind, name_key, company_id"):
        digest.update("\t".join(row).encode() + b"\n")
    return digest.hexdigest()


def evidence_of(db: Database, article_ids: Iterable[int] | None = None) -> dict[int, tuple[float, str]]:
    """article id -> (evidence score, evidence reason) of analysed articles (all, or the given ones)."""
    if article_ids is None:
        return {r[0]: (r[1] or 0.0, r[2] or "") for r in
                db.execute("select article_id, evidence, evidence_reason from analyses")}
    found = {}
    for chunk in _chunks(article_ids):
        marks = ",".join("?" * len(chunk))
        for r in db.execute(f"select article_id, evidence, evidence_reason from analyses where article_id in ({marks})",
                            chunk):
            found[r[0]] = (r[1] or 0.0, r[2] or "")
    return found


def story_carriers(db: Database, article_ids: Iterable[int]) -> dict[int, tuple[int, float | None]]:
    """article id -> (independent sources, best source reliability) of the article's story.

    Independent sources are distinct publishers: web hosts (without "www.") among every URL under
    which the story was seen, so two feeds of one outlet count once. Reliability is None when no
    source of the story has one.
    """
    result = {}
    for chunk in _chunks(article_ids):
        marks = ",".join("?" * len(chunk))
        story_of = dict(db.execute(f"select id, story_id from articles where id in ({marks})", chunk).fetchall())
        stories = sorted(set(story_of.values()))
        hosts: dict[int, set[str]] = {s: set() for s in stories}
        best: dict[int, float | None] = {s: None for s in stories}
        story_marks = ",".join("?" * len(stories))
        for story_id, url, reliability in db.execute(
                f"""select b.story_id, u.url, s.reliability from articles b
                    join article_urls u on u.article_id = b.id left join sources s on s.id = u.source_id
                    where b.story_id in ({story_marks})""", stories):
            hosts[story_id].add(_publisher(url))
            if reliability is not None and (best[story_id] is None or reliability > best[story_id]):
                best[story_id] = reliability
        for article_id, story_id in story_of.items():
            result[article_id] = (max(len(hosts[story_id]), 1), best[story_id])
    return result


def analysed_in_stories_of(db: Database, article_ids: Iterable[int]) -> list[int]:
    """The analysed articles of the stories the given articles belong to (their scores depend on
    who carried the story, so they are rescored when a copy arrives)."""
    found: set[int] = set()
    for chunk in _chunks(article_ids):
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(
            f"""select b.id from articles b join analyses an on an.article_id = b.id
                where b.story_id in (select story_id from articles where id in ({marks}))""", chunk))
    return sorted(found)


def _publisher(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host[4:] if host.startswith("www.") else host


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def urls_seen_since(db: Database, since: str) -> list[int]:
    """The articles that gained a URL (were stored, or seen again under another URL) since `since`."""
    return [r[0] for r in db.execute("select distinct article_id from article_urls where first_seen >= ?", [since])]
