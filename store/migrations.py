"""The schema, as an ordered list of migrations. Never edit an applied migration: add a new one."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("rightsradar")


@migrations()
def m001_initial_schema(db: Database) -> None:
    db["sources"].create(
        {
            "id": str, "name": str, "kind": str, "url": str, "language": str, "country": str,
            "enabled": int, "last_success": str, "last_error": str, "last_error_at": str,
            "consecutive_failures": int, "items_total": int,
        },
        pk="id",
        defaults={"enabled": 1, "consecutive_failures": 0, "items_total": 0},
    )
    db["articles"].create(
        {
            "id": int, "url": str, "title": str, "text": str, "language": str,
            "published": str, "fetched": str, "source_id": str, "content_hash": str,
            "authors": str, "raw_html": bytes,
        },
        pk="id",
        not_null={"url", "content_hash"},
        foreign_keys=[("source_id", "sources", "id")],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["published"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")

    # Every URL under which a story was seen (its own, syndicated copies, other feeds):
    # the researchers see all the outlets that carried it.
    db["article_urls"].create(
        {"url": str, "article_id": int, "source_id": str, "first_seen": str},
        pk="url",
        foreign_keys=[("article_id", "articles", "id"), ("source_id", "sources", "id")],
    )
    db["article_urls"].create_index(["article_id"])

    db["companies"].create(
        {
            "id": str, "name": str, "country": str, "sector": str, "website": str,
            "isin": str, "cik": str, "tickers": str, "parent_id": str, "curated": int,
        },
        pk="id",
    )
    db["aliases"].create(
        {"company_id": str, "alias": str},
        pk=("company_id", "alias"),
        foreign_keys=[("company_id", "companies", "id")],
    )
    db["aliases"].create_index(["alias"])

    db["mentions"].create(
        {
            "article_id": int, "field": str, "start": int, "end": int, "mention": str,
            "company_id": str, "confidence": float, "reason": str, "role": str,
        },
        pk=("article_id", "field", "start", "end"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["mentions"].create_index(["company_id"])
    db["issue_tags"].create(
        {"article_id": int, "tag_id": str, "tag": str, "family": str, "evidence": str, "field": str},
        pk=("article_id", "tag_id"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["issue_tags"].create_index(["family"])
    db["places"].create(
        {"article_id": int, "country": str, "region": str},
        pk=("article_id", "country"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    # One row per analysed article: what produced the annotations, so a reprocess can
    # tell what is stale.
    db["analyses"].create(
        {
            "article_id": int, "analyzed_at": str, "story_type": str, "score": float,
            "flagged": int, "pipeline": str,
        },
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["flags"].create(
        {
            "article_id": int, "score": float, "reason": str, "company_ids": str,
            "families": str, "status": str, "created": str, "updated": str, "run_id": int,
        },
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        defaults={"status": "open"},
    )
    db["flags"].create_index(["status", "score"])
    db["decisions"].create(
        {"id": int, "article_id": int, "user": str, "action": str, "payload": str, "created": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["runs"].create(
        {
            "id": int, "flow": str, "started": str, "finished": str, "status": str,
            "pid": int, "counts": str, "error": str,
        },
        pk="id",
    )
