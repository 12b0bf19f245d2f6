"""A triage database built the way the daily run builds one, without the crawl: the demo site's real
article pages extracted, stored, analysed by the real spaCy pipeline against companies.csv and flagged.

Building it takes ~20 s, so tests share one copy per session and copy the file (fast).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from catalog.load import load_companies
from nlp import analyze_records, build_pipeline
from spiders.dedup import content_hash
from spiders.extract import extract_article
from store import open_db
from store.annotations import save_analysis
from store.articles import save_article
from store.companies import sync_companies
from store.sources import sync_sources

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTICLES = PROJECT_DIR / "demo" / "site" / "articles"
SOURCES = [{"id": "ledger", "name": "Meridian Ledger", "kind": "feed", "url": "https://ledger.example/rss"},
           {"id": "wire", "name": "Harbour Wire", "kind": "feed", "url": "https://wire.example/rss"}]
# Carried again by a second outlet under another URL (a syndicated copy: the same text).
SYNDICATED = "samsung-vietnam-women-workers-fainting-miscarriages.html"


def build_triage_db(path: Path) -> Path:
    db = open_db(path)
    sync_sources(db, SOURCES)
    firms, _ = load_companies(PROJECT_DIR / "companies.csv")
    sync_companies(db, firms)
    records = []
    for page in sorted(ARTICLES.glob("*.html")):
        url = f"https://ledger.example/articles/{page.stem}"
        article = extract_article(page.read_bytes(), url)
        item = {"url": url, "source_id": "ledger", "title": article.title, "text": article.text,
                "language": article.language, "published": article.published, "authors": article.authors,
                "content_hash": content_hash(article.text)}
        saved = save_article(db, item)
        if page.name == SYNDICATED:
            save_article(db, {**item, "url": f"https://wire.example/world/{page.stem}", "source_id": "wire"})
        records.append({"id": saved.article_id, "title": article.title, "text": article.text})
    nlp = build_pipeline(firms)
    for result in analyze_records(nlp, records):
        save_analysis(db, result["id"], result)
    db.conn.close()
    return path


def copy_db(template: Path, folder: Path) -> Path:
    target = folder / "triage.db"
    shutil.copy(template, target)
    return target
