"""The backfill spider: a source's articles published in a date range, from its feed archives and sitemaps.

Each source carries `window: {since, until}` (ISO 8601 UTC). Feeds are read page after page
through their archive links (RFC 5005 rel="prev-archive", or a paged feed's rel="next") until a page
holds nothing newer than `since`; news sitemaps and sitemap indexes are read without their usual
age limit, keeping the URLs dated inside the range. No conditional GET: a backfill reads everything.
Per-domain politeness and URL dedup are the news spider's.
"""
from __future__ import annotations

import scrapy

from spiders.archives import dated_child_sitemaps, in_window, older_feed_page
from spiders.feeds import FeedError, parse_feed
from spiders.items import failure_item, source_item
from spiders.news_spider import NewsSpider
from spiders.sitemaps import SitemapError, parse_sitemap

MAX_ARCHIVE_PAGES = 100
MAX_CHILD_SITEMAPS = 200


class BackfillSpider(NewsSpider):
    name = "backfill"

    async def start(self):
        for source in self.sources:
            callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap}.get(source.get("kind"))
            if callback is None:
                self.logger.info("source %s: a %s source has no archive to backfill from", source["id"],
                                 source.get("kind"))
                continue
            yield scrapy.Request(source["url"], callback=callback, errback=self.feed_failed,
                                 cb_kwargs={"source": source}, dont_filter=True)

    def parse_feed(self, response, source: dict, page: int = 0):
        since, until = source["window"]["since"], source["window"]["until"]
        try:
            feed = parse_feed(response.body, response.url, response.headers.get("Content-Type", b"").decode())
        except FeedError as exc:
            if page == 0:
                yield source_item(source["id"], ok=False, error=str(exc))
            else:
                yield from self.article_failed_for(source, response.url, f"archive page: {exc}")
            return
        wanted = [e for e in feed.entries if in_window(e.published, since, until)]
        if page == 0:
            yield source_item(source["id"], ok=True, entries=len(wanted))
        for entry in wanted:
            yield from self._article_request(response, source, entry)
        dated = [e.published for e in feed.entries if e.published]
        older = older_feed_page(response.body)
        # Archives run newest to oldest: a page whose newest entry is before the range ends the walk.
        if older and page + 1 < MAX_ARCHIVE_PAGES and (not dated or max(dated) >= since):
            yield scrapy.Request(response.urljoin(older), callback=self.parse_feed, errback=self.article_failed,
                                 cb_kwargs={"source": source, "page": page + 1})

    def parse_sitemap(self, response, source: dict, depth: int = 0):
        since, until = source["window"]["since"], source["window"]["until"]
        try:
            sitemap = parse_sitemap(response.body, max_age_days=None)
        except SitemapError as exc:
            if depth == 0:
                yield source_item(source["id"], ok=False, error=str(exc))
            else:
                yield from self.article_failed_for(source, response.url, f"child sitemap: {exc}")
            return
        wanted = [e for e in sitemap.entries if in_window(e.published, since, until)]
        if depth == 0:
            yield source_item(source["id"], ok=True, entries=len(wanted))
        if depth == 0 and sitemap.sitemaps:
            children = [loc for loc, lastmod in dated_child_sitemaps(response.body)
                        if lastmod is None or lastmod >= since]   # a child last changed before the range is older
            for child in children[:MAX_CHILD_SITEMAPS]:
                yield scrapy.Request(response.urljoin(child), callback=self.parse_sitemap,
                                     errback=self.article_failed, cb_kwargs={"source": source, "depth": 1})
        for entry in wanted:
            yield from self._article_request(response, source, entry)

    def article_failed_for(self, source: dict, url: str, reason: str):
        self.logger.warning("source %s: %s (%s)", source["id"], reason, url)
        yield failure_item(source["id"], url, reason)
