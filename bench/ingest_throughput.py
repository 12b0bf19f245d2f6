"""Ingest throughput: distinct article URLs on loopback through fetch, extraction, dedup and store.

    .venv/bin/python bench/ingest_throughput.py [--urls 2000]

Prints articles per second (end to end, and per stage) and peak memory of the crawler process and
of the storing process. Target (issue 3): at least 50 articles/s on 2 cores, peak under 600 MB.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback_site import serve_many  # noqa: E402
from flows.steps import collect  # noqa: E402
from store import open_db  # noqa: E402
from store.sources import sync_sources  # noqa: E402

TARGET_RATE, TARGET_MB = 50.0, 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_many(args.urls, args.domains) as (sources, urls):
        db_path = Path(tmp) / "bench.db"
        sync_sources(open_db(db_path), sources)
        start = time.perf_counter()
        settings = {"LOG_LEVEL": "WARNING", **dict(s.split("=", 1) for s in args.set)}
        new_ids, counts = collect(db_path, sources, Path(tmp) / "work", settings)
        done = time.perf_counter()
        db = open_db(db_path)
        seen_urls = db.execute("select count(*) from article_urls").fetchone()[0]
        failed = sum(c["failed"] for c in counts.values())
    total = done - start
    crawler_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    store_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = len(urls) / total
    print(f"URLs served                {len(urls):>8}  ({args.domains} loopback hosts, {len(sources)} feeds)")
    print(f"URLs stored (new + dup)    {seen_urls:>8}  new articles {len(new_ids)}, failed {failed}")
    print(f"end to end                 {total:>8.1f} s  {rate:7.1f} articles/s   target >= {TARGET_RATE:.0f}"
          f"  {'MET' if rate >= TARGET_RATE else 'NOT MET'}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU: crawler and its extraction workers {children.ru_utime + children.ru_stime:.1f} s, "
          f"store {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s (wall {total:.1f} s, 2 cores)")
    peak = max(crawler_mb, store_mb)
    print(f"peak memory: crawler {crawler_mb:.0f} MB, store {store_mb:.0f} MB   target < {TARGET_MB:.0f} MB"
          f"  {'MET' if peak < TARGET_MB else 'NOT MET'}")


if __name__ == "__main__":
    main()
