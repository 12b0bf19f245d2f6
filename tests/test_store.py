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
from store.sources import poll_state, record_failure, record_success, set_enabled, source_status, sync_sources

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
    applied = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    again = open_db(tmp_path / "x.db")
    assert again.execute("select count(*) from _sqlite_migrations").fetchone()[0] == applied


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


def test_source_health_and_validators(db):
    record_failure(db, "wire", "HTTP 500", "temporary", "backoff", 1.0, "2030-01-01T00:00:00Z")
    record_failure(db, "wire", "timed out", "temporary", "backoff", 2.0, "2030-01-01T02:00:00Z")
    status = {row["id"]: row for row in source_status(db)}
    assert status["wire"]["consecutive_failures"] == 2 and status["wire"]["last_error"] == "timed out"
    assert status["wire"]["state"] == "backoff" and status["wire"]["last_failure_kind"] == "temporary"
    record_success(db, "wire", 12, etag='"abc"', last_modified="Mon, 20 Nov 2017 08:30:00 GMT", body_hash="h1")
    record_success(db, "wire", 0)  # a 304: validators kept
    status = {row["id"]: row for row in source_status(db)}
    assert status["wire"]["consecutive_failures"] == 0 and status["wire"]["items_total"] == 12
    assert status["wire"]["state"] == "active" and status["wire"]["failure_score"] == 0
    assert poll_state(db)["wire"]["etag"] == '"abc"' and poll_state(db)["wire"]["body_hash"] == "h1"
    assert set_enabled(db, "wire", False) and source_status(db)[1]["state"] == "disabled"
    record_success(db, "wire", 1)  # a success does not re-enable what a person disabled
    assert poll_state(db)["wire"]["state"] == "disabled"
    assert set_enabled(db, "wire", True) and poll_state(db)["wire"]["state"] == "active"
    assert not set_enabled(db, "nope", True)


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


def test_existing_database_upgrades_to_stories(tmp_path):
    """A database from before stories: every article becomes its own story; FTS and inserts still work."""
    import sqlite_utils

    from store.migrations import migrations
    from store.stories import story_of, story_sources

    old = sqlite_utils.Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="m003_stories")
    old["sources"].insert({"id": "wire", "name": "Wire", "kind": "feed", "url": "https://wire.example/rss"})
    for n in (1, 2):
        old["articles"].insert({"url": f"https://wire.example/{n}", "text": f"{TEXT} ({n})", "title": "Old",
                                "source_id": "wire", "content_hash": content_hash(f"{TEXT} ({n})")})
        old["article_urls"].insert({"url": f"https://wire.example/{n}", "article_id": n, "source_id": "wire"})
    old.conn.close()
    db = open_db(tmp_path / "old.db")
    assert [(r["id"], r["story_id"]) for r in db["articles"].rows] == [(1, 1), (2, 2)]
    assert [s["url"] for s in story_sources(db, 2)] == ["https://wire.example/2"]
    new = save_article(db, article(text="A short brief, too short to compare with anything."))
    assert new.outcome == "new" and new.story_id == new.article_id == story_of(db, new.article_id) == 3
    assert [r["title"] for r in search_articles(db, "brief")] == ["Factory workers faint"]
    assert db["story_bands"].count == 0  # short texts are not indexed
