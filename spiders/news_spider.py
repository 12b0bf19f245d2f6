"""The news spider: poll every source of the registry and fetch its new article pages.

  feed     an RSS/Atom/RDF feed: its entries are the articles
  sitemap  a news sitemap (or a sitemap index of them): its recent <url>s are the articles
  site     start pages: links on them matching the source's `article_pattern` are the articles

Pages are yielded as "page" items; spiders.pipelines extracts them in worker processes.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor
from scrapy.exceptions import (DownloadCancelledError, DownloadConnectionRefusedError, DownloadTimeoutError,
                               IgnoreRequest)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from spiders.dedup import canonical_url
from spiders.extract import decode_html_checked
from spiders.feeds import FeedEntry, FeedError, parse_feed
from spiders.sitemaps import SitemapError, parse_sitemap
from spiders.items import failure_item, page_item, source_item


MAX_CHILD_SITEMAPS = 5


class NewsSpider(scrapy.Spider):
    """Arguments: `sources_file` (JSON list of registry entries) and optionally
    `known_urls_file` (one URL per line, already stored: not fetched again)."""

    name = "news"

    def __init__(self, sources_file: str, known_urls_file: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources = json.loads(Path(sources_file).read_text("utf-8"))
        self.known_urls: set[str] = set()
        self.requested: set[str] = set()
        if known_urls_file and Path(known_urls_file).exists():
            self.known_urls = set(Path(known_urls_file).read_text("utf-8").split())

    async def start(self):
        for source in self.sources:
            callback = {"feed": self.parse_feed, "sitemap": self.parse_sitemap, "site": self.parse_start_page}
            if source.get("kind") not in callback:
                self.logger.warning("source %s: unknown kind %r, skipped", source["id"], source.get("kind"))
                continue
            urls = [source["url"]]
            if source["kind"] == "site" and source.get("start_urls"):
                urls = source["start_urls"]
            for url in urls:
                yield scrapy.Request(url, callback=callback[source["kind"]], errback=self.feed_failed,
                                     headers=conditional_headers(source), cb_kwargs={"source": source},
                                     meta={"handle_httpstatus_list": [304]}, dont_filter=True)

    def _unchanged(self, response, source: dict):
        """The source item for a poll that found nothing new (304, or the same body as last time)."""
        validators = {"etag": _header(response, "ETag"), "last_modified": _header(response, "Last-Modified")}
        body_hash = hashlib.sha256(response.body).hexdigest()
        unchanged = response.status == 304 or body_hash == source.get("body_hash")
        return unchanged, {"body_hash": body_hash, **validators}

    def parse_feed(self, response, source: dict):
        unchanged, validators = self._unchanged(response, source)
        if unchanged:
            yield source_item(source["id"], ok=True, unchanged=True, **validators)
            return
        try:
            feed = parse_feed(response.body, response.url, response.headers.get("Content-Type", b"").decode())
        except FeedError as exc:
            self.logger.warning("source %s: %s (%s)", source["id"], exc, response.url)
            yield source_item(source["id"], ok=False, error=str(exc))
            return
        if feed.warning:
            self.logger.info("source %s: feed recovered from %s", source["id"], feed.warning)
        yield source_item(source["id"], ok=True, entries=len(feed.entries), warning=feed.warning, **validators)
        for entry in feed.entries:
            yield from self._article_request(response, source, entry)

    def parse_sitemap(self, response, source: dict, depth: int = 0):
        unchanged, validators = self._unchanged(response, source)
        if unchanged and depth == 0:
            yield source_item(source["id"], ok=True, unchanged=True, **validators)
            return
        try:
            sitemap = parse_sitemap(response.body, source.get("max_age_days", 3))
        except SitemapError as exc:
            self.logger.warning("source %s: %s (%s)", source["id"], exc, response.url)
            yield source_item(source["id"], ok=False, error=str(exc))
            return
        if depth == 0:
            yield source_item(source["id"], ok=True, entries=len(sitemap.entries), **validators)
        # An index lists child sitemaps; news sites put the newest first. One level is enough.
        for child in sitemap.sitemaps[:MAX_CHILD_SITEMAPS] if depth == 0 else []:
            yield scrapy.Request(response.urljoin(child), callback=self.parse_sitemap, errback=self.article_failed,
                                 cb_kwargs={"source": source, "depth": 1})
        for entry in sitemap.entries:
            yield from self._article_request(response, source, entry)

    def parse_start_page(self, response, source: dict):
        """A site without feed or sitemap: article links on its start pages."""
        if response.status == 304:
            yield source_item(source["id"], ok=True, unchanged=True)
            return
        pattern = re.compile(source["article_pattern"])
        links = [link.url for link in LinkExtractor().extract_links(response) if pattern.search(link.url)]
        yield source_item(source["id"], ok=True, entries=len(links))
        for url in links:
            yield from self._article_request(response, source, FeedEntry(link=url, guid=url, title="", published=None))

    def _article_request(self, response, source: dict, entry: FeedEntry):
        link = canonical_url(response.urljoin(entry.link))
        if urlsplit(link).scheme not in ("http", "https"):
            self.logger.info("source %s: skipping non-http link %s", source["id"], link)
            return
        if link in self.known_urls or link in self.requested:
            return
        self.requested.add(link)
        # dont_filter: we dedupe links ourselves above, and Scrapy's filter would
        # silently drop a page that redirects to itself instead of reporting the loop.
        yield scrapy.Request(link, callback=self.parse_article, errback=self.article_failed, dont_filter=True,
                             cb_kwargs={"source": source, "guid": entry.guid, "feed_date": entry.published})

    def parse_article(self, response, source: dict, guid: str, feed_date: str | None):
        problem = not_an_html_page(response)
        if problem:
            self.logger.warning("source %s: %s: %s", source["id"], response.url, problem)
            yield failure_item(source["id"], response.url, problem)
            return
        # Scrapy has decoded the body already (header, BOM, <meta charset>, then detection, as
        # browsers do); only a body that came out with replacement characters needs a second look.
        html, charset_warning = response.text, ""
        if "\ufffd" in html:
            html, charset_warning = decode_html_checked(response.body, _header(response, "Content-Type"))
        if charset_warning:
            self.logger.warning("source %s: %s: %s", source["id"], response.url, charset_warning)
        # Extraction happens in spiders.pipelines.ExtractionPipeline, in worker processes.
        yield page_item(source, response.url, guid, feed_date, html,
                        datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def feed_failed(self, failure):
        """The source's own URL (feed, sitemap or start page) failed."""
        source = failure.request.cb_kwargs["source"]
        reason = describe_failure(failure)
        self.logger.warning("source %s: feed failed: %s (%s)", source["id"], reason, failure.request.url)
        yield source_item(source["id"], ok=False, error=reason)

    def article_failed(self, failure):
        source = failure.request.cb_kwargs["source"]
        reason = describe_failure(failure)
        self.logger.warning("source %s: article failed: %s (%s)", source["id"], reason, failure.request.url)
        yield failure_item(source["id"], failure.request.url, reason)


def conditional_headers(source: dict) -> dict:
    """If-None-Match / If-Modified-Since from the last successful poll, when we have them."""
    headers = {}
    if source.get("etag"):
        headers["If-None-Match"] = source["etag"]
    if source.get("last_modified"):
        headers["If-Modified-Since"] = source["last_modified"]
    return headers


def _header(response, name: str) -> str:
    return response.headers.get(name, b"").decode("latin-1")


def not_an_html_page(response) -> str:
    """Why a response cannot be an article page, or "" if it can."""
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
    if content_type and not ("html" in content_type or "xml" in content_type or content_type == "text/plain"):
        return f"not an HTML page ({content_type}, binary body)"
    if b"\x00" in response.body[:2048] or not isinstance(response, scrapy.http.TextResponse):
        return "binary body, not an HTML page"
    return ""


def describe_failure(failure) -> str:
    """One readable line for a failed request."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(DNSLookupError):
        return "DNS lookup failed"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timed out"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection refused"
    if failure.check(DownloadCancelledError):
        return "body larger than the maximum page size (DOWNLOAD_MAXSIZE)"
    if failure.check(IgnoreRequest) and "redirect" in failure.getErrorMessage().lower():
        return f"too many redirects ({failure.getErrorMessage()})"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
