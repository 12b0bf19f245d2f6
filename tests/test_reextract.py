"""`rightsradar reextract` and `rightsradar sources status`: from the kept raw pages, no refetch."""
import subprocess
import sys

from flows.steps import reextract_articles
from spiders.extract import extract_article
from store import open_db
from store.annotations import save_analysis
from store.articles import save_article
from store.sources import record_failure, sync_sources
from tests.conftest import fundus_pages


def test_reextract_rewrites_changed_articles_only_and_forgets_their_analysis(tmp_path):
    db_path = tmp_path / "r.db"
    db = open_db(db_path)
    sync_sources(db, [{"id": "s", "name": "S", "kind": "feed", "url": "http://127.0.0.1/feed"}])
    pages = fundus_pages()[:3]
    for page in pages:
        item = {**extract_article(page["html_bytes"], page["url"]).as_dict(), "source_id": "s",
                "fetched_url": page["url"], "raw_html": page["html_bytes"].decode("utf-8", "replace")}
        article_id = save_article(db, item).article_id
        save_analysis(db, article_id, {"flagged": False, "score": 0})
    # An older extractor got the first article wrong.
    db.execute("update articles set title = 'wrong', text = 'wrong' where id = 1")
    assert reextract_articles(db_path) == {"pages": 3, "changed": 1, "failed": 0}
    assert db["articles"].get(1)["title"] == pages[0]["title"]
    assert db.execute("select count(*) from analyses where article_id = 1").fetchone()[0] == 0
    assert db["analyses"].count == 2
    assert reextract_articles(db_path)["changed"] == 0


def test_sources_status_command(tmp_path):
    db_path = tmp_path / "s.db"
    db = open_db(db_path)
    sync_sources(db, [{"id": "wire", "name": "Wire", "kind": "feed", "url": "http://127.0.0.1/feed"}])
    record_failure(db, "wire", "HTTP 404", "hard", "backoff", 3.0, "2030-01-01T00:00:00Z")
    run = subprocess.run([sys.executable, "-m", "flows.cli", "sources", "status", "--db", str(db_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    [line] = [l for l in run.stdout.splitlines() if l.startswith("wire")]
    assert "backoff until 2030-01-01T00:00:00Z" in line and "hard: HTTP 404 (1 in a row)" in line
    run = subprocess.run([sys.executable, "-m", "flows.cli", "sources", "enable", "wire", "--db", str(db_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and open_db(db_path)["sources"].get("wire")["state"] == "active"
