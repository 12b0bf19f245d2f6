"""Analysis begun during the crawl (flows/analysis_stream.py): real worker processes with the real
model and companies.csv, on real article text; the stored result must be what a plain run stores."""
from __future__ import annotations

from pathlib import Path

from flows.analysis_stream import AnalysisStream
from flows.steps import AnalysisSaver, analyze_articles
from spiders.dedup import content_hash
from store import open_db
from store.articles import save_article, unanalysed_ids
from store.sources import sync_sources
from tests.conftest import PROJECT_DIR, fundus_pages

COMPANIES = PROJECT_DIR / "companies.csv"


def stored_annotations(db_path: Path) -> dict:
    db = open_db(db_path)
    return {table: sorted(db.execute(f"select * from {table} order by 1, 2, 3").fetchall())
            for table in ("mentions", "issue_tags", "places")} | {
        "analysed": db.execute("select count(*) from analyses").fetchone()[0],
        "flags": sorted(db.execute("select article_id, score from flags").fetchall())}


def store_articles(db_path: Path) -> Path:
    db = open_db(db_path)
    sync_sources(db, [{"id": "wire", "name": "Wire", "kind": "feed", "url": "https://wire.example/rss"}])
    for row in fundus_pages()[:56]:
        text = row.get("body_text") or ""
        save_article(db, {"url": row["url"], "source_id": "wire", "title": row.get("title") or "", "text": text,
                          "content_hash": content_hash(row["url"] + text)})
    return db_path


def worker_processes() -> int:
    """This process's multiprocessing workers (not its resource tracker)."""
    pids = [pid for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()]
    return sum(b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids)


def test_stream_stores_what_a_plain_run_stores_with_one_worker_during_the_crawl(tmp_path):
    db_path, plain_path = store_articles(tmp_path / "stream.db"), store_articles(tmp_path / "plain.db")
    ids = unanalysed_ids(open_db(db_path))
    assert len(ids) == 56

    before = worker_processes()
    with AnalysisStream(AnalysisSaver(db_path, COMPANIES), max_workers=2, start_after=16) as stream:
        for article_id in ids[:40]:          # "the crawl": one worker starts once 16 articles wait
            stream.add(article_id)
        assert worker_processes() - before == 1
        stream.finish(ids[40:], workers=2)
        assert stream.saver.counts()["analyzed"] == 56

    analyze_articles(plain_path, COMPANIES, None, workers=1)
    assert stored_annotations(db_path) == stored_annotations(plain_path)
    assert stored_annotations(db_path)["mentions"], "the texts name tracked firms: links must be stored"
