"""What the spiders yield. One JSON line each in the crawl's output file."""
from __future__ import annotations


def article_item(source_id: str, fetched_url: str, entry_guid: str, extracted: dict, raw_html: str,
                 fetched: str) -> dict:
    return {"type": "article", "source_id": source_id, "fetched_url": fetched_url, "guid": entry_guid,
            "fetched": fetched, "raw_html": raw_html, **extracted}


def source_item(source_id: str, ok: bool, entries: int = 0, error: str = "", warning: str = "") -> dict:
    """One per polled source: did the feed answer, and with how many entries."""
    return {"type": "source", "source_id": source_id, "ok": ok, "entries": entries,
            "error": error, "warning": warning}


def failure_item(source_id: str, url: str, error: str) -> dict:
    """An article that could not be fetched or extracted."""
    return {"type": "failure", "source_id": source_id, "url": url, "error": error}
