"""Save fetched articles: idempotent, and a story seen twice is stored once."""
from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlite_utils import Database

from spiders.near_duplicates import sketch as text_sketch
from store.stories import find_story, index_article, story_of


@dataclass(frozen=True)
class SaveResult:
    article_id: int
    outcome: str  # "new", or "duplicate" (same URL, or same text under another URL)
    story_id: int | None = None  # the story it joined (its own id when it starts one)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# Articles read per query by articles_for_analysis (SQLite allows 32,766 parameters; a few hundred texts
# are a few MB).
READ_AT_ONCE = 256


def known_urls(db: Database) -> set[str]:
    """Every URL already stored, so the crawler can skip them."""
    return {row[0] for row in db.execute("select url from article_urls")}


def save_article(db: Database, item: dict) -> SaveResult:
    """Store one extracted article, or record it as a copy of one already stored.

    `item` has: url (canonical), fetched_url, source_id, title, text, language,
    published, authors (list), content_hash, and optionally the page as fetched: raw_html (str) or
    raw_html_zlib_b64 (already compressed by the crawler's extraction workers).
    Running the same item twice adds nothing.

    A new article joins the story of its most similar stored near-duplicate (a syndicated
    copy with small edits: store/stories.py), else starts a story of its own.
    """
    now = utc_now()
    urls = {item["url"], item.get("fetched_url") or item["url"]}
    existing = _find_existing(db, urls, item["content_hash"])
    if existing is not None:
        with db.atomic():
            _remember_urls(db, urls, existing, item["source_id"], now)
        return SaveResult(existing, "duplicate", story_of(db, existing))
    sketch = text_sketch(item.get("text") or "")
    story_id = find_story(db, sketch) if sketch else None
    with db.atomic():
        article_id = db["articles"].insert(
            {
                "url": item["url"],
                "title": item.get("title") or "",
                "text": item.get("text") or "",
                "language": item.get("language") or "",
                "published": item.get("published"),
                "fetched": item.get("fetched") or now,
                "source_id": item["source_id"],
                "content_hash": item["content_hash"],
                "authors": json.dumps(item.get("authors") or [], ensure_ascii=False),
                "raw_html": _compressed_page(item),
                "story_id": story_id,  # None: the article starts its own story (trigger in m003)
            }
        ).last_pk
        _remember_urls(db, urls, article_id, item["source_id"], now)
        if sketch:
            index_article(db, article_id, sketch, item["content_hash"])
    return SaveResult(article_id, "new", story_id if story_id is not None else article_id)


def _compressed_page(item: dict) -> bytes | None:
    if item.get("raw_html_zlib_b64"):
        return base64.b64decode(item["raw_html_zlib_b64"])
    if item.get("raw_html"):
        return zlib.compress(item["raw_html"].encode("utf-8"))
    return None


def raw_html(db: Database, article_id: int) -> str | None:
    """The page as fetched, for re-extraction without refetching."""
    row = db.execute("select raw_html from articles where id = ?", [article_id]).fetchone()
    return zlib.decompress(row[0]).decode("utf-8") if row and row[0] else None


def _find_existing(db: Database, urls: set[str], content_hash: str) -> int | None:
    marks = ",".join("?" * len(urls))
    row = db.execute(f"select article_id from article_urls where url in ({marks})", list(urls)).fetchone()
    if row:
        return row[0]
    row = db.execute("select id from articles where content_hash = ? order by id limit 1", [content_hash]).fetchone()
    return row[0] if row else None


def _remember_urls(db: Database, urls: set[str], article_id: int, source_id: str, now: str) -> None:
    for url in urls:
        db.execute(
            "insert or ignore into article_urls (url, article_id, source_id, first_seen) values (?, ?, ?, ?)",
            [url, article_id, source_id, now],
        )


def unanalysed_ids(db: Database) -> list[int]:
    """Ids of the articles never analysed, oldest first."""
    return [row[0] for row in db.execute(
        "select id from articles where id not in (select article_id from analyses) order by id")]


def articles_for_analysis(db: Database, article_ids: list[int] | None = None):
    """Yield {"id", "title", "text"} records: the given ids (in their order), or those never analysed.

    Texts are read a few hundred at a time, so a day's volume never sits in memory at once."""
    ids = unanalysed_ids(db) if article_ids is None else list(article_ids)
    for start in range(0, len(ids), READ_AT_ONCE):
        chunk = ids[start:start + READ_AT_ONCE]
        marks = ",".join("?" * len(chunk))
        rows = {row[0]: row for row in db.execute(f"select id, title, text from articles where id in ({marks})",
                                                  chunk)}
        for article_id in chunk:
            if article_id in rows:
                _, title, text = rows[article_id]
                yield {"id": article_id, "title": title, "text": text}


def sources_of(db: Database, article_id: int) -> list[str]:
    """The distinct sources that carried an article."""
    return [r[0] for r in db.execute(
        "select distinct source_id from article_urls where article_id = ? order by source_id", [article_id])]
