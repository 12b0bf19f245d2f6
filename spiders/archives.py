"""Links into a publisher's past: feed archive pages (RFC 5005) and dated child sitemaps."""
from __future__ import annotations

from lxml import etree

from spiders.dates import to_utc_iso

ARCHIVE_RELS = ("prev-archive", "next")   # RFC 5005: archived feeds, and paged feeds


def _root(body: bytes):
    try:
        return etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False,
                                                              no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return None


def older_feed_page(body: bytes) -> str | None:
    """The href of a feed's link to its older entries (rel="prev-archive", else rel="next"), or None."""
    root = _root(body)
    if root is None:
        return None
    links = {link.get("rel"): link.get("href") for link in root.iter("{*}link")
             if link.get("rel") in ARCHIVE_RELS and link.get("href")}
    return next((links[rel] for rel in ARCHIVE_RELS if rel in links), None)


def dated_child_sitemaps(body: bytes) -> list[tuple[str, str | None]]:
    """(loc, lastmod as ISO 8601 UTC or None) of each child of a sitemap index."""
    root = _root(body)
    if root is None:
        return []
    children = []
    for sitemap in root.iter("{*}sitemap"):
        loc = (sitemap.findtext("{*}loc") or "").strip()
        if loc:
            children.append((loc, to_utc_iso(sitemap.findtext("{*}lastmod"))))
    return children


def in_window(published: str | None, since: str, until: str) -> bool:
    """A date (ISO 8601 UTC) inside [since, until]; an undated entry is kept (dedup drops what is stored)."""
    return published is None or since <= published <= until
