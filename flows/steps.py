"""The daily pipeline's steps as plain functions (the Prefect tasks in daily.py wrap them).

Each step takes paths and ids and opens what it needs, so it can be retried on its own.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from store import open_db
from store.annotations import save_analysis
from store.articles import articles_for_analysis, known_urls, save_article
from store.companies import sync_companies
from store.sources import record_failure, record_success, sync_sources


class CrawlFailed(RuntimeError):
    """The crawler process itself failed (not one source: those are reported per source)."""


def register_sources(db_path: Path, sources: list[dict]) -> None:
    sync_sources(open_db(db_path), sources)


def crawl_feeds(db_path: Path, sources: list[dict], work_dir: Path, scrapy_settings: dict | None = None) -> Path:
    """Poll the feeds and fetch new articles in a Scrapy subprocess; returns the items file."""
    work_dir.mkdir(parents=True, exist_ok=True)
    sources_file = work_dir / "sources.json"
    sources_file.write_text(json.dumps(sources), "utf-8")
    known_file = work_dir / "known_urls.txt"
    known_file.write_text("\n".join(sorted(known_urls(open_db(db_path)))), "utf-8")
    items_file = work_dir / "items.jsonl"
    command = [sys.executable, "-m", "spiders.crawl", "--sources", str(sources_file),
               "--known", str(known_file), "--out", str(items_file)]
    for name, value in (scrapy_settings or {}).items():
        command += ["--set", f"{name}={value}"]
    log_file = work_dir / "crawl.log"
    with log_file.open("w") as log:
        completed = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if completed.returncode != 0:
        tail = log_file.read_text(errors="replace").strip().splitlines()[-3:]
        raise CrawlFailed(f"crawler exited with {completed.returncode}: {' | '.join(tail)}")
    items_file.touch()  # a crawl with nothing to fetch writes no file
    return items_file


def store_items(db_path: Path, items_file: Path) -> tuple[list[int], dict]:
    """Save crawled articles and source health. Returns new article ids and per-source counts."""
    db = open_db(db_path)
    counts: dict[str, Counter] = defaultdict(Counter)
    errors: dict[str, list[str]] = defaultdict(list)
    new_ids = []
    with items_file.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            source_id = item["source_id"]
            if item["type"] == "source":
                counts[source_id]["polled"] += 1
                if item["ok"]:
                    record_success(db, source_id, item["entries"])
                else:
                    record_failure(db, source_id, item["error"])
                    errors[source_id].append(f"feed: {item['error']}")
                    counts[source_id]["failed"] += 1
            elif item["type"] == "failure":
                errors[source_id].append(f"{item['url']}: {item['error']}")
                counts[source_id]["failed"] += 1
            else:
                result = save_article(db, item)
                counts[source_id][result.outcome] += 1
                if result.outcome == "new":
                    new_ids.append(result.article_id)
    per_source = {source: {"new": c["new"], "duplicate": c["duplicate"], "failed": c["failed"],
                           "errors": errors[source][:5]}
                  for source, c in sorted(counts.items())}
    return new_ids, per_source


def analyze_articles(db_path: Path, companies_path: Path, article_ids: list[int] | None,
                     run_id: int | None = None) -> dict:
    """Analyse the given articles (or every article not analysed yet) and store flags."""
    from catalog.load import load_companies
    from nlp.analyze import analyze_records  # spaCy loads only when there is text to read
    from nlp.pipeline import build_pipeline

    db = open_db(db_path)
    firms, problems = load_companies(companies_path)
    sync_companies(db, firms)
    records = list(articles_for_analysis(db, article_ids))
    counts = Counter(analyzed=0, flagged=0)
    families: Counter = Counter()
    if records:
        nlp = build_pipeline(firms)
        for result in analyze_records(nlp, records):
            save_analysis(db, result["id"], result, run_id=run_id, pipeline=nlp.meta.get("name", ""))
            counts["analyzed"] += 1
            if result["flagged"]:
                counts["flagged"] += 1
                families.update({issue["family"] for issue in result["issues"]})
    return {**counts, "families": dict(families),
            "company_list_problems": [f"{companies_path.name} line {p.line}: {p.reason} (row skipped)"
                                      for p in problems]}
