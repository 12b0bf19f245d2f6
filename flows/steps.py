"""The daily pipeline's steps as plain functions (the Prefect tasks in daily.py wrap them).

Each step takes paths and ids and opens what it needs, so it can be retried on its own.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from spiders.source_health import after_failure, due, failure_kind
from store import open_db
from store.annotations import save_analysis
from store.articles import articles_for_analysis, known_urls, save_article
from store.companies import sync_companies
from store.pages import iter_raw_pages, update_extraction
from store.sources import poll_state, record_failure, record_success, sync_sources


class CrawlFailed(RuntimeError):
    """The crawler process itself failed (not one source: those are reported per source)."""


def register_sources(db_path: Path, sources: list[dict]) -> None:
    sync_sources(open_db(db_path), sources)


def sources_due(db_path: Path, sources: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """The sources to poll now, each with its conditional-GET validators, and why the others wait."""
    states = poll_state(open_db(db_path))
    ready, waiting = [], {}
    for source in sources:
        state = states.get(source["id"], {})
        if due(state.get("state") or "active", state.get("backoff_until")):
            ready.append({**source, "etag": state.get("etag") or "", "body_hash": state.get("body_hash") or "",
                          "last_modified": state.get("last_modified") or ""})
        elif state.get("state") == "disabled":
            waiting[source["id"]] = "disabled (after repeated failures or by hand: rightsradar sources enable ID)"
        else:
            waiting[source["id"]] = f"backing off until {state['backoff_until']}"
    return ready, waiting


def collect(db_path: Path, sources: list[dict], work_dir: Path,
            scrapy_settings: dict | None = None) -> tuple[list[int], dict]:
    """Poll the feeds and fetch new articles in a Scrapy subprocess, storing each item as soon as
    the crawler writes it: storing overlaps fetching, and a crawler that dies half-way leaves what
    it fetched stored. Returns new article ids and per-source counts (as store_items)."""
    command, items_file, log_file = _crawl_command(db_path, sources, work_dir, scrapy_settings)
    with log_file.open("w") as log:
        crawler = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            stored = store_lines(db_path, _follow(items_file, crawler))
        finally:
            if crawler.poll() is None:   # the store failed: do not leave the crawler running
                crawler.kill()
            crawler.wait()
    _check_crawler(crawler.returncode, log_file)
    return stored


def _crawl_command(db_path: Path, sources: list[dict], work_dir: Path,
                   scrapy_settings: dict | None) -> tuple[list[str], Path, Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    sources_file = work_dir / "sources.json"
    sources_file.write_text(json.dumps(sources), "utf-8")
    known_file = work_dir / "known_urls.txt"
    known_file.write_text("\n".join(sorted(known_urls(open_db(db_path)))), "utf-8")
    items_file = work_dir / "items.jsonl"
    items_file.unlink(missing_ok=True)   # a retried attempt must not read the last attempt's items
    command = [sys.executable, "-m", "spiders.crawl", "--sources", str(sources_file),
               "--known", str(known_file), "--out", str(items_file)]
    for name, value in (scrapy_settings or {}).items():
        command += ["--set", f"{name}={value}"]
    return command, items_file, work_dir / "crawl.log"


def _check_crawler(returncode: int, log_file: Path) -> None:
    if returncode != 0:
        tail = log_file.read_text(errors="replace").strip().splitlines()[-3:]
        raise CrawlFailed(f"crawler exited with {returncode}: {' | '.join(tail)}")


def _follow(path: Path, process: subprocess.Popen, poll_seconds: float = 0.05):
    """The complete lines of a file that `process` is still writing, until it exits."""
    while not path.exists():
        if process.poll() is not None:
            return
        time.sleep(poll_seconds)
    pending = b""
    with path.open("rb") as growing:
        while True:
            finished = process.poll() is not None   # read after checking: no line written before exit is missed
            chunk = growing.read()
            if chunk:
                *lines, pending = (pending + chunk).split(b"\n")
                yield from (line.decode("utf-8") for line in lines if line.strip())
            elif finished:
                break
            else:
                time.sleep(poll_seconds)
    # Whatever is left in `pending` is a line the crawler died writing: incomplete, not stored.


def store_items(db_path: Path, items_file: Path) -> tuple[list[int], dict]:
    """Save crawled articles and source health. Returns new article ids and per-source counts."""
    with items_file.open(encoding="utf-8") as lines:
        return store_lines(db_path, lines)


def store_lines(db_path: Path, lines) -> tuple[list[int], dict]:
    """store_items for any iterable of JSON lines."""
    db = open_db(db_path)
    counts: dict[str, Counter] = defaultdict(Counter)
    errors: dict[str, list[str]] = defaultdict(list)
    new_ids = []
    for line in lines:
        item = json.loads(line)
        source_id = item["source_id"]
        if item["type"] == "source":
            counts[source_id]["polled"] += 1
            counts[source_id]["unchanged"] += item.get("unchanged", False)
            if item["ok"]:
                record_success(db, source_id, item["entries"], item.get("etag", ""),
                               item.get("last_modified", ""), item.get("body_hash", ""))
            else:
                _record_source_failure(db, source_id, item["error"])
                errors[source_id].append(f"feed: {item['error']}")
                counts[source_id]["failed"] += 1
        elif item["type"] == "failure":
            errors[source_id].append(f"{item['url']}: {item['error']}")
            counts[source_id]["failed"] += 1
            counts[source_id]["article_failed"] += 1
        else:
            result = save_article(db, item)
            counts[source_id][result.outcome] += 1
            if result.outcome == "new":
                new_ids.append(result.article_id)
    for source_id, c in counts.items():
        if c["article_failed"] and not (c["new"] or c["duplicate"]):
            # The feed answered but not one of its articles could be read: a soft failure.
            _record_source_failure(db, source_id, f"all {c['article_failed']} articles failed (recovered feed)")
    per_source = {source: {"new": c["new"], "duplicate": c["duplicate"], "failed": c["failed"],
                           "unchanged": bool(c["unchanged"]), "errors": errors[source][:5]}
                  for source, c in sorted(counts.items())}
    return new_ids, per_source


def _record_source_failure(db, source_id: str, error: str) -> None:
    state = poll_state(db, source_id).get(source_id, {})
    kind = failure_kind(error)
    health = after_failure(state.get("failure_score") or 0.0, (state.get("consecutive_failures") or 0) + 1, kind)
    record_failure(db, source_id, error, kind, health.state, health.failure_score, health.backoff_until)


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


def reextract_articles(db_path: Path, source_id: str | None = None) -> dict:
    """Run extraction again over the stored raw pages (after an extractor or override change)."""
    from spiders.extract import ExtractionError, extract_article

    db = open_db(db_path)
    counts = Counter(pages=0, changed=0, failed=0)
    for article_id, url, _source, html in iter_raw_pages(db, source_id):
        counts["pages"] += 1
        try:
            extracted = extract_article(html, url).as_dict()
        except ExtractionError:
            counts["failed"] += 1   # keep what was extracted before: nothing stored is lost
            continue
        counts["changed"] += update_extraction(db, article_id, extracted)
    return dict(counts)
