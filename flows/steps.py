"""The daily pipeline's steps as plain functions (the Prefect tasks in daily.py wrap them).

Each step takes paths and ids and opens what it needs, so it can be retried on its own.
"""
from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from spiders.source_health import after_failure, due, failure_kind
from flows.analysis_workers import analyze_in_workers, worker_count
from flows.fingerprint import analysis_fingerprint
from flows.flagging import load_flagging, rescore, score_with_sources
from flows.progress import report_progress
from store import open_db
from store.analysis_state import (analysed_in_stories_of, corrections_digest, stale_article_ids, story_carriers,
                                  urls_seen_since)
from store.annotations import save_analysis
from store.articles import articles_for_analysis, known_urls, save_article, unanalysed_ids
from store.companies import sync_companies
from store.corrections import load_corrections
from store.pages import iter_raw_pages, update_extraction
from store.runs import set_progress
from store.sources import poll_state, record_failure, record_success, save_validators, sync_sources


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


def collect(db_path: Path, sources: list[dict], work_dir: Path, scrapy_settings: dict | None = None,
            on_update=None, backfill: bool = False, on_new=None) -> tuple[list[int], dict]:
    """Poll the feeds and fetch new articles in a Scrapy subprocess, storing each item as soon as
    the crawler writes it: storing overlaps fetching, and a crawler that dies half-way leaves what
    it fetched stored. Returns new article ids and per-source counts (as store_items).
    `on_new` receives the id of each new article once it is stored (see flows/analysis_stream.py)."""
    if on_new is not None:
        scrapy_settings = _leave_a_core_for_analysis(scrapy_settings)
    command, items_file, log_file = _crawl_command(db_path, sources, work_dir, scrapy_settings, backfill)
    with log_file.open("w") as log:
        crawler = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        validators: dict[str, dict] = {}
        try:
            stored = store_lines(db_path, report_progress(_follow(items_file, crawler), "collect",
                                                          on_update=on_update),
                                 pending_validators=validators, on_new=on_new)
        finally:
            if crawler.poll() is None:   # the store failed: do not leave the crawler running
                crawler.kill()
            crawler.wait()
    _check_crawler(crawler.returncode, log_file)
    # Only now that every item of the crawl is stored: a run killed half-way must not leave a
    # feed looking "unchanged" to the next run while some of its articles were never stored.
    save_validators(open_db(db_path), validators)
    return stored


def _leave_a_core_for_analysis(scrapy_settings: dict | None) -> dict:
    """One extraction worker fewer than the cores (at least one) while the analysis runs beside the
    crawl, unless set otherwise (setting or RIGHTSRADAR_EXTRACTION_WORKERS). On 2 cores, one extraction
    worker still reads 73 pages/s (bench/ingest_throughput.py), more than the crawl brings, and the day's
    run gains the core and a worker's memory: bench/daily_volume.py 27.5 -> 28.5 articles/s, peak
    1540 -> 1332 MB."""
    settings = dict(scrapy_settings or {})
    if "EXTRACTION_WORKERS" not in settings and not os.environ.get("RIGHTSRADAR_EXTRACTION_WORKERS"):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        settings["EXTRACTION_WORKERS"] = max(1, cores - 1)
    return settings


