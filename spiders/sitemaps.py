"""Read news sitemaps (Google News format) and sitemap indexes, for sites without a feed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lxml import etree

from spiders.dates import to_utc_iso
from spiders.feeds import FeedEntry

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


class SitemapError(ValueError):
    """Not a sitemap we can read; the message says why."""


@dataclass
class ParsedSitemap:
    entries: list[FeedEntry] = field(default_factory=list)   # articles (urlset)
    sitemaps: list[str] = field(default_factory=list)         # child sitemaps (sitemapindex)


def parse_sitemap(body: bytes, max_age_days: float | None = 3.0, now: datetime | None = None) -> ParsedSitemap:
    """Articles of a news sitemap (only those published in the last `max_age_days`, when dated),
    or the child sitemaps of an index."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False,
                                                               no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"unreadable sitemap: {exc}") from exc
    if root is None:
        raise SitemapError("unreadable sitemap: empty or not XML")
    kind = etree.QName(root).localname
    if kind == "sitemapindex":
        return ParsedSitemap(sitemaps=[loc.strip() for loc in root.xpath("//*[local-name()='sitemap']"
                                                                         "/*[local-name()='loc']/text()")])
    if kind != "urlset":
        raise SitemapError(f"not a sitemap (root element <{kind}>)")
    cutoff = None
    if max_age_days is not None:
        cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=max_age_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    parsed = ParsedSitemap()
    for url in root.xpath("//*[local-name()='url']"):
        loc = (url.findtext("{*}loc") or "").strip()
        if not loc:
            continue
        published = to_utc_iso(url.findtext(f"{{{NEWS_NS}}}news/{{{NEWS_NS}}}publication_date")
                               or url.findtext("{*}lastmod"))
        if cutoff and published and published < cutoff:
            continue
        title = (url.findtext(f"{{{NEWS_NS}}}news/{{{NEWS_NS}}}title") or "").strip()
        parsed.entries.append(FeedEntry(link=loc, guid=loc, title=title, published=published))
    return parsed
