"""Reprocess rate: stored articles analysed again after a taxonomy change, through the `reprocess` flow.

    .venv/bin/python -m bench.reprocess_rate [--db FILE] [--articles 1000]

With --db (e.g. the database `bench.daily_volume --keep FILE` left), its articles are used on a
copy; otherwise `--articles` distinct articles are stored first from the real fundus pages
(each page's extracted text with an "Edition N." mark, as bench/loopback_site.py serves them) and
analysed once. Then the taxonomy changes (a copy of taxonomy.yaml without its most used tag) and the
reprocess flow is timed: every analysis is stale, each article is analysed again, and only those whose
annotations changed are rewritten. Prints articles per second, rewritten vs unchanged, peak memory.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flows  # noqa: E402,F401  (Prefect's environment defaults)
from bench.loopback_site import _distinct, markable_pages  # noqa: E402
from bench.process_memory import PeakTreeMemory  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_RATE = 100_000 / 3600   # the daily target, for scale: reprocess has no target of its own


def store_articles(db_path: Path, count: int) -> None:
    from spiders.dedup import content_hash
    from spiders.extract import extract_article
    from store import open_db
    from store.articles import save_article

    db = open_db(db_path)
    db["sources"].insert({"id": "bench", "name": "Bench", "kind": "feed", "url": "http://127.0.0.2/feed.xml"}, pk="id")
    pages = markable_pages()
    extracted = [extract_article(_distinct(page, 0), "http://127.0.0.2/").as_dict() for page in pages]
    for n in range(count):
        article = extracted[n % len(pages)]
        copy = n // len(pages) + 1
        text = article["text"].replace("Edition 0.", f"Edition {copy}.", 1)
        save_article(db, {**article, "text": text, "url": f"http://127.0.0.2/p/{copy}/{n % len(pages)}.html",
                          "source_id": "bench", "content_hash": content_hash(text)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a stored database to reprocess (a copy is used)")
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    from flows.reprocess import reprocess
    from store import open_db

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_path = tmp / "bench.db"
        if args.db:
            shutil.copy(args.db, db_path)
        else:
            store_articles(db_path, args.articles)
        db = open_db(db_path)
        if not db["analyses"].count:
            start = time.perf_counter()
            reprocess(db_path=db_path)
            print(f"first analysis           {db['articles'].count:>6} articles in {time.perf_counter() - start:.1f} s")
        tag_id, tagged = db.execute("select tag_id, count(distinct article_id) from issue_tags group by tag_id "
                                    "order by 2 desc limit 1").fetchone()
        taxonomy = yaml.safe_load((PROJECT_DIR / "taxonomy.yaml").read_text("utf-8"))
        for family in taxonomy["families"]:
            family["tags"] = [t for t in family["tags"] if t["id"] != tag_id]
        changed = tmp / "taxonomy.yaml"
        changed.write_text(yaml.safe_dump(taxonomy, allow_unicode=True), "utf-8")
        with PeakTreeMemory() as memory:
            start = time.perf_counter()
            counts = reprocess(db_path=db_path, taxonomy_path=changed)
            total = time.perf_counter() - start
    analysis = counts["analysis"]
    rate = analysis["analyzed"] / total
    print(f"taxonomy change          tag {tag_id!r} removed (on {tagged} articles)")
    print(f"reprocess                {analysis['analyzed']:>6} stale articles analysed again in {total:.1f} s: "
          f"{rate:.1f} articles/s  ({rate / TARGET_RATE:.2f}x the daily target's {TARGET_RATE:.1f}/s, for scale)")
    print(f"rewritten                {analysis['changed']:>6}   unchanged (not rewritten) {analysis['unchanged']}")
    for stage, seconds in counts.get("seconds", {}).items():
        print(f"  {stage:<30} {seconds:>8.1f} s")
    print(f"peak memory, whole process tree: {memory.peak_mb:.0f} MB ({memory.breakdown()})")


if __name__ == "__main__":
    main()
