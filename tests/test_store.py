"""The SQLite store: schema, idempotent writes, duplicates, flags that keep decisions, run lock."""
import json
import os
import subprocess
import sys

import pytest

from spiders.dedup import content_hash
from store import open_db
from store.annotations import save_analysis
from store.articles import known_urls, raw_html, save_article, sources_of
from store.queries import flagged_stories, search_articles
from store.runs import RunInProgress, finish_run, start_run
from store.sources import record_failure, record_success, source_status, sync_sources

TEXT = "Workers at the factory reported fainting and miscarriages during twelve-hour shifts."


def article(url="https://news.example/a", text=TEXT, source="wire", **extra):
    return {"url": url, "fetched_url": url, "source_id": source, "title": "Factory workers faint",
            "text": text, "language": "en", "published": "2017-11-20T01:30:00Z", "authors": ["A. Writer"],
            "content_hash": content_hash(text), "raw_html": "<html><body><p>x</p></body></html>", **extra}


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "test.db")
    sync_sources(db, [{"id": "wire", "name": "Wire", "kind": "feed", "url": "https://wire.example/rss"},
                      {"id": "paper", "name": "Paper", "kind": "feed", "url": "https://paper.example/rss"}])
    return db


def test_schema_has_every_table_and_wal(tmp_path):
    db = open_db(tmp_path / "x.db")
    for table in ("sources", "articles", "articles_fts", "article_urls", "companies", "aliases", "mentions",
                  "issue_tags", "places", "flags", "decisions", "runs", "analyses"):
        assert db[table].exists(), table
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Reopening applies no migration twice.
    again = open_db(tmp_path / "x.db")
    assert again.execute("select count(*) from _sqlite_migrations").fetchone()[0] == 1


def test_same_article_twice_adds_nothing(db):
    first = save_article(db, article())
    second = save_article(db, article())
    assert first.outcome == "new" and second.outcome == "duplicate"
    assert first.article_id == second.article_id
    assert db["articles"].count == 1
    assert raw_html(db, first.article_id).startswith("<html>")


def test_same_text_under_another_url_is_one_story_with_both_sources(db):
    first = save_article(db, article())
    copy = save_article(db, article(url="https://paper.example/story?id=9", text="  " + TEXT.upper(), source="paper"))
    assert copy.outcome == "duplicate" and copy.article_id == first.article_id
    assert sources_of(db, first.article_id) == ["paper", "wire"]
    assert "https://paper.example/story?id=9" in known_urls(db)


def test_full_text_search(db):
    save_article(db, article())
    assert [r["title"] for r in search_articles(db, "miscarriages")] == ["Factory workers faint"]


def analysis(flagged=True, score=2.5):
    return {
        "id": 1, "flagged": flagged, "score": score, "story_type": "allegation", "flag_reason": "Samsung + Deaths",
        "companies": [{"id": "samsung-electronics-kr", "name": "Samsung Electronics", "mention": "Samsung",
                       "field": "text", "start": 0, "end": 7, "confidence": 0.98, "role": "accused"}],
        "issues": [{"tag": "Deaths", "tag_id": "deaths", "family": "Health & safety", "evidence": TEXT}],
        "places": [{"country": "VN", "region": "Asia"}],
    }


def test_analysis_is_idempotent_and_flags_keep_decisions(db):
    article_id = save_article(db, article()).article_id
    save_analysis(db, article_id, analysis())
    save_analysis(db, article_id, analysis())
    assert db["mentions"].count == 1 and db["issue_tags"].count == 1 and db["places"].count == 1
    assert db["flags"].count == 1
    stories = flagged_stories(db)
    assert stories[0]["company_ids"] == ["samsung-electronics-kr"]
    assert stories[0]["families"] == ["Health & safety"]
    # A researcher accepts it; a later reanalysis that no longer flags it must not lose that.
    db.execute("update flags set status = 'accepted' where article_id = ?", [article_id])
    save_analysis(db, article_id, analysis(flagged=False, score=0.1))
    assert db["flags"].get(article_id)["status"] == "accepted"
    # An undecided flag does go away when the story no longer qualifies.
    db.execute("update flags set status = 'open' where article_id = ?", [article_id])
    save_analysis(db, article_id, analysis(flagged=False, score=0.1))
    assert db["flags"].count == 0


def test_source_health(db):
    record_failure(db, "wire", "HTTP 500")
    record_failure(db, "wire", "timed out")
    status = {row["id"]: row for row in source_status(db)}
    assert status["wire"]["consecutive_failures"] == 2 and status["wire"]["last_error"] == "timed out"
    record_success(db, "wire", 12)
    status = {row["id"]: row for row in source_status(db)}
    assert status["wire"]["consecutive_failures"] == 0 and status["wire"]["items_total"] == 12


def test_second_live_run_is_refused_and_dead_run_is_abandoned(tmp_path):
    db = open_db(tmp_path / "runs.db")
    # A run left "running" by a process that no longer exists (killed mid-run).
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    db["runs"].insert({"flow": "daily", "status": "running", "pid": int(dead.stdout), "counts": "{}"})
    run_id = start_run(db, "daily")
    assert db["runs"].get(1)["status"] == "abandoned"
    # A run held by a live process (this test's parent, say) blocks a second one.
    db["runs"].update(run_id, {"pid": os.getppid()})
    with pytest.raises(RunInProgress, match="still running"):
        start_run(db, "daily")
    finish_run(db, run_id, {"new": 3})
    assert json.loads(db["runs"].get(run_id)["counts"]) == {"new": 3}
