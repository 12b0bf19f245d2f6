"""Extraction quality and speed on the real article pages in ../shared/data/articles/fundus.

Compares our `extract_article` with plain `trafilatura.extract(html, url=url)` in the same run:
body F1 (4-gram word shingles, averaged per page), title exact match, date match (to the minute, UTC),
authors exact match, and milliseconds per page (mean, median).

    .venv/bin/python bench/extraction_quality.py [--repeat N] [--pages]
"""
from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

FUNDUS_DIR = PROJECT_DIR.parent / "shared" / "data" / "articles" / "fundus"
SHINGLE = 4


def load_pages(folder: Path = FUNDUS_DIR) -> list[dict]:
    rows = [json.loads(line) for line in (folder / "index.jsonl").read_text("utf-8").splitlines() if line]
    for row in rows:
        row["html_bytes"] = gzip.decompress((folder / row["html"]).read_bytes())
    return rows


def body_f1(extracted: str, expected: str) -> float:
    """F1 of the 4-gram word shingles of the extracted text against the expected body."""
    from spiders.site_templates import shingle_f1

    return shingle_f1(extracted, expected, SHINGLE)


def expected_body(page: dict) -> str:
    return page.get("body_text") or "\n".join(page.get("paragraphs") or [])


def same_minute(got: str | None, expected: str | None) -> bool:
    from spiders.dates import to_utc_iso

    want = to_utc_iso(expected)
    return bool(want and got and got[:16] == want[:16])


@dataclass
class Score:
    name: str
    pages: int = 0
    f1: list[float] = field(default_factory=list)
    titles: int = 0
    dates: int = 0
    authors: int = 0
    failures: int = 0
    ms: list[float] = field(default_factory=list)
    per_page: list[dict] = field(default_factory=list)

    def row(self) -> str:
        n = self.pages or 1
        return (f"{self.name:<14} {self.pages:>5} {statistics.fmean(self.f1):>8.3f} "
                f"{self.titles:>4} ({100 * self.titles / n:5.1f}%) {self.dates:>4} ({100 * self.dates / n:5.1f}%) "
                f"{self.authors:>4} ({100 * self.authors / n:5.1f}%) "
                f"{statistics.fmean(self.ms):>8.1f} {statistics.median(self.ms):>8.1f}")


HEADER = (f"{'extractor':<14} {'pages':>5} {'body F1':>8} {'title match':>12} {'date match':>12} "
          f"{'authors match':>13} {'ms mean':>8} {'ms median':>9}")


def _timed(fn, repeat: int):
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - start) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return result, best


def score_ours(pages: list[dict], repeat: int = 1, overrides: dict | None = None, templates=None,
               name: str = "rightsradar") -> Score:
    from spiders.extract import ExtractionError, extract_article

    score = Score(name)
    for page in pages:
        override = (overrides or {}).get(page["url"])
        try:
            article, ms = _timed(lambda: extract_article(page["html_bytes"], page["url"], override=override,
                                                         templates=templates), repeat)
        except ExtractionError:
            article, ms = None, 0.0
            score.failures += 1
        text = article.text if article else ""
        title = article.title if article else ""
        score.pages += 1
        score.ms.append(ms)
        score.f1.append(body_f1(text, expected_body(page)))
        title_ok = title.strip() == page["title"].strip()
        date_ok = same_minute(article.published if article else None, page["publishing_date"])
        authors_ok = bool(article) and article.authors == page["authors"]
        score.titles += title_ok
        score.dates += date_ok
        score.authors += authors_ok
        score.per_page.append({"page": page["html"], "f1": score.f1[-1], "title": title_ok, "date": date_ok,
                               "authors": authors_ok, "ms": ms,
                               "sources": getattr(article, "sources", {}) if article else {}})
    return score


