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
from spiders.site_templates import SiteTemplates

# Article containers learned per site, kept for the life of this (worker) process.
_TEMPLATES = SiteTemplates()
# How many of the pipeline's shared templates this worker has taken.
_ADOPTED = 0
# At most this many shared templates ride along with one page.
_SHARE_PER_PAGE = 200


def extract_page(page: dict) -> dict:
    """Runs in a worker process: one page item in, one article or failure item out."""
    try:
        article = extract_article(page["html"], page["fetched_url"], page.get("override"),
                                  templates=_TEMPLATES).as_dict()
    except ExtractionError as exc:
        return failure_item(page["source_id"], page["fetched_url"], str(exc))
    article["published"] = article["published"] or page.get("feed_date")
    article["language"] = article["language"] or page.get("language", "")
    # The raw page travels compressed: the store keeps it for re-extraction without refetching.
    # Level 1: a fifth of the size of the page, twice as fast as level 6 (bench/ingest_throughput.py).
    raw = base64.b64encode(zlib.compress(page["html"].encode("utf-8"), 1)).decode("ascii")
    return article_item(page["source_id"], page["fetched_url"], page.get("guid", ""), article, raw,
                        page["fetched"])


def worker_ready() -> int:
    """A no-op whose unpickling in a fresh worker imports this module, and so the extractor."""
    return os.getpid()


def extract_in_worker(page: dict, first_shared: int, shared: list) -> tuple[dict, list, int, int]:
    """extract_page in a worker process, which first takes the templates other workers learned
    (`shared`, numbered from `first_shared`) and returns those it learned itself, with its pid and
    how many shared templates it now has: so a site is learned once per crawl, not once per worker."""
    global _ADOPTED
    for site, template in shared:
        _TEMPLATES.adopt(site, template)
    _ADOPTED = max(_ADOPTED, first_shared + len(shared))
    item = extract_page(page)
    return item, _TEMPLATES.take_learned(), os.getpid(), _ADOPTED


class ExtractionPipeline:
    """EXTRACTION_WORKERS processes (default: one per core; 0 extracts in the Scrapy process)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.shared_templates: list = []        # (site, template) learned by any worker, in order
        self.adopted_by_worker: dict[int, int] = {}   # worker pid -> shared templates it has

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("EXTRACTION_WORKERS", os.cpu_count() or 1))

    def open_spider(self, spider=None):
        if self.workers > 0:
            # spawn, not fork: forking a process that runs a reactor and threads is unsafe.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            # Start the workers now: their imports (lxml, trafilatura) overlap the feed polling.
            for _ in range(self.workers):
                self.pool.submit(worker_ready)

    def close_spider(self, spider=None):
        import resource, sys
        r = resource.getrusage(resource.RUSAGE_SELF)
        print(f"SCRAPY-PROC cpu {r.ru_utime + r.ru_stime:.1f}s maxrss {r.ru_maxrss/1024:.0f}MB", file=sys.stderr)
        if self.pool is not None:
            self.pool.shutdown(wait=True)

    async def process_item(self, item):
        if item.get("type") != "page":
            return item
        if self.pool is None:
            return extract_page(item)
        # Send what the worker furthest behind lacks (we cannot choose which worker runs a page).
        behind = min(self.adopted_by_worker.values()) if len(self.adopted_by_worker) >= self.workers else 0
        first = max(behind, len(self.shared_templates) - _SHARE_PER_PAGE)
        result, learned, pid, adopted = await asyncio.get_running_loop().run_in_executor(
            self.pool, extract_in_worker, item, first, self.shared_templates[first:])
        self.shared_templates += learned
        self.adopted_by_worker[pid] = adopted
        return result
