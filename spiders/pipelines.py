"""Item pipeline: extract fetched pages in worker processes, so fetching and extraction use every core.

The spider yields "page" items (the HTML as fetched); this pipeline turns each into an "article"
item (or a "failure" item) off the Scrapy process, which stays free to fetch.
"""
from __future__ import annotations

import asyncio
import base64
import multiprocessing
import os
import zlib
from concurrent.futures import ProcessPoolExecutor

from spiders.extract import ExtractionError, extract_article
from spiders.items import article_item, failure_item


def extract_page(page: dict) -> dict:
    """Runs in a worker process: one page item in, one article or failure item out."""
    try:
        article = extract_article(page["html"], page["fetched_url"], page.get("override")).as_dict()
    except ExtractionError as exc:
        return failure_item(page["source_id"], page["fetched_url"], str(exc))
    article["published"] = article["published"] or page.get("feed_date")
    article["language"] = article["language"] or page.get("language", "")
    # The raw page travels compressed: the store keeps it for re-extraction without refetching.
    raw = base64.b64encode(zlib.compress(page["html"].encode("utf-8"), 3)).decode("ascii")
    return article_item(page["source_id"], page["fetched_url"], page.get("guid", ""), article, raw,
                        page["fetched"])


class ExtractionPipeline:
    """EXTRACTION_WORKERS processes (default: one per core; 0 extracts in the Scrapy process)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("EXTRACTION_WORKERS", os.cpu_count() or 1))

    def open_spider(self, spider=None):
        if self.workers > 0:
            # spawn, not fork: forking a process that runs a reactor and threads is unsafe.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def process_item(self, item):
        if item.get("type") != "page":
            return item
        if self.pool is None:
            return extract_page(item)
        return await asyncio.get_running_loop().run_in_executor(self.pool, extract_page, item)
