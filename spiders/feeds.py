"""Read an RSS/Atom/RDF feed body into entries, or say clearly why it cannot be read."""
from __future__ import annotations

from dataclasses import dataclass, field

import feedparser

from spiders.dates import struct_time_to_iso


class FeedError(ValueError):
    """The body is not a feed we can read; the message says why."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    guid: str
    title: str
    published: str | None  # ISO 8601 UTC
    summary: str = ""


@dataclass
class ParsedFeed:
    title: str
    entries: list[FeedEntry] = field(default_factory=list)
    warning: str = ""  # set when feedparser recovered from a malformed body


def parse_feed(body: bytes, url: str = "", content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body. Entries without a link are dropped; duplicate GUIDs/links kept once."""
    headers = {"content-type": content_type} if content_type else None
    if body[:1].isspace() and body.lstrip()[:5] == b"<?xml":
        # Blank lines before the XML declaration are a common publishing slip that
        # makes the body ill-formed XML; dropping them loses nothing.
        body = body.lstrip()
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    problem = _describe(parsed.get("bozo_exception")) if parsed.get("bozo") else ""
    if not parsed.entries:
        if problem:
            raise FeedError(f"unreadable feed: {problem}")
        if not parsed.get("version"):
            raise FeedError("not an RSS, Atom or RDF feed (no channel or entries found)")
    entries, seen = [], set()
    for raw in parsed.entries:
        link = (raw.get("link") or "").strip()
        guid = (raw.get("id") or link).strip()
        if not link or guid in seen or link in seen:
            continue
        seen.update((guid, link))
        entries.append(FeedEntry(
            link=link, guid=guid, title=(raw.get("title") or "").strip(),
            published=struct_time_to_iso(raw.get("published_parsed") or raw.get("updated_parsed")),
            summary=(raw.get("summary") or "").strip(),
        ))
    return ParsedFeed(title=parsed.feed.get("title", ""), entries=entries, warning=problem)


def _describe(exc: Exception | None) -> str:
    if exc is None:
        return "malformed feed"
    return f"{type(exc).__name__}: {exc}"
