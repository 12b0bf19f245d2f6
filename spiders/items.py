"""What the spiders yield. One JSON line each in the crawl's output file."""
from __future__ import annotations


def page_item(source: dict, fetched_url: str, guid: str, feed_date: str | None, html: str, fetched: str) -> dict:
    """A fetched page, before extraction (which spiders.pipelines does in worker processes)."""
    return {"type": "page", "source_id": source["id"], "fetched_url": fetched_url, "guid": guid,
            "feed_date": feed_date, "html": html, "fetched": fetched, "language": source.get("language", ""),
            "override": source.get("extraction")}


def article_item(source_id: str, fetched_url: str, entry_guid: str, extracted: dict, raw_html_zlib_b64: str,
                 fetched: str) -> dict:
    """An extracted article; the page as fetched rides along zlib-compressed and base64-encoded."""
    return {"type": "article", "source_id": source_id, "fetched_url": fetched_url, "guid": entry_guid,
            "fetched": fetched, "raw_html_zlib_b64": raw_html_zlib_b64, **extracted}


def source_item(source_id: str, ok: bool, entries: int = 0, error: str = "", warning: str = "",
                unchanged: bool = False, etag: str = "", last_modified: str = "", body_hash: str = "") -> dict:
    """One per polled source: did the feed answer, with how many entries, and the validators
    (ETag, Last-Modified, body hash) for the next conditional poll."""
    return {"type": "source", "source_id": source_id, "ok": ok, "entries": entries, "error": error,
            "warning": warning, "unchanged": unchanged, "etag": etag, "last_modified": last_modified,
            "body_hash": body_hash}


def failure_item(source_id: str, url: str, error: str) -> dict:
    """An article that could not be fetched or extracted."""
    return {"type": "failure", "source_id": source_id, "url": url, "error": error}
