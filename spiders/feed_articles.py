"""The feed spider: poll each feed of the registry, then fetch and extract its new articles."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import (DownloadCancelledError, DownloadConnectionRefusedError, DownloadTimeoutError,
                               IgnoreRequest)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from spiders.dedup import canonical_url
from spiders.feeds import FeedError, parse_feed
from spiders.items import failure_item, page_item, source_item


class FeedArticlesSpider(scrapy.Spider):
    """Arguments: `sources_file` (JSON list of registry entries of kind "feed") and
    optionally `known_urls_file` (one URL per line, already stored: not fetched again)."""

    name = "feed_articles"

    def __init__(self, sources_file: str, known_urls_file: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources = [s for s in json.loads(Path(sources_file).read_text("utf-8")) if s.get("kind") == "feed"]
        self.known_urls: set[str] = set()
        self.requested: set[str] = set()
        if known_urls_file and Path(known_urls_file).exists():
            self.known_urls = set(Path(known_urls_file).read_text("utf-8").split())

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(source["url"], callback=self.parse_feed, errback=self.feed_failed,
                                 headers=conditional_headers(source), cb_kwargs={"source": source},
                                 meta={"handle_httpstatus_list": [304]}, dont_filter=True)

    def parse_feed(self, response, source: dict):
        validators = {"etag": _header(response, "ETag"), "last_modified": _header(response, "Last-Modified")}
        body_hash = hashlib.sha256(response.body).hexdigest()
        if response.status == 304 or body_hash == source.get("body_hash"):
            # Nothing new since the last poll: skip parsing and every entry.
            yield source_item(source["id"], ok=True, unchanged=True, body_hash=body_hash, **validators)
            return
        try:
            feed = parse_feed(response.body, response.url, response.headers.get("Content-Type", b"").decode())
        except FeedError as exc:
            self.logger.warning("source %s: %s (%s)", source["id"], exc, response.url)
            yield source_item(source["id"], ok=False, error=str(exc))
            return
        if feed.warning:
            self.logger.info("source %s: feed recovered from %s", source["id"], feed.warning)
        yield source_item(source["id"], ok=True, entries=len(feed.entries), warning=feed.warning,
                          body_hash=body_hash, **validators)
        for entry in feed.entries:
            link = canonical_url(response.urljoin(entry.link))
            if urlsplit(link).scheme not in ("http", "https"):
                self.logger.info("source %s: skipping non-http link %s", source["id"], link)
                continue
            if link in self.known_urls or link in self.requested:
                continue
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
        # Extraction happens in spiders.pipelines.ExtractionPipeline, in worker processes.
        yield page_item(source, response.url, guid, feed_date, response.text,
                        datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def feed_failed(self, failure):
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
