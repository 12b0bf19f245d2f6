"""The feed spider: poll each feed of the registry, then fetch and extract its new articles."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from spiders.extract import ExtractionError, extract_article
from spiders.feeds import FeedError, parse_feed
from spiders.items import article_item, failure_item, source_item


class FeedArticlesSpider(scrapy.Spider):
    """Arguments: `sources_file` (JSON list of registry entries of kind "feed") and
    optionally `known_urls_file` (one URL per line, already stored: not fetched again)."""

    name = "feed_articles"

    def __init__(self, sources_file: str, known_urls_file: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sources = [s for s in json.loads(Path(sources_file).read_text("utf-8")) if s.get("kind") == "feed"]
        self.known_urls = set()
        if known_urls_file and Path(known_urls_file).exists():
            self.known_urls = set(Path(known_urls_file).read_text("utf-8").split())

    async def start(self):
        for source in self.sources:
            yield scrapy.Request(source["url"], callback=self.parse_feed, errback=self.feed_failed,
                                 cb_kwargs={"source": source}, dont_filter=True)

    def parse_feed(self, response, source: dict):
        try:
            feed = parse_feed(response.body, response.url, response.headers.get("Content-Type", b"").decode())
        except FeedError as exc:
            self.logger.warning("source %s: %s (%s)", source["id"], exc, response.url)
            yield source_item(source["id"], ok=False, error=str(exc))
            return
        if feed.warning:
            self.logger.info("source %s: feed recovered from %s", source["id"], feed.warning)
        yield source_item(source["id"], ok=True, entries=len(feed.entries), warning=feed.warning)
        for entry in feed.entries:
            link = response.urljoin(entry.link)
            if urlsplit(link).scheme not in ("http", "https"):
                self.logger.info("source %s: skipping non-http link %s", source["id"], link)
                continue
            if link in self.known_urls:
                continue
            yield scrapy.Request(link, callback=self.parse_article, errback=self.article_failed,
                                 cb_kwargs={"source": source, "guid": entry.guid, "feed_date": entry.published})

    def parse_article(self, response, source: dict, guid: str, feed_date: str | None):
        if not isinstance(response, scrapy.http.TextResponse):
            yield failure_item(source["id"], response.url, "not a text page (binary body)")
            return
        try:
            article = extract_article(response.text, response.url)
        except ExtractionError as exc:
            self.logger.warning("source %s: %s: %s", source["id"], response.url, exc)
            yield failure_item(source["id"], response.url, str(exc))
            return
        extracted = article.as_dict()
        extracted["published"] = extracted["published"] or feed_date
        extracted["language"] = extracted["language"] or source.get("language", "")
        yield article_item(source["id"], response.url, guid, extracted, response.text,
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


def describe_failure(failure) -> str:
    """One readable line for a failed request."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(DNSLookupError):
        return "DNS lookup failed"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timed out"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
