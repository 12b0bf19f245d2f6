"""Raw pages kept compressed with each article, so extraction can be rerun without refetching."""
from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

from sqlite_utils import Database

EXTRACTED_FIELDS = ("title", "text", "language", "published", "content_hash")


def iter_raw_pages(db: Database, source_id: str | None = None) -> Iterator[tuple[int, str, str, str]]:
    """(article_id, url, source_id, html) for every article whose page was kept."""
    sql = "select id, url, source_id, raw_html from articles where raw_html is not null"
    params: list = []
    if source_id:
        sql += " and source_id = ?"
        params.append(source_id)
    for article_id, url, source, blob in db.execute(sql + " order by id", params).fetchall():
        yield article_id, url, source, zlib.decompress(blob).decode("utf-8")


def update_extraction(db: Database, article_id: int, extracted: dict) -> bool:
    """Write a re-extraction; True if anything changed. A changed text forgets the article's
    analysis, so the next run (or `reprocess`) analyses it again."""
    row = db.execute(f"select {', '.join(EXTRACTED_FIELDS)}, authors from articles where id = ?",
                     [article_id]).fetchone()
    new = [extracted.get(field) for field in EXTRACTED_FIELDS] + [json.dumps(extracted.get("authors") or [],
                                                                             ensure_ascii=False)]
    if row is None or list(row) == new:
        return False
    with db.atomic():
        sets = ", ".join(f"{field} = ?" for field in (*EXTRACTED_FIELDS, "authors"))
        db.execute(f"update articles set {sets} where id = ?", [*new, article_id])
        if row[1] != extracted.get("text"):
            db.execute("delete from analyses where article_id = ?", [article_id])
    return True
