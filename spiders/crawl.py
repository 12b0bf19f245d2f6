"""Run the feed spider in this process and write its items to a JSON-lines file.

The daily flow runs this as a subprocess (`python -m spiders.crawl ...`): Twisted's
reactor cannot be restarted inside one process, and a crash stays contained.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from spiders.news_spider import NewsSpider


def crawl(sources_file: Path, out_path: Path, known_urls_file: Path | None = None,
          overrides: dict | None = None, backfill: bool = False) -> None:
    settings = get_project_settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.set("FEEDS", {str(out_path): {"format": "jsonlines", "encoding": "utf-8", "overwrite": True}})
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    process = CrawlerProcess(settings)
    spider = NewsSpider
    if backfill:   # each source carries its date window (spiders/backfill_spider.py)
        from spiders.backfill_spider import BackfillSpider as spider
    process.crawl(spider, sources_file=str(sources_file),
                  known_urls_file=str(known_urls_file) if known_urls_file else None)
    process.start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Poll feeds and fetch their new articles into a JSON-lines file.")
    parser.add_argument("--sources", type=Path, required=True, help="JSON list of sources")
    parser.add_argument("--out", type=Path, required=True, help="items file to write (JSON lines)")
    parser.add_argument("--known", type=Path, help="file of URLs already stored, one a line")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")
    parser.add_argument("--backfill", action="store_true",
                        help="read each source's archives for the date window it carries")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    crawl(args.sources, args.out, args.known, overrides, backfill=args.backfill)


if __name__ == "__main__":
    main()