def _crawl_command(db_path: Path, sources: list[dict], work_dir: Path, scrapy_settings: dict | None,
                   backfill: bool = False) -> tuple[list[str], Path, Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    sources_file = work_dir / "sources.json"
    sources_file.write_text(json.dumps(sources), "utf-8")
    known_file = work_dir / "known_urls.txt"
    known_file.write_text("\n".join(sorted(known_urls(open_db(db_path)))), "utf-8")
    items_file = work_dir / "items.jsonl"
    items_file.unlink(missing_ok=True)   # a retried attempt must not read the last attempt's items
    command = [sys.executable, "-m", "spiders.crawl", "--sources", str(sources_file),
               "--known", str(known_file), "--out", str(items_file)] + (["--backfill"] if backfill else [])
    for name, value in (scrapy_settings or {}).items():
        command += ["--set", f"{name}={value}"]
    return command, items_file, work_dir / "crawl.log"


def _check_crawler(returncode: int, log_file: Path) -> None:
    if returncode != 0:
        tail = log_file.read_text(errors="replace").strip().splitlines()[-3:]
        raise CrawlFailed(f"crawler exited with {returncode}: {' | '.join(tail)}")


# At most this much of the crawler's output is read at once: when storing falls behind, the rest waits
# in the file rather than in this process's memory (items carry whole pages: ~100 kB each).
READ_BYTES = 4 << 20


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
            chunk = growing.read(READ_BYTES)
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


def store_lines(db_path: Path, lines, pending_validators: dict | None = None,
                on_new=None) -> tuple[list[int], dict]:
    """store_items for any iterable of JSON lines. With `pending_validators`, each polled feed's
    validators (ETag, Last-Modified, body hash) are put there instead of stored (see collect)."""
    db = open_db(db_path)
    counts: dict[str, Counter] = defaultdict(Counter)
    errors: dict[str, list[str]] = defaultdict(list)
    new_ids = []
    for number, line in enumerate(lines, start=1):
        if number % 500 == 0:
            release_freed_memory()
        item = json.loads(line)
        source_id = item["source_id"]
        if item["type"] == "source":
            counts[source_id]["polled"] += 1
            counts[source_id]["unchanged"] += item.get("unchanged", False)
            if item["ok"]:
                validators = {k: item.get(k, "") for k in ("etag", "last_modified", "body_hash")}
                if pending_validators is not None:
                    pending_validators[source_id] = validators
                    validators = {}
                record_success(db, source_id, item["entries"], **validators)
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
                if on_new is not None:
                    on_new(result.article_id)
    for source_id, c in counts.items():
        if c["article_failed"] and not (c["new"] or c["duplicate"]):
            # The feed answered but not one of its articles could be read: a soft failure.
            _record_source_failure(db, source_id, f"all {c['article_failed']} articles failed (recovered feed)")
    per_source = {source: {"polled": c["polled"], "new": c["new"], "duplicate": c["duplicate"],
                           "failed": c["failed"], "unchanged": bool(c["unchanged"]), "errors": errors[source][:5]}
                  for source, c in sorted(counts.items())}
    return new_ids, per_source


def release_freed_memory() -> None:
    """Hand memory freed by the stored pages back to the system (glibc's malloc_trim): each item is a
    page of a few hundred kB, and in Prefect's task thread glibc otherwise keeps the freed space, so
    the process grew by ~0.5 GB over 5,000 articles (bench/daily_volume.py)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:   # not glibc (macOS, musl): nothing to do
        return None


_LIBC = _load_libc()


def _record_source_failure(db, source_id: str, error: str) -> None:
    state = poll_state(db, source_id).get(source_id, {})
    kind = failure_kind(error)
    health = after_failure(state.get("failure_score") or 0.0, (state.get("consecutive_failures") or 0) + 1, kind)
    record_failure(db, source_id, error, kind, health.state, health.failure_score, health.backoff_until)


class AnalysisSaver:
    """What storing analysis results needs, set up once per run: the flagging settings, the tracked
    firms synced to the store, the fingerprint of what decides an analysis; and the counts so far."""

    def __init__(self, db_path: Path, companies_path: Path, run_id: int | None = None,
                 flagging_path: Path | None = None, taxonomy_path: Path | None = None):
        from catalog.load import load_companies
        from nlp.pipeline import resolve_model_name

        self.db = open_db(db_path)
        self.db_path, self.companies_path, self.taxonomy_path = Path(db_path), Path(companies_path), taxonomy_path
        self.run_id = run_id
        self.config = load_flagging(flagging_path)   # a bad settings file fails before any work
        self.firms, self.problems = load_companies(self.companies_path)
        sync_companies(self.db, self.firms)
        self.fingerprint = analysis_fingerprint(self.companies_path, corrections_digest(self.db), taxonomy_path)
        self.model = resolve_model_name()
        self.outcomes: Counter = Counter()
        self.flagged = 0
        self.families: Counter = Counter()

    def pipeline(self):
        return analysis_pipeline(self.db, self.firms, self.taxonomy_path)

    def save_all(self, results, total: int | None = None) -> None:
        """Score (with the story's publishers as stored now) and store each result, showing progress."""
        on_update = (lambda line: set_progress(self.db, self.run_id, line)) if self.run_id else None
        for batch in _batches(report_progress(results, "analyse", total, on_update=on_update), 64):
            self.save_batch(batch)

    def save_batch(self, results: list[dict]) -> None:
        """Store results in one transaction (one commit, not one per article: a run killed half-way
        loses at most these analyses, and the next run analyses those articles again)."""
        with self.db.atomic():
            carriers = story_carriers(self.db, [r["id"] for r in results])
            for result in results:
                self.save(result, carriers[result["id"]])

    def save(self, result: dict, carriers) -> None:
        result = score_with_sources(result, carriers, self.config)
        self.outcomes[save_analysis(self.db, result["id"], result, run_id=self.run_id, pipeline=self.model,
                                    fingerprint=self.fingerprint)] += 1
        if result["flagged"]:
            self.flagged += 1
            self.families.update({issue["family"] for issue in result["issues"]})

    def counts(self) -> dict:
        return {"analyzed": sum(self.outcomes.values()), "flagged": self.flagged, "families": dict(self.families),
                "new": self.outcomes["new"], "changed": self.outcomes["changed"],
                "unchanged": self.outcomes["unchanged"], "fingerprint": self.fingerprint,
                "company_list_problems": [f"{self.companies_path.name} line {p.line}: {p.reason} (row skipped)"
                                          for p in self.problems]}


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_articles(db_path: Path, companies_path: Path, article_ids: list[int] | None,
                     run_id: int | None = None, *, stale: bool = False, flagging_path: Path | None = None,
                     taxonomy_path: Path | None = None, workers: int | None = None,
                     stream=None) -> dict:
    """Analyse articles and store their annotations and flags: the given ids, else every article not
    analysed yet, or with `stale` every article analysed under another fingerprint too (a reprocess).

    An article whose annotations come out as stored is not rewritten (counted "unchanged"). Many
    articles are analysed in worker processes, one per core (`workers` to choose; 1: in this process).
    With `stream` (flows/analysis_stream.py: analysis that began while collecting), what it was given
    is finished there and only the rest is read here.
    """
    from nlp.analyze import analyze_records  # spaCy loads only when there is text to read

    saver = stream.saver if stream is not None else AnalysisSaver(db_path, companies_path, run_id, flagging_path,
                                                                   taxonomy_path)
    if stale:
        ids = stale_article_ids(saver.db, saver.fingerprint)
    else:
        ids = unanalysed_ids(saver.db) if article_ids is None else list(article_ids)
    if stream is not None:
        stream.finish([i for i in ids if i not in stream.taken], workers)
        return saver.counts()
    if ids:
        processes = worker_count(len(ids), workers)
        if processes > 1:
            analysed = analyze_in_workers(ids, processes, db_path, companies_path, taxonomy_path)
        else:
            analysed = analyze_records(saver.pipeline(), articles_for_analysis(saver.db, ids))
        saver.save_all(analysed, len(ids))
    return saver.counts()


def analysis_pipeline(db, firms, taxonomy_path: Path | None = None):
    """The spaCy pipeline for these firms: the one place the analysis is built from the tracked firms
    (and whatever else decides links, e.g. the researchers' corrections), in this process or in each
    analysis worker (flows/analysis_workers.py)."""
    from nlp.pipeline import build_pipeline

    return build_pipeline(firms, taxonomy_path=taxonomy_path, corrections=load_corrections(db))


def rescore_stories(db_path: Path, article_ids: list[int] | None, run_id: int | None = None,
                    flagging_path: Path | None = None) -> int:
    """Rescore stored stories (all, or the given articles) with flagging.yaml: no analysis."""
    return rescore(open_db(db_path), article_ids, load_flagging(flagging_path), run_id)


def rescore_seen_since(db_path: Path, since: str, run_id: int | None = None,
                       flagging_path: Path | None = None) -> int:
    """Rescore the analysed articles of every story that gained a URL since `since` (a copy from
    another publisher raises its stories' scores)."""
    db = open_db(db_path)
    return rescore(db, analysed_in_stories_of(db, urls_seen_since(db, since)), load_flagging(flagging_path), run_id)


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