def score_transfer(pages: list[dict]) -> tuple[int, float, float, Counter]:
    """Site templates on pages they were NOT learned from: for each publisher with several pages,
    learn from its other pages, then read this one as a later page of the site is read between two
    checks against trafilatura (the first-page check counted as done, so it does not hide a miss).
    Returns (pages read by a template, their F1 that way, their F1 read in full, how pages were read)."""
    from spiders.extract import extract_article
    from spiders.site_templates import SiteTemplates

    by_publisher: dict[str, list[dict]] = {}
    for page in pages:
        by_publisher.setdefault(page["publisher"], []).append(page)
    templated, full, how = [], [], Counter()
    for group in (g for g in by_publisher.values() if len(g) > 1):
        for page in group:
            templates = SiteTemplates()
            for other in group:
                if other is not page:
                    extract_article(other["html_bytes"], other["url"], templates=templates)
            for template in templates.all_templates():
                template.uses = max(template.uses, 1)
            article = extract_article(page["html_bytes"], page["url"], templates=templates)
            how[article.sources["text"]] += 1
            if article.sources["text"].startswith("template"):
                templated.append(body_f1(article.text, expected_body(page)))
                full.append(body_f1(extract_article(page["html_bytes"], page["url"]).text, expected_body(page)))
    return len(templated), statistics.fmean(templated or [0]), statistics.fmean(full or [0]), how


def score_trafilatura(pages: list[dict], repeat: int = 1) -> Score:
    import trafilatura

    score = Score("trafilatura")
    for page in pages:
        html = page["html_bytes"]
        text, ms = _timed(lambda: trafilatura.extract(html, url=page["url"]), repeat)
        meta, _ = _timed(lambda: trafilatura.extract_metadata(html, default_url=page["url"]), 1)
        score.pages += 1
        score.ms.append(ms)
        score.f1.append(body_f1(text or "", expected_body(page)))
        score.titles += bool(meta and (meta.title or "").strip() == page["title"].strip())
        score.dates += bool(meta and same_minute(_iso(meta.date), page["publishing_date"]))
        authors = [a.strip() for a in (meta.author or "").split(";") if a.strip()] if meta else []
        score.authors += authors == page["authors"]
    return score


def _iso(value):
    from spiders.dates import to_utc_iso

    return to_utc_iso(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="time each page N times, keep the fastest (default 3)")
    parser.add_argument("--pages", action="store_true", help="also print our per-page figures")
    args = parser.parse_args(argv)
    if not FUNDUS_DIR.exists():
        print(f"{FUNDUS_DIR} not found: the shared data folder must be beside the checkout", file=sys.stderr)
        return 2
    pages = load_pages()
    # Warm up imports and caches so the first page does not pay for them.
    score_ours(pages[:3]), score_trafilatura(pages[:3])
    ours, theirs = score_ours(pages, args.repeat), score_trafilatura(pages, args.repeat)
    # As a crawl reads a site's later pages: templates learned on a first pass over the pages.
    from spiders.site_templates import SiteTemplates

    templates = SiteTemplates()
    score_ours(pages, 1, templates=templates)
    warm = score_ours(pages, args.repeat, templates=templates, name="rr, 2nd visit")
    print(HEADER)
    print(ours.row())
    print(warm.row())
    print(theirs.row())
    print(f"(ms: fastest of {args.repeat} runs per page, one process; trafilatura's title/date/authors come "
          f"from trafilatura.extract_metadata, not timed; our extraction failures: {ours.failures})")
    print(f"(2nd visit: each page again after a first pass taught the site templates, as a crawl reads "
          f"a site's later pages; {templates.stats['hits']} template hits in both passes)")
    count, templated_f1, full_f1, how = score_transfer(pages)
    print(f"\nsite templates on pages they were not learned from (publishers with 2+ pages): {count} pages "
          f"read by a template ({', '.join(f'{k}: {v}' for k, v in how.items())}): "
          f"body F1 {templated_f1:.3f}, the same pages read in full {full_f1:.3f}")
    counts = {}
    for row in ours.per_page:
        for what, where in row["sources"].items():
            counts.setdefault(what, {}).setdefault(where, 0)
            counts[what][where] += 1
    if counts:
        print("\nwhere our fields came from (pages):")
        for what, wheres in sorted(counts.items()):
            print(f"  {what:<8} " + ", ".join(f"{where}: {n}" for where, n in sorted(wheres.items(),
                                                                                    key=lambda kv: -kv[1])))
    if args.pages:
        print()
        for row in ours.per_page:
            print(f"{row['page']:<60} f1={row['f1']:.2f} title={row['title']:d} date={row['date']:d} "
                  f"authors={row['authors']:d} {row['ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
