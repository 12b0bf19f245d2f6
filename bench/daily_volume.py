"""A day's volume through the whole `daily` Prefect flow: articles per second end to end, per stage,
and the peak memory of the whole process tree (flow, Prefect's local API, crawler, extraction workers).

    .venv/bin/python -m bench.daily_volume [--urls 5000] [--domains 20] [--keep DB]

The real fundus pages (../shared/data/articles/fundus) are served from loopback addresses 127.0.0.2,
127.0.0.3, ... (one "publisher" each, so per-domain politeness applies) under many URLs, each copy a
distinct article (its own canonical URL and an "Edition N." mark in its text: bench/loopback_site.py),
with one real RSS feed per host listing them. Every URL is fetched, extracted, deduplicated, stored,
analysed with the real spaCy pipeline against the real companies.csv, linked, scored and reported.
Target (issue 6): the rate at which 100,000 articles fit in one hour (>= 28 articles/s), peak < 1.5 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loopback_site import serve_many  # noqa: E402
from bench.process_memory import PeakTreeMemory  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_RATE, TARGET_MB = 100_000 / 3600, 1536.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=5000)
    parser.add_argument("--domains", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="copy the database here afterwards (for bench.reprocess_rate)")
    args = parser.parse_args()
    from store import open_db

    with tempfile.TemporaryDirectory() as tmp, serve_many(args.urls, args.domains, distinct=True) as (sources, urls):
        tmp = Path(tmp)
        registry = tmp / "sources.yaml"
        registry.write_text(yaml.safe_dump({"sources": sources}), "utf-8")
        db_path = tmp / "bench.db"
        # The run is `rightsradar run` in a process of its own (with its own Prefect API, as on a
        # machine without a server), so the memory measured is the pipeline's, not this site's.
        command = [sys.executable, "-m", "flows.cli", "run", "--db", str(db_path), "--sources", str(registry),
                   "--work-dir", str(tmp / "work")]
        start = time.perf_counter()
        run = subprocess.Popen(command, cwd=tmp, env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
                               stdout=subprocess.DEVNULL)
        with PeakTreeMemory(run.pid) as memory:
            code = run.wait()
        total = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"the daily run failed with exit code {code}")
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        db = open_db(db_path)
        [counts] = [json.loads(r[0]) for r in db.execute("select counts from runs where status = 'completed'")]
        articles = db["articles"].count
        analysed = db["analyses"].count
        flagged = db["flags"].count
        if args.keep:
            db.conn.close()
            shutil.copy(db_path, args.keep)
    per_source = counts["sources"].values()
    failed = sum(c["failed"] for c in per_source)
    rate = articles / total
    print(f"URLs served             {len(urls):>8}  ({args.domains} loopback hosts, {len(sources)} feeds)")
    print(f"articles stored         {articles:>8}  (new {counts['new_articles']}, duplicate "
          f"{sum(c['duplicate'] for c in per_source)}, failed {failed}); analysed {analysed}, flagged {flagged}")
    print(f"end to end              {total:>8.1f} s  {rate:7.1f} articles/s   target >= {TARGET_RATE:.1f} "
          f"(100,000 an hour)  {'MET' if rate >= TARGET_RATE else 'NOT MET'} ({rate / TARGET_RATE:.2f}x target)")
    print("time per stage (wall):")
    for stage, seconds in counts.get("seconds", {}).items():
        share = f"{articles / seconds:8.1f} articles/s" if seconds > 1 else ""
        print(f"  {stage:<32} {seconds:>8.1f} s  {100 * seconds / total:5.1f}%  {share}")
    accounted = sum(counts.get("seconds", {}).values())
    print(f"  {'(process and Prefect start, end)':<32} {total - accounted:>8.1f} s  "
          f"{100 * (total - accounted) / total:5.1f}%")
    print(f"CPU seconds of the run's processes: {cpu.ru_utime + cpu.ru_stime:.0f} over {total:.0f} s wall "
          f"on {os.cpu_count()} cores (the machine's load average now: {os.getloadavg()[0]:.1f})")
    print(f"  CPU seconds by process (sampled): {memory.cpu_breakdown()}")
    print(f"peak memory, the run's whole process tree: {memory.peak_mb:.0f} MB   target < {TARGET_MB:.0f} MB  "
          f"{'MET' if memory.peak_mb < TARGET_MB else 'NOT MET'}")
    print(f"  processes at the peak (MB): {memory.breakdown()}")


if __name__ == "__main__":
    main()
