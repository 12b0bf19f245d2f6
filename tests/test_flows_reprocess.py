"""The reprocess flow over stored articles (the demo site's 35 real-case pages, extracted and stored
without a crawl): nothing is refetched, only stale analyses are redone, only changed annotations
are rewritten, and flagging.yaml is applied to stored stories without new analysis."""
import json
import time
from pathlib import Path

import pytest
import yaml

from demo.server import SITE_DIR
from spiders.dedup import content_hash
from spiders.extract import extract_article
from store import open_db
from store.articles import save_article

PROJECT_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def store_demo_articles(db_path: Path) -> int:
    db = open_db(db_path)
    db["sources"].insert({"id": "demo", "name": "Demo", "kind": "feed", "url": "http://demo.example/feed.xml",
                          "reliability": 0.9}, pk="id")
    for page in sorted((SITE_DIR / "articles").glob("*.html")):
        url = f"http://demo.example/articles/{page.name}"
        html = page.read_text("utf-8").replace("{{BASE}}", "http://demo.example")
        article = extract_article(html, url).as_dict()
        save_article(db, {**article, "url": url, "source_id": "demo", "raw_html": html,
                          "content_hash": article.get("content_hash") or content_hash(article["text"])})
    return db["articles"].count


def analysed_at(db) -> dict[int, str]:
    return dict(db.execute("select article_id, analyzed_at from analyses").fetchall())


@pytest.fixture(scope="module")
def stored(tmp_path_factory, prefect_harness):
    from flows.reprocess import reprocess

    work = tmp_path_factory.mktemp("reprocess")
    db_path = work / "r.db"
    articles = store_demo_articles(db_path)
    first = reprocess(db_path=db_path)
    return work, db_path, articles, first, reprocess


def test_first_reprocess_analyses_everything_once_and_a_second_nothing(stored):
    _, db_path, articles, first, reprocess = stored
    assert articles >= 30
    assert first["analysis"]["analyzed"] == first["analysis"]["new"] == articles
    assert first["analysis"]["flagged"] >= 8
    db = open_db(db_path)
    assert db["analyses"].count == articles
    again = reprocess(db_path=db_path)
    assert again["analysis"]["analyzed"] == 0 and again["rescored"] == 0
    # The flag carries the story's sources in its reason, with the score it was compared on.
    reason = db.execute("select reason from flags order by score desc limit 1").fetchone()[0]
    assert "1 source, reliability 0.90" in reason and "vs threshold 2.50" in reason


def test_taxonomy_change_rewrites_only_the_articles_it_changes(stored):
    work, db_path, articles, _, reprocess = stored
    db = open_db(db_path)
    # Drop the issue tag found in the most articles from a copy of the taxonomy.
    tag_id, tagged = db.execute("select tag_id, count(*) from issue_tags group by tag_id "
                                "order by count(*) desc limit 1").fetchone()
    taxonomy = yaml.safe_load((PROJECT_DIR / "taxonomy.yaml").read_text("utf-8"))
    for family in taxonomy["families"]:
        family["tags"] = [t for t in family["tags"] if t["id"] != tag_id]
    changed_taxonomy = work / "taxonomy.yaml"
    changed_taxonomy.write_text(yaml.safe_dump(taxonomy, allow_unicode=True), "utf-8")
    before = analysed_at(db)
    time.sleep(1.1)   # analysed_at has one-second resolution
    counts = reprocess(db_path=db_path, taxonomy_path=changed_taxonomy)
    analysis = counts["analysis"]
    assert analysis["analyzed"] == articles   # every analysis was stale
    assert analysis["changed"] == tagged and analysis["unchanged"] == articles - tagged
    after = analysed_at(db)
    rewritten = {a for a in after if after[a] != before[a]}
    assert len(rewritten) == tagged
    assert not db.execute("select count(*) from issue_tags where tag_id = ?", [tag_id]).fetchone()[0]
    # Same taxonomy again: nothing stale.
    assert reprocess(db_path=db_path, taxonomy_path=changed_taxonomy)["analysis"]["analyzed"] == 0


def test_flagging_settings_rescore_without_analysis_and_keep_decisions(stored):
    work, db_path, _, _, reprocess = stored
    db = open_db(db_path)
    decided = db.execute("select article_id from flags order by score desc limit 1").fetchone()[0]
    db.execute("update flags set status = 'accepted' where article_id = ?", [decided])
    strict = work / "flagging.yaml"
    strict.write_text("flagging:\n  threshold: 50\n", "utf-8")
    counts = reprocess(db_path=db_path, taxonomy_path=work / "taxonomy.yaml", flagging_path=strict)
    assert counts["analysis"]["analyzed"] == 0 and counts["rescored"] >= 8
    # Nothing reaches 50: every undecided flag is gone, the accepted one stays.
    assert [r[0] for r in db.execute("select article_id from flags")] == [decided]
    assert db.execute("select status from flags").fetchone()[0] == "accepted"


def test_bad_flagging_file_is_a_clear_error_and_loses_nothing(stored, capsys):
    from flows.cli import main

    work, db_path, _, _, _ = stored
    db = open_db(db_path)
    before = (db["analyses"].count, db["mentions"].count, db["flags"].count)
    bad = work / "bad-flagging.yaml"
    bad.write_text("flagging:\n  treshold: 3\n", "utf-8")
    assert main(["reprocess", "--db", str(db_path), "--flagging", str(bad)]) == 2
    assert "unknown flagging setting(s) treshold" in capsys.readouterr().err
    assert (db["analyses"].count, db["mentions"].count, db["flags"].count) == before
    failed = db.execute("select status, error from runs order by id desc limit 1").fetchone()
    assert failed[0] == "failed" and "treshold" in failed[1]
